import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sequenceRandom } from '../../test/support/fakeClock.js';
import {
  BackoffOptionError,
  DEFAULT_BACKOFF,
  INITIAL_BACKOFF,
  applyRetryAfterFloor,
  nextBackoff,
  validateBackoffOptions,
  type BackoffState,
} from './backoff.js';
import { createResilience } from './createResilience.js';

const half = (): number => 0.5;
/** The largest double below 1, the top of `Math.random`'s range. */
const justBelowOne = 1 - Number.EPSILON / 2;

describe('nextBackoff', () => {
  it('starts from zero retries', () => {
    expect(INITIAL_BACKOFF).toEqual({ retries: 0 });
  });

  it.each([
    [0, 250],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [5, 8000],
    [6, 15_000], // 500 × 64 = 32 000 is capped at 30 000
    [50, 15_000],
  ])('retries=%i with random 0.5 waits %d ms (base 500, cap 30 000)', (retries, delay) => {
    expect(nextBackoff({ retries }, DEFAULT_BACKOFF, half)[0]).toBe(delay);
  });

  it('uses full jitter: random 0 waits nothing, random → 1 approaches the ceiling', () => {
    expect(nextBackoff({ retries: 3 }, DEFAULT_BACKOFF, () => 0)[0]).toBe(0);
    const [top] = nextBackoff({ retries: 3 }, DEFAULT_BACKOFF, () => justBelowOne);
    expect(top).toBeLessThan(4000);
    expect(top).toBeGreaterThan(3999.99);
  });

  it('advances the state by one retry and does not mutate its input', () => {
    const state: BackoffState = { retries: 2 };
    const [, next] = nextBackoff(state, DEFAULT_BACKOFF, half);
    expect(next).toEqual({ retries: 3 });
    expect(state).toEqual({ retries: 2 });
  });

  it('walks a whole sequence with scripted randomness', () => {
    const random = sequenceRandom(0.1, 0.9, 0.5, 1 - 1e-9);
    const delays: number[] = [];
    let state = INITIAL_BACKOFF;
    for (let i = 0; i < 4; i += 1) {
      const [delay, next] = nextBackoff(state, { baseMs: 100, capMs: 500 }, random);
      delays.push(delay);
      state = next;
    }
    expect(delays.map((d) => Math.round(d))).toEqual([10, 180, 200, 500]);
  });

  it.each([1024, 1e6, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY])(
    'stays finite and capped when retries=%d would overflow 2^n',
    (retries) => {
      const [delay] = nextBackoff({ retries }, DEFAULT_BACKOFF, half);
      expect(delay).toBe(15_000);
    },
  );

  it.each([
    ['negative', -0.5, 0],
    ['NaN', Number.NaN, 0],
    ['above one', 7, 1000],
  ])('clamps a faulty %s random into [0, ceiling]', (_name, draw, expected) => {
    expect(nextBackoff({ retries: 1 }, DEFAULT_BACKOFF, () => draw)[0]).toBe(expected);
  });

  it('property: delay = random × min(cap, base·2^n), so 0 <= delay <= min(cap, base·2^n)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0.001, max: 10_000, noNaN: true }),
        fc.double({ min: 0, max: 1_000_000, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retries, baseMs, extra, r) => {
          const options = { baseMs, capMs: baseMs + extra };
          const ceiling = Math.min(options.capMs, baseMs * 2 ** retries);
          const [delay, next] = nextBackoff({ retries }, options, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(delay).toBe(r * ceiling);
          expect(next.retries).toBe(retries + 1);
        },
      ),
    );
  });

  it('property: the ceiling never decreases as retries grow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), (retries) => {
        const one = (): number => justBelowOne;
        const [a] = nextBackoff({ retries }, DEFAULT_BACKOFF, one);
        const [b] = nextBackoff({ retries: retries + 1 }, DEFAULT_BACKOFF, one);
        expect(b).toBeGreaterThanOrEqual(a);
      }),
    );
  });
});

describe('applyRetryAfterFloor', () => {
  it('keeps the computed backoff when there is no Retry-After', () => {
    expect(applyRetryAfterFloor(1234, undefined, half)).toBe(1234);
  });

  it('treats NaN as no Retry-After', () => {
    expect(applyRetryAfterFloor(1234, Number.NaN, half)).toBe(1234);
  });

  it.each([
    ['0 ms: nothing to jitter', 0, 0.5, 0],
    ['5 s: jitter up to 10 % (500 ms)', 5000, 0.5, 5250],
    ['10 s: jitter reaches the 1 s limit', 10_000, 0.5, 10_500],
    ['60 s: jitter stays at most 1 s', 60_000, 0.5, 60_500],
    ['random 0 gives exactly Retry-After', 30_000, 0, 30_000],
  ])('%s', (_name, retryAfterMs, draw, expected) => {
    expect(applyRetryAfterFloor(100, retryAfterMs, () => draw)).toBe(expected);
  });

  it('is never capped: an hour stays an hour, however small the backoff cap', () => {
    expect(applyRetryAfterFloor(30_000, 3_600_000, () => 0)).toBe(3_600_000);
  });

  it('replaces the backoff, even a longer one (Retry-After says when capacity returns)', () => {
    expect(applyRetryAfterFloor(20_000, 2000, () => 0)).toBe(2000);
  });

  it('treats a negative Retry-After as now', () => {
    expect(applyRetryAfterFloor(1234, -500, half)).toBe(0);
  });

  it('de-synchronises instances that got the same Retry-After', () => {
    const a = applyRetryAfterFloor(0, 3000, () => 0.1);
    const b = applyRetryAfterFloor(0, 3000, () => 0.7);
    expect(a).not.toBe(b);
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(3000);
  });

  it('property: RA <= result <= RA + min(1000, 0.1·RA), exactly RA + r·min(1000, 0.1·RA)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retryAfterMs, backoffMs, r) => {
          const range = Math.min(1000, 0.1 * retryAfterMs);
          const result = applyRetryAfterFloor(backoffMs, retryAfterMs, () => r);
          expect(result).toBeGreaterThanOrEqual(retryAfterMs);
          expect(result).toBeLessThanOrEqual(retryAfterMs + range);
          expect(result).toBe(retryAfterMs + r * range);
        },
      ),
    );
  });

  it('property: never below Retry-After even with a faulty random', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double(), (retryAfterMs, draw) => {
        expect(applyRetryAfterFloor(0, retryAfterMs, () => draw)).toBeGreaterThanOrEqual(retryAfterMs);
      }),
    );
  });
});

describe('validateBackoffOptions', () => {
  it('fills the documented defaults', () => {
    expect(validateBackoffOptions()).toEqual({ baseMs: 500, capMs: 30_000 });
    expect(validateBackoffOptions({ baseMs: 100 })).toEqual({ baseMs: 100, capMs: 30_000 });
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 500, capMs: 30_000 });
  });

  it('accepts cap equal to base', () => {
    expect(validateBackoffOptions({ baseMs: 1000, capMs: 1000 })).toEqual({ baseMs: 1000, capMs: 1000 });
  });

  it.each([
    [{ baseMs: 0 }, /baseMs.*got 0/],
    [{ baseMs: -1 }, /baseMs.*got -1/],
    [{ baseMs: Number.NaN }, /baseMs.*got NaN/],
    [{ baseMs: Number.POSITIVE_INFINITY }, /baseMs.*got Infinity/],
    [{ baseMs: 1000, capMs: 999 }, /capMs.*got 999/],
    [{ capMs: Number.POSITIVE_INFINITY }, /capMs.*got Infinity/],
    [{ capMs: Number.NaN }, /capMs.*got NaN/],
  ])('rejects %o with a RangeError naming the option and value', (options, message) => {
    expect(() => validateBackoffOptions(options)).toThrow(RangeError);
    expect(() => validateBackoffOptions(options)).toThrow(message);
  });

  it.each([
    [{ baseMs: Number.NaN, capMs: 1000 }, 'baseMs', Number.NaN],
    [{ baseMs: -5, capMs: 1000 }, 'baseMs', -5],
    [{ baseMs: 1000, capMs: 10 }, 'capMs', 10],
    [{ baseMs: 100, capMs: Number.POSITIVE_INFINITY }, 'capMs', Number.POSITIVE_INFINITY],
  ] as const)(
    'a bad option %o stops createResilience where it is built, with a typed error naming it',
    (backoff, option, value) => {
      let thrown: unknown;
      try {
        createResilience(['a-bucket'], { backoff });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(BackoffOptionError);
      expect(thrown).toBeInstanceOf(RangeError);
      expect(thrown).toMatchObject({ kind: 'invalid-backoff-option', option, name: 'BackoffOptionError' });
      expect((thrown as BackoffOptionError).value).toBe(value); // toBe treats NaN as NaN
      expect((thrown as Error).message).toContain(`backoff ${option} must be`);
    },
  );

  it('createResilience without backoff options uses the defaults', () => {
    expect(createResilience(['a-bucket']).backoff).toEqual(DEFAULT_BACKOFF);
  });
});
