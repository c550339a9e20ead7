import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoAdvanceClock } from '../../test/support/fakeClock.js';
import {
  CircuitBreaker,
  CircuitBreakers,
  DEFAULT_BREAKER,
  validateBreakerOptions,
  type BreakerOptions,
} from './circuitBreaker.js';

function breaker(options: Partial<BreakerOptions> = {}): { clock: AutoAdvanceClock; cb: CircuitBreaker } {
  const clock = new AutoAdvanceClock();
  return { clock, cb: new CircuitBreaker(options, clock) };
}

const fail = (cb: CircuitBreaker, n: number): void => {
  for (let i = 0; i < n; i += 1) cb.recordFailure(false);
};

/** Trips the breaker with consecutive failures and returns when it will admit a probe. */
function trip(
  cb: CircuitBreaker,
  clock: AutoAdvanceClock,
  failures = DEFAULT_BREAKER.consecutiveFailures,
): number {
  fail(cb, failures);
  const permit = cb.tryAcquire();
  if (permit.ok) throw new Error('expected the breaker to be open');
  clock.advance(permit.retryAt - clock.now());
  return permit.retryAt;
}

describe('CircuitBreaker — options', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_BREAKER).toEqual({
      consecutiveFailures: 5,
      failureRatio: 0.5,
      minimumThroughput: 10,
      windowMs: 30_000,
      openMs: 5_000,
      maxOpenMs: 60_000,
    });
  });

  it.each([
    [{ consecutiveFailures: 0 }, 'consecutiveFailures', '0'],
    [{ consecutiveFailures: 2.5 }, 'consecutiveFailures', '2.5'],
    [{ failureRatio: 0 }, 'failureRatio', '0'],
    [{ failureRatio: 1.01 }, 'failureRatio', '1.01'],
    [{ failureRatio: Number.NaN }, 'failureRatio', 'NaN'],
    [{ minimumThroughput: 0 }, 'minimumThroughput', '0'],
    [{ windowMs: 0 }, 'windowMs', '0'],
    [{ windowMs: Number.POSITIVE_INFINITY }, 'windowMs', 'Infinity'],
    [{ openMs: -1 }, 'openMs', '-1'],
    [{ openMs: 10_000, maxOpenMs: 9_999 }, 'maxOpenMs', '9999'],
    [{ maxOpenMs: Number.POSITIVE_INFINITY }, 'maxOpenMs', 'Infinity'],
  ])('rejects %o with a RangeError naming the option and value', (options, name, value) => {
    const make = (): CircuitBreaker => new CircuitBreaker(options, new AutoAdvanceClock());
    expect(make).toThrow(RangeError);
    expect(make).toThrow(new RegExp(`${name} must be .*got ${value.replace('.', '\\.')}$`));
  });

  it('accepts failureRatio 1 and maxOpenMs equal to openMs', () => {
    expect(validateBreakerOptions({ failureRatio: 1, openMs: 7000, maxOpenMs: 7000 })).toMatchObject({
      failureRatio: 1,
      maxOpenMs: 7000,
    });
  });
});

describe('CircuitBreaker — closed', () => {
  it('admits every call as a non-probe', () => {
    const { cb } = breaker();
    expect(cb.state).toBe('closed');
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: false });
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: false });
  });

  it('trips on N consecutive failures, not before', () => {
    const { cb, clock } = breaker({ consecutiveFailures: 5 });
    fail(cb, 4);
    expect(cb.state).toBe('closed');
    cb.recordFailure(false);
    expect(cb.state).toBe('open');
    expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: clock.now() + 5000 });
  });

  it('a success resets the consecutive count', () => {
    const { cb } = breaker({ consecutiveFailures: 5 });
    fail(cb, 4);
    cb.recordSuccess(false);
    fail(cb, 4);
    expect(cb.state).toBe('closed');
  });

  it('neutral outcomes never trip it, however many', () => {
    const { cb } = breaker({ consecutiveFailures: 1, minimumThroughput: 1, failureRatio: 0.01 });
    for (let i = 0; i < 10_000; i += 1) cb.recordNeutral(false);
    expect(cb.state).toBe('closed');
  });

  it('a neutral outcome is a healthy answer: it resets the consecutive count', () => {
    const { cb } = breaker({ consecutiveFailures: 5 });
    fail(cb, 4);
    cb.recordNeutral(false);
    fail(cb, 4);
    expect(cb.state).toBe('closed');
  });

  it('trips on the failure ratio once minimum throughput is reached', () => {
    const { cb } = breaker({ consecutiveFailures: 100, failureRatio: 0.5, minimumThroughput: 10 });
    for (let i = 0; i < 4; i += 1) {
      cb.recordSuccess(false);
      cb.recordFailure(false);
    }
    cb.recordSuccess(false); // 9 calls, 4 failures
    expect(cb.state).toBe('closed');
    cb.recordFailure(false); // 10 calls, 5 failures = 0.5
    expect(cb.state).toBe('open');
  });

  it('does not trip on the ratio below minimum throughput, even at 100 % failures', () => {
    const { cb } = breaker({ consecutiveFailures: 100, failureRatio: 0.5, minimumThroughput: 10 });
    fail(cb, 9);
    expect(cb.state).toBe('closed');
  });

  it('counts neutral outcomes as non-failures in the ratio', () => {
    const { cb } = breaker({ consecutiveFailures: 100, failureRatio: 0.5, minimumThroughput: 10 });
    for (let i = 0; i < 20; i += 1) {
      cb.recordNeutral(false);
      cb.recordNeutral(false);
      cb.recordFailure(false);
    }
    expect(cb.state).toBe('closed'); // 1/3 failures
  });

  it('forgets failures older than the window', () => {
    const { cb, clock } = breaker({ consecutiveFailures: 100, failureRatio: 0.5, minimumThroughput: 10 });
    fail(cb, 9);
    clock.advance(30_000 + 3_000); // a full window plus one slot
    cb.recordSuccess(false);
    cb.recordFailure(false);
    expect(cb.state).toBe('closed'); // had the old 9 counted: 10 failures of 11 calls
  });

  it('still counts failures within the window', () => {
    const { cb, clock } = breaker({ consecutiveFailures: 100, failureRatio: 0.5, minimumThroughput: 10 });
    fail(cb, 9);
    clock.advance(20_000);
    cb.recordSuccess(false);
    cb.recordFailure(false);
    expect(cb.state).toBe('open');
  });
});

describe('CircuitBreaker — open and half-open', () => {
  it('fails fast with retryAt until the break ends', () => {
    const { cb, clock } = breaker();
    fail(cb, 5);
    const until = clock.now() + 5000;
    clock.advance(4999);
    expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: until });
    expect(cb.state).toBe('open');
  });

  it('admits exactly one probe after the break; every other caller fails fast', () => {
    const { cb, clock } = breaker();
    trip(cb, clock);
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: true });
    expect(cb.state).toBe('half-open');
    for (let i = 0; i < 5; i += 1) {
      expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: clock.now() + 5000 });
    }
  });

  it('a probe success closes the breaker', () => {
    const { cb, clock } = breaker();
    trip(cb, clock);
    cb.tryAcquire();
    cb.recordSuccess(true);
    expect(cb.state).toBe('closed');
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: false });
  });

  it('a neutral probe (4xx/429) closes the breaker', () => {
    const { cb, clock } = breaker();
    trip(cb, clock);
    cb.tryAcquire();
    cb.recordNeutral(true);
    expect(cb.state).toBe('closed');
  });

  it('a probe failure re-opens with the break doubled, up to maxOpenMs', () => {
    const { cb, clock } = breaker({ openMs: 5000, maxOpenMs: 60_000 });
    fail(cb, 5);
    const breaks: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const permit = cb.tryAcquire();
      if (permit.ok) throw new Error('expected open');
      breaks.push(permit.retryAt - clock.now());
      clock.advance(permit.retryAt - clock.now());
      expect(cb.tryAcquire()).toEqual({ ok: true, probe: true });
      cb.recordFailure(true);
      expect(cb.state).toBe('open');
    }
    expect(breaks).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('a probe success resets the break duration for the next trip', () => {
    const { cb, clock } = breaker();
    trip(cb, clock);
    cb.tryAcquire();
    cb.recordFailure(true); // 10 s
    clock.advance(10_000);
    cb.tryAcquire();
    cb.recordSuccess(true);
    fail(cb, 5);
    expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: clock.now() + 5000 });
  });

  it('a hung probe does not wedge the breaker: another probe is admitted openMs later', () => {
    const { cb, clock } = breaker({ openMs: 5000 });
    trip(cb, clock);
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: true }); // never reports
    clock.advance(4999);
    expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: clock.now() + 1 });
    clock.advance(1);
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: true });
    expect(cb.tryAcquire().ok).toBe(false);
    cb.recordFailure(true);
    expect(cb.state).toBe('open');
  });

  it('re-arms after openMs, not after the (longer) doubled break', () => {
    const { cb, clock } = breaker({ openMs: 5000, maxOpenMs: 60_000 });
    trip(cb, clock);
    cb.tryAcquire();
    cb.recordFailure(true); // next break 10 s
    clock.advance(10_000);
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: true });
    expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: clock.now() + 5000 });
  });

  it('ignores outcomes of ordinary calls admitted before the trip', () => {
    const { cb, clock } = breaker();
    fail(cb, 5);
    const openUntil = clock.now() + 5000;
    cb.recordSuccess(false);
    cb.recordNeutral(false);
    expect(cb.state).toBe('open');
    clock.advance(1000);
    fail(cb, 5); // late failures do not extend the break
    expect(cb.tryAcquire()).toEqual({ ok: false, retryAt: openUntil });
    clock.advance(4000);
    expect(cb.tryAcquire()).toEqual({ ok: true, probe: true });
    fail(cb, 5); // nor do they decide the probe's verdict
    cb.recordSuccess(false);
    expect(cb.state).toBe('half-open');
  });

  it('starts closed with a clean slate: failures from before the break are forgotten', () => {
    const { cb, clock } = breaker({ consecutiveFailures: 5, minimumThroughput: 6, failureRatio: 0.5 });
    trip(cb, clock);
    cb.tryAcquire();
    cb.recordSuccess(true);
    fail(cb, 4);
    expect(cb.state).toBe('closed');
  });

  it('property: never open without failures; neutral/success-only histories stay closed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('success', 'neutral'), fc.integer({ min: 0, max: 5000 })), {
          maxLength: 300,
        }),
        (events) => {
          const { cb, clock } = breaker({ consecutiveFailures: 1, minimumThroughput: 1, failureRatio: 0.01 });
          for (const [kind, gap] of events) {
            clock.advance(gap);
            expect(cb.tryAcquire()).toEqual({ ok: true, probe: false });
            if (kind === 'success') cb.recordSuccess(false);
            else cb.recordNeutral(false);
          }
          expect(cb.state).toBe('closed');
        },
      ),
    );
  });
});

describe('CircuitBreakers', () => {
  it('gives one breaker per host, case-insensitively', () => {
    const breakers = new CircuitBreakers({}, new AutoAdvanceClock());
    expect(breakers.forHost('api.example.com')).toBe(breakers.forHost('API.Example.COM'));
    expect(breakers.forHost('api.example.com')).not.toBe(breakers.forHost('other.example.com'));
  });

  it('keeps hosts independent', () => {
    const breakers = new CircuitBreakers({ consecutiveFailures: 1 }, new AutoAdvanceClock());
    breakers.forHost('a.example').recordFailure(false);
    expect(breakers.forHost('a.example').state).toBe('open');
    expect(breakers.forHost('b.example').state).toBe('closed');
  });

  it('validates options at construction', () => {
    expect(() => new CircuitBreakers({ openMs: 0 }, new AutoAdvanceClock())).toThrow(/openMs must be/);
  });
});
