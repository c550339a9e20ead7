import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoAdvanceClock } from '../../test/support/fakeClock.js';
import { DEFAULT_RETRY_BUDGET, RetryBudget, type RetryBudgetOptions } from './retryBudget.js';

function budget(options: Partial<RetryBudgetOptions> = {}): { clock: AutoAdvanceClock; b: RetryBudget } {
  const clock = new AutoAdvanceClock();
  return { clock, b: new RetryBudget(options, clock) };
}

/** Tries `n` retries and returns how many were granted. */
const drain = (b: RetryBudget, n: number): number => {
  let granted = 0;
  for (let i = 0; i < n; i += 1) if (b.tryConsumeRetry()) granted += 1;
  return granted;
};

describe('RetryBudget — options', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_RETRY_BUDGET).toEqual({ ratio: 0.2, minTokens: 10, maxTokens: 50, refillPerSecond: 1 });
  });

  it.each([
    [{ ratio: -0.1 }, 'ratio', '-0.1'],
    [{ ratio: Number.NaN }, 'ratio', 'NaN'],
    [{ minTokens: -1 }, 'minTokens', '-1'],
    [{ maxTokens: 0.5, minTokens: 0 }, 'maxTokens', '0.5'],
    [{ maxTokens: 5 }, 'maxTokens', '5'], // below the default minTokens 10
    [{ maxTokens: Number.POSITIVE_INFINITY }, 'maxTokens', 'Infinity'],
    [{ refillPerSecond: -1 }, 'refillPerSecond', '-1'],
    [{ refillPerSecond: Number.POSITIVE_INFINITY }, 'refillPerSecond', 'Infinity'],
  ])('rejects %o with a RangeError naming the option and value', (options, name, value) => {
    const make = (): RetryBudget => new RetryBudget(options, new AutoAdvanceClock());
    expect(make).toThrow(RangeError);
    expect(make).toThrow(new RegExp(`${name} must be .*got ${value.replace('.', '\\.')}$`));
  });
});

describe('RetryBudget', () => {
  it('starts with the floor allowance, then refuses', () => {
    const { b } = budget();
    expect(b.tokens).toBe(10);
    expect(drain(b, 11)).toBe(10);
    expect(b.tryConsumeRetry()).toBe(false);
    expect(b.tokens).toBe(0);
  });

  it('earns exactly one retry per five successes at ratio 0.2 (no floating-point shortfall)', () => {
    const { b } = budget({ minTokens: 0 });
    for (let i = 0; i < 4; i += 1) b.recordSuccess();
    expect(b.tryConsumeRetry()).toBe(false);
    b.recordSuccess();
    expect(b.tryConsumeRetry()).toBe(true);
    expect(b.tryConsumeRetry()).toBe(false);
  });

  it('banks no more than maxTokens however long things go well', () => {
    const { b } = budget();
    for (let i = 0; i < 10_000; i += 1) b.recordSuccess();
    expect(b.tokens).toBe(50);
    expect(drain(b, 100)).toBe(50);
  });

  it('refills the floor allowance at refillPerSecond', () => {
    const { b, clock } = budget();
    drain(b, 10);
    clock.advance(2500);
    expect(b.tokens).toBe(2.5);
    expect(drain(b, 5)).toBe(2);
  });

  it('refills only up to minTokens, never beyond', () => {
    const { b, clock } = budget();
    drain(b, 10);
    clock.advance(3_600_000);
    expect(b.tokens).toBe(10);
  });

  it('does not refill above the floor when earned tokens already exceed it', () => {
    const { b, clock } = budget();
    for (let i = 0; i < 100; i += 1) b.recordSuccess(); // 10 + 20 = 30
    clock.advance(3_600_000);
    expect(b.tokens).toBe(30);
  });

  it('does not bank refill time while full: a drain after a quiet hour still gets only the floor', () => {
    const { b, clock } = budget();
    clock.advance(3_600_000);
    expect(drain(b, 1000)).toBe(10);
  });

  it('credits no time twice when the clock steps backwards', () => {
    const { b, clock } = budget();
    drain(b, 10);
    clock.advance(3000);
    expect(b.tokens).toBe(3);
    clock.advance(-2000);
    expect(b.tokens).toBe(3);
    clock.advance(2000); // back where we were: nothing new has elapsed
    expect(b.tokens).toBe(3);
  });

  it('bounds retries in a long failure storm: an hour at 100 retry attempts/s grants ~1/s', () => {
    const { b, clock } = budget();
    let granted = 0;
    let attempts = 0;
    for (let second = 0; second < 3600; second += 1) {
      granted += drain(b, 100);
      attempts += 100;
      clock.advance(1000);
    }
    expect(attempts).toBe(360_000);
    expect(granted).toBeLessThanOrEqual(10 + 3600);
    expect(granted).toBeGreaterThanOrEqual(3600); // the trickle does keep working
  });

  it('with no floor and no refill, grants exactly ratio × successes', () => {
    const { b, clock } = budget({ minTokens: 0, refillPerSecond: 0, ratio: 0.1 });
    let granted = 0;
    for (let i = 0; i < 1000; i += 1) {
      b.recordSuccess();
      granted += drain(b, 3);
      clock.advance(10);
    }
    expect(granted).toBe(100);
  });

  it('property: granted retries <= ratio × successes + minTokens + refillPerSecond × elapsed seconds', () => {
    const op = fc.oneof(
      fc.constant<{ kind: 'success' }>({ kind: 'success' }),
      fc.constant<{ kind: 'retry' }>({ kind: 'retry' }),
      fc.record({ kind: fc.constant<'advance'>('advance'), ms: fc.integer({ min: 0, max: 5000 }) }),
    );
    fc.assert(
      fc.property(
        fc.record({
          ratio: fc.double({ min: 0, max: 2, noNaN: true }),
          minTokens: fc.double({ min: 0, max: 20, noNaN: true }),
          extra: fc.double({ min: 1, max: 100, noNaN: true }),
          refillPerSecond: fc.double({ min: 0, max: 10, noNaN: true }),
        }),
        fc.array(op, { maxLength: 500 }),
        ({ ratio, minTokens, extra, refillPerSecond }, ops) => {
          const maxTokens = Math.max(1, minTokens) + extra;
          const { b, clock } = budget({ ratio, minTokens, maxTokens, refillPerSecond });
          let successes = 0;
          let granted = 0;
          let elapsedMs = 0;
          for (const o of ops) {
            if (o.kind === 'success') {
              b.recordSuccess();
              successes += 1;
            } else if (o.kind === 'retry') {
              if (b.tryConsumeRetry()) granted += 1;
            } else {
              clock.advance(o.ms);
              elapsedMs += o.ms;
            }
            expect(b.tokens).toBeGreaterThanOrEqual(0);
            expect(b.tokens).toBeLessThanOrEqual(maxTokens);
          }
          const allowance = minTokens + (refillPerSecond * elapsedMs) / 1000;
          expect(granted).toBeLessThanOrEqual(ratio * successes + allowance + 1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });
});
