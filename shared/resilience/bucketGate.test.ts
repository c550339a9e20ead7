import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoAdvanceClock } from '../../test/support/fakeClock.js';
import {
  BucketGate,
  BucketGates,
  DEFAULT_PACER,
  validatePacerOptions,
  type PacerOptions,
} from './bucketGate.js';

const FAR = Number.MAX_SAFE_INTEGER;

function gate(options: Partial<PacerOptions> = {}): {
  clock: AutoAdvanceClock;
  gate: BucketGate;
  t0: number;
} {
  const clock = new AutoAdvanceClock();
  return { clock, gate: new BucketGate('submission_write', options, clock), t0: clock.now() };
}

/** Reserves `n` slots and returns their send times relative to `t0`. */
function sendTimes(g: BucketGate, n: number, t0: number, deadline = FAR): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const a = g.acquire(deadline);
    if (!a.ok) throw new Error(`slot ${i} refused until ${a.retryAt}`);
    out.push(a.sendAt - t0);
  }
  return out;
}

describe('BucketGate — options', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_PACER).toEqual({
      ratePerSecond: undefined,
      burst: 1,
      decreaseFactor: 0.8,
      increasePerSecond: 0.5,
      minRatePerSecond: 0.2,
      defaultPauseMs: 1000,
      observeWindowMs: 5000,
      unpaceAboveLearnedFactor: 4,
    });
  });

  it('keeps a default when an override is explicitly undefined', () => {
    expect(validatePacerOptions({ burst: undefined, decreaseFactor: 0.5 })).toMatchObject({
      burst: 1,
      decreaseFactor: 0.5,
    });
  });

  it.each([
    [{ burst: 0 }, 'burst', '0'],
    [{ burst: 1.5 }, 'burst', '1.5'],
    [{ decreaseFactor: 0 }, 'decreaseFactor', '0'],
    [{ decreaseFactor: 1 }, 'decreaseFactor', '1'],
    [{ decreaseFactor: Number.NaN }, 'decreaseFactor', 'NaN'],
    [{ increasePerSecond: -0.1 }, 'increasePerSecond', '-0.1'],
    [{ increasePerSecond: Number.POSITIVE_INFINITY }, 'increasePerSecond', 'Infinity'],
    [{ minRatePerSecond: 0 }, 'minRatePerSecond', '0'],
    [{ ratePerSecond: 0 }, 'ratePerSecond', '0'],
    [{ ratePerSecond: 0.1 }, 'ratePerSecond', '0.1'],
    [{ ratePerSecond: Number.POSITIVE_INFINITY }, 'ratePerSecond', 'Infinity'],
    [{ ratePerSecond: Number.NaN }, 'ratePerSecond', 'NaN'],
    [{ defaultPauseMs: -1 }, 'defaultPauseMs', '-1'],
    [{ observeWindowMs: 0 }, 'observeWindowMs', '0'],
    [{ unpaceAboveLearnedFactor: 1 }, 'unpaceAboveLearnedFactor', '1'],
    [{ unpaceAboveLearnedFactor: Number.NaN }, 'unpaceAboveLearnedFactor', 'NaN'],
  ])('rejects %o with a RangeError naming the bucket, option and value', (options, name, value) => {
    const clock = new AutoAdvanceClock();
    const make = (): BucketGate => new BucketGate('upload', options, clock);
    expect(make).toThrow(RangeError);
    expect(make).toThrow(new RegExp(`upload: ${name} must be .*got ${value.replace('.', '\\.')}$`));
  });

  it('accepts Infinity as unpaceAboveLearnedFactor (keep a learned pace forever)', () => {
    expect(() => gate({ unpaceAboveLearnedFactor: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('BucketGate — unpaced', () => {
  it('lets every caller go at once until a 429 teaches a pace', () => {
    const { gate: g, t0 } = gate();
    expect(g.ratePerSecond).toBeUndefined();
    expect(sendTimes(g, 5, t0)).toEqual([0, 0, 0, 0, 0]);
  });

  it('is open at start: pausedUntil <= now', () => {
    const { gate: g, clock } = gate();
    expect(g.pausedUntil).toBeLessThanOrEqual(clock.now());
  });
});

describe('BucketGate — GCRA spacing at a configured rate', () => {
  it('spaces sends by 1/rate with burst 1', () => {
    const { gate: g, t0 } = gate({ ratePerSecond: 2 });
    expect(sendTimes(g, 4, t0)).toEqual([0, 500, 1000, 1500]);
  });

  it('lets `burst` sends go back-to-back, then spaces the rest', () => {
    const { gate: g, t0 } = gate({ ratePerSecond: 1, burst: 3 });
    expect(sendTimes(g, 6, t0)).toEqual([0, 0, 0, 1000, 2000, 3000]);
  });

  it('refills the burst after an idle period, but never beyond `burst`', () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 1, burst: 3 });
    sendTimes(g, 3, t0);
    clock.advance(60_000);
    expect(sendTimes(g, 5, clock.now())).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('gives a caller arriving after its slot the current time, not a past slot', () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 2 });
    sendTimes(g, 1, t0);
    clock.advance(2000);
    expect(sendTimes(g, 2, t0)).toEqual([2000, 2500]);
  });

  it('property: in any window of length L at most burst + L·rate/1000 sends, in order', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        (rate, burst, gaps, windowMs) => {
          const { gate: g, clock } = gate({ ratePerSecond: rate, burst });
          const sends: number[] = [];
          for (const gap of gaps) {
            clock.advance(gap);
            const a = g.acquire(FAR);
            if (a.ok) sends.push(a.sendAt);
          }
          expect(sends).toEqual([...sends].sort((a, b) => a - b));
          const limit = burst + (windowMs * rate) / 1000 + 1e-9;
          for (const start of sends) {
            const inWindow = sends.filter((s) => s >= start && s <= start + windowMs).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });
});

describe('BucketGate — acquire and the deadline', () => {
  it('reserves nothing when the slot is past the deadline and says when it would be free', () => {
    const { gate: g, t0 } = gate({ ratePerSecond: 1 });
    expect(g.acquire(t0)).toEqual({ ok: true, sendAt: t0 });
    expect(g.acquire(t0 + 999)).toEqual({ ok: false, retryAt: t0 + 1000 });
    expect(g.acquire(t0 + 999)).toEqual({ ok: false, retryAt: t0 + 1000 });
    // The refused calls did not take the slot: the next caller still gets t0 + 1000, not t0 + 3000.
    expect(g.acquire(t0 + 1000)).toEqual({ ok: true, sendAt: t0 + 1000 });
    expect(g.stats().reserved).toBe(2);
  });

  it('refuses with retryAt = pausedUntil when the pause outlasts the deadline', () => {
    const { gate: g, t0 } = gate();
    g.onRateLimited(30_000);
    expect(g.acquire(t0 + 10_000)).toEqual({ ok: false, retryAt: t0 + 30_000 });
    expect(g.stats().reserved).toBe(0);
  });

  it('accepts a slot exactly at the deadline', () => {
    const { gate: g, t0 } = gate({ ratePerSecond: 1 });
    g.acquire(FAR);
    expect(g.acquire(t0 + 1000)).toEqual({ ok: true, sendAt: t0 + 1000 });
  });
});

describe('BucketGate — 429 pause', () => {
  it('pauses every caller of the bucket until Retry-After', () => {
    const { gate: g, t0 } = gate();
    g.onRateLimited(2000);
    expect(g.pausedUntil).toBe(t0 + 2000);
    const callerA = g.acquire(FAR);
    const callerB = g.acquire(FAR);
    expect(callerA).toEqual({ ok: true, sendAt: t0 + 2000 });
    expect(callerB.ok && callerB.sendAt).toBeGreaterThanOrEqual(t0 + 2000);
  });

  it('never shortens a longer pause, but extends a shorter one', () => {
    const { gate: g, clock, t0 } = gate();
    g.onRateLimited(10_000);
    clock.advance(100);
    g.onRateLimited(1000);
    expect(g.pausedUntil).toBe(t0 + 10_000);
    g.onRateLimited(20_000);
    expect(g.pausedUntil).toBe(t0 + 100 + 20_000);
  });

  it.each([
    ['absent', undefined],
    ['negative', -5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('pauses for defaultPauseMs when Retry-After is %s', (_name, retryAfterMs) => {
    const { gate: g, t0 } = gate({ defaultPauseMs: 1500 });
    g.onRateLimited(retryAfterMs);
    expect(g.pausedUntil).toBe(t0 + 1500);
  });

  it('honours Retry-After: 0 as "no pause" rather than the default', () => {
    const { gate: g, t0 } = gate();
    g.onRateLimited(0);
    expect(g.pausedUntil).toBe(t0);
  });

  it('pauses a paced bucket and resumes spacing from the pause end', () => {
    const { gate: g, t0 } = gate({ ratePerSecond: 10 });
    g.onRateLimited(3000); // rate 10 → 8 rps: 125 ms apart
    expect(sendTimes(g, 3, t0)).toEqual([3000, 3125, 3250]);
  });

  it('counts 429s and the union of pause time', () => {
    const { gate: g, clock } = gate();
    g.onRateLimited(1000);
    clock.advance(500);
    g.onRateLimited(1000); // overlaps: adds 500 ms
    clock.advance(5000);
    g.onRateLimited(2000); // separate: adds 2000 ms
    expect(g.stats()).toMatchObject({ rateLimited: 3, pausedMs: 3500, pausedUntil: clock.now() + 2000 });
  });
});

describe('BucketGate — multiplicative decrease', () => {
  it('decreases a configured rate by decreaseFactor', () => {
    const { gate: g } = gate({ ratePerSecond: 10 });
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
  });

  it('decreases at most once per pause window, however many in-flight 429s arrive', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10 });
    g.onRateLimited(2000);
    clock.advance(300);
    g.onRateLimited(2000);
    clock.advance(1000);
    g.onRateLimited(undefined);
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
    expect(g.stats().rateLimited).toBe(3);
  });

  it('decreases again for a 429 after the window has passed', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10 });
    g.onRateLimited(2000);
    clock.advance(2000);
    g.onRateLimited(2000);
    expect(g.ratePerSecond).toBeCloseTo(6.4, 10);
  });

  it('holds the decrease window for at least defaultPauseMs even with Retry-After: 0', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10, defaultPauseMs: 1000 });
    g.onRateLimited(0);
    clock.advance(999);
    g.onRateLimited(0);
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
    clock.advance(1);
    g.onRateLimited(0);
    expect(g.ratePerSecond).toBeCloseTo(6.4, 10);
  });

  it('never goes below minRatePerSecond', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 1, minRatePerSecond: 0.5 });
    for (let i = 0; i < 20; i += 1) {
      g.onRateLimited(1000);
      clock.advance(1000);
    }
    expect(g.ratePerSecond).toBe(0.5);
  });
});

describe('BucketGate — learning a rate at the first 429', () => {
  it('learns observed send rate × decreaseFactor', () => {
    const { gate: g, clock } = gate();
    for (let i = 0; i < 20; i += 1) {
      g.acquire(FAR);
      clock.advance(100); // 10 sends/s for 2 s
    }
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
  });

  it('averages a burst over at least one second', () => {
    const { gate: g } = gate();
    sendTimes(g, 5, 0);
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(4, 10);
  });

  it('looks only at the last observeWindowMs', () => {
    const { gate: g, clock } = gate({ observeWindowMs: 5000 });
    sendTimes(g, 100, 0); // long ago
    clock.advance(60_000);
    for (let i = 0; i < 10; i += 1) {
      g.acquire(FAR);
      clock.advance(500); // 2 sends/s for 5 s
    }
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(1.6, 10);
  });

  it('saturates the estimate at the log capacity (5000 rps reads as 1024 rps)', () => {
    const { gate: g, clock } = gate();
    for (let i = 0; i < 5000; i += 1) {
      g.acquire(FAR);
      clock.advance(0.2);
    }
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(1024 * 0.8, 6);
  });

  it('keeps a correct estimate when sends fill the log (1000 rps)', () => {
    const { gate: g, clock } = gate();
    for (let i = 0; i < 2000; i += 1) {
      g.acquire(FAR);
      clock.advance(1);
    }
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(800, 6);
  });

  it('floors the learned rate at minRatePerSecond when nothing was sent', () => {
    const { gate: g } = gate({ minRatePerSecond: 0.3 });
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBe(0.3);
  });

  it('paces at the learned rate after the pause', () => {
    const { gate: g, t0 } = gate();
    sendTimes(g, 5, t0); // learned 4 rps → 250 ms apart
    g.onRateLimited(1000);
    expect(sendTimes(g, 3, t0)).toEqual([1000, 1250, 1500]);
  });
});

describe('BucketGate — additive recovery', () => {
  it('adds increasePerSecond for each second since the pause ended', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10 });
    g.onRateLimited(1000); // → 8
    clock.advance(3000); // 1 s paused + 2 s of sending
    g.onSuccess();
    expect(g.ratePerSecond).toBeCloseTo(9, 10);
  });

  it('is based on elapsed time, not on the number of successes', () => {
    const many = gate({ ratePerSecond: 10 });
    const one = gate({ ratePerSecond: 10 });
    for (const { gate: g } of [many, one]) g.onRateLimited(1000);
    for (let i = 0; i < 20; i += 1) {
      many.clock.advance(100);
      many.gate.onSuccess();
    }
    one.clock.advance(2000);
    one.gate.onSuccess();
    expect(many.gate.ratePerSecond).toBeCloseTo(8.5, 10);
    expect(one.gate.ratePerSecond).toBeCloseTo(8.5, 10);
  });

  it('does not credit time spent paused (responses arriving during the pause)', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10 });
    g.onRateLimited(5000);
    clock.advance(3000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
    clock.advance(3000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeCloseTo(8.5, 10);
  });

  it('restarts the credit at each 429, even one inside the decrease window', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10, defaultPauseMs: 3000 });
    g.onRateLimited(1000); // → 8; paused 1 s, no further decrease for 3 s
    clock.advance(2000);
    g.onRateLimited(0); // no decrease, but it is not 429-free sending
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
    clock.advance(2000);
    g.onSuccess(); // credited from the second 429 (2 s), not from the first pause's end (3 s)
    expect(g.ratePerSecond).toBeCloseTo(9, 10);
  });

  it('never recovers above a configured rate', () => {
    const { gate: g, clock } = gate({ ratePerSecond: 10 });
    g.onRateLimited(1000);
    clock.advance(3_600_000);
    g.onSuccess();
    expect(g.ratePerSecond).toBe(10);
  });

  it('leaves an unpaced bucket unpaced', () => {
    const { gate: g, clock } = gate();
    clock.advance(10_000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeUndefined();
  });

  it('drops a learned pace once recovery passes unpaceAboveLearnedFactor × it', () => {
    const { gate: g, clock, t0 } = gate();
    sendTimes(g, 5, t0);
    g.onRateLimited(1000); // learned 4 rps; released above 16 rps, i.e. after 24 s of recovery
    clock.advance(1000 + 23_000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeCloseTo(15.5, 10);
    clock.advance(2000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeUndefined();
    expect(g.stats()).not.toHaveProperty('ratePerSecond');
    expect(sendTimes(g, 3, clock.now())).toEqual([0, 0, 0]);
  });

  it('measures the release threshold from the rate set by the latest decrease', () => {
    const { gate: g, clock, t0 } = gate({ unpaceAboveLearnedFactor: 2 });
    sendTimes(g, 5, t0);
    g.onRateLimited(1000); // learned 4
    clock.advance(1000 + 6000);
    g.onSuccess(); // 7
    g.onRateLimited(1000); // 5.6; release above 11.2
    clock.advance(1000 + 11_000);
    g.onSuccess(); // 11.1
    expect(g.ratePerSecond).toBeCloseTo(11.1, 10);
  });

  it('keeps a learned pace forever when the factor is Infinity', () => {
    const { gate: g, clock, t0 } = gate({ unpaceAboveLearnedFactor: Number.POSITIVE_INFINITY });
    sendTimes(g, 5, t0);
    g.onRateLimited(1000);
    clock.advance(3_600_000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeCloseTo(4 + 0.5 * 3599, 6);
  });

  it('learns afresh at the next 429 after pacing was dropped', () => {
    const { gate: g, clock, t0 } = gate();
    sendTimes(g, 5, t0);
    g.onRateLimited(1000);
    clock.advance(60_000);
    g.onSuccess();
    expect(g.ratePerSecond).toBeUndefined();
    for (let i = 0; i < 10; i += 1) {
      g.acquire(FAR);
      clock.advance(100);
    }
    g.onRateLimited(1000);
    expect(g.ratePerSecond).toBeCloseTo(8, 10);
  });
});

describe('BucketGates', () => {
  it('creates one gate per bucket and returns the same one to every caller', () => {
    const gates = new BucketGates({}, new AutoAdvanceClock());
    expect(gates.get('upload')).toBe(gates.get('upload'));
    expect(gates.get('upload')).not.toBe(gates.get('sandbox'));
    expect(gates.get('sandbox').bucket).toBe('sandbox');
  });

  it('keeps buckets independent: a 429 in one pauses only that one', () => {
    const clock = new AutoAdvanceClock();
    const gates = new BucketGates({}, clock);
    gates.get('submission_write').onRateLimited(5000);
    expect(gates.get('submission_write').pausedUntil).toBe(clock.now() + 5000);
    expect(gates.get('submission_read').acquire(FAR)).toEqual({ ok: true, sendAt: clock.now() });
  });

  it('applies per-bucket configuration', () => {
    const clock = new AutoAdvanceClock();
    const gates = new BucketGates({ upload: { ratePerSecond: 4 } }, clock);
    expect(gates.get('upload').ratePerSecond).toBe(4);
    expect(gates.get('webhook_read').ratePerSecond).toBeUndefined();
  });

  it('validates every bucket at construction, not at first use', () => {
    const clock = new AutoAdvanceClock();
    expect(() => new BucketGates({ sandbox: { burst: 0 } }, clock)).toThrow(/sandbox: burst must be/);
  });

  it('rejects an unknown bucket name', () => {
    const config = { uploads: { burst: 2 } } as unknown as Partial<Record<'upload', Partial<PacerOptions>>>;
    expect(() => new BucketGates(config, new AutoAdvanceClock())).toThrow(RangeError);
    expect(() => new BucketGates(config, new AutoAdvanceClock())).toThrow(/unknown bucket "uploads"/);
  });
});
