import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../emulator/rateLimiter.js';
import {
  DEFAULT_PACER,
  estimateSendAt,
  initialPacerState,
  nextSendAt,
  recordResult,
  recordSend,
  recentAcceptRate,
  spendableBurst,
  validatePacerOptions,
  type PacerOptions,
  type PacerState,
  type SendResult,
} from './pacer.js';
import { withFleetView } from './pacerShare.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const ACCEPTED: SendResult = { kind: 'accepted' };
const limited = (retryAfterMs?: number): SendResult => ({ kind: 'rate-limited', retryAfterMs });
/** No quick return to the pace a cut came from: isolates the other rules' arithmetic. */
const NO_REGAIN = { regainMs: Number.MAX_VALUE } as const;
/** No recovery at all: a rate moves only on 429s. */
const FIXED = { increaseShare: 0, increasePerSecond: 0, ...NO_REGAIN } as const;

/** A pacer and its clock, driven step by step. */
class Pacer {
  readonly options: PacerOptions;
  state: PacerState;
  now = T0;
  /** Whether senders queue for the pacer (a backlog) rather than finding the bucket free. */
  backlog = true;

  constructor(options: Partial<PacerOptions> = {}) {
    this.options = validatePacerOptions(options);
    this.state = initialPacerState(this.options, T0);
  }

  get next(): number {
    return nextSendAt(this.state, this.options, this.now);
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  /** Waits for the next slot, sends, and returns the send time relative to T0. */
  send(): number {
    const at = this.next;
    if (!Number.isFinite(at)) throw new Error('no send possible until an answer frees the window');
    this.now = Math.max(this.now, at);
    this.state = recordSend(this.state, this.now, this.backlog);
    return this.now - T0;
  }

  sends(n: number): number[] {
    return Array.from({ length: n }, () => this.send());
  }

  answer(result: SendResult): this {
    this.state = recordResult(this.state, this.options, this.now, result);
    return this;
  }

  /** Sends and has the answer `result` at once (zero latency). */
  exchange(result: SendResult): number {
    const at = this.send();
    this.answer(result);
    return at;
  }
}

/** Sends answered at once (accepted), spread evenly over `ms` at `perSecond`, whatever the pace says. */
function acceptFor(p: Pacer, perSecond: number, ms: number): void {
  const step = 1000 / perSecond;
  for (let t = 0; t < ms; t += step) {
    p.advance(step);
    p.state = recordResult(recordSend(p.state, p.now, p.backlog), p.options, p.now, ACCEPTED);
  }
}

/**
 * A backlog sent at the pacer's own pace (every send waits for it) for `ms` from now, each send answered at
 * once by `answer(i)`; returns how many were sent.
 */
function pacedFor(p: Pacer, ms: number, answer: (i: number) => SendResult = () => ACCEPTED): number {
  const until = p.now + ms;
  let sent = 0;
  while (p.next < until) {
    p.exchange(answer(sent));
    sent += 1;
  }
  return sent;
}

/**
 * The pace reached `rate` by probing, give or take the first half second after a pause, before the recent
 * accept rate shows the pace in use (`PROBE_ABOVE_USE`, pacerRecovery.ts), and the first sends the burst let
 * go without waiting: at most 0.25/s under it, never above.
 */
function expectProbedTo(p: Pacer, rate: number): void {
  expect(p.state.pace.rate).toBeGreaterThan(rate - 0.25);
  expect(p.state.pace.rate).toBeLessThanOrEqual(rate + 1e-9);
}

describe('pacer options', () => {
  it('documents its defaults', () => {
    expect(DEFAULT_PACER).toEqual({
      ratePerSecond: undefined,
      burst: 1,
      burstHeadroom: 0.25,
      slowStartWindow: 8,
      decreaseFactor: 0.8,
      increaseShare: 0.02,
      increasePerSecond: 0.05,
      minRatePerSecond: 0.2,
      defaultPauseMs: 1000,
      observeWindowMs: 5000,
      unpaceAboveLearnedFactor: Number.POSITIVE_INFINITY,
      regainMs: 2000,
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
    [{ burstHeadroom: -0.1 }, 'burstHeadroom', '-0.1'],
    [{ burstHeadroom: 1 }, 'burstHeadroom', '1'],
    [{ burstHeadroom: Number.NaN }, 'burstHeadroom', 'NaN'],
    [{ slowStartWindow: 0 }, 'slowStartWindow', '0'],
    [{ slowStartWindow: 2.5 }, 'slowStartWindow', '2.5'],
    [{ decreaseFactor: 0 }, 'decreaseFactor', '0'],
    [{ decreaseFactor: 1 }, 'decreaseFactor', '1'],
    [{ decreaseFactor: Number.NaN }, 'decreaseFactor', 'NaN'],
    [{ increaseShare: -0.1 }, 'increaseShare', '-0.1'],
    [{ increaseShare: Number.NaN }, 'increaseShare', 'NaN'],
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
  ])('rejects %o with a RangeError naming the label, option and value', (options, name, value) => {
    const make = (): PacerOptions => validatePacerOptions(options, 'upload');
    expect(make).toThrow(RangeError);
    expect(make).toThrow(new RegExp(`upload: ${name} must be .*got ${value.replace('.', '\\.')}$`));
  });

  it.each([
    [1, 0.25, 1],
    [4, 0.25, 3],
    [20, 0.25, 15],
    [20, 0, 20],
    [3, 0.9, 1],
    [10, 0.25, 7.5],
  ])('spends burst %f with headroom %f as %f tokens at once', (burst, burstHeadroom, spendable) => {
    expect(spendableBurst(validatePacerOptions({ burst, burstHeadroom }))).toBe(spendable);
  });
});

describe('pacer — slow start while no rate is known', () => {
  it('lets slowStartWindow sends go at once, then waits for an answer', () => {
    const p = new Pacer({ slowStartWindow: 3 });
    expect(p.sends(3)).toEqual([0, 0, 0]);
    expect(p.next).toBe(Number.POSITIVE_INFINITY);
  });

  it('frees a place and widens the window by half a place per accepted answer (×1.5 per round trip)', () => {
    const p = new Pacer({ slowStartWindow: 2 });
    p.sends(2);
    p.answer(ACCEPTED).answer(ACCEPTED);
    expect(p.state.sending.window).toBe(3);
    expect(p.sends(3)).toEqual([0, 0, 0]);
    expect(p.next).toBe(Number.POSITIVE_INFINITY);
    p.answer(ACCEPTED);
    expect(p.state.sending.window).toBe(3.5); // 2 in flight: room while fewer than 3.5
    expect(p.sends(2)).toEqual([0, 0]);
    expect(p.next).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([['failed'], ['unsent']] as const)('frees a place on a %s send without widening', (kind) => {
    const p = new Pacer({ slowStartWindow: 2 });
    p.sends(2);
    p.answer({ kind });
    expect(p.state.sending).toMatchObject({ window: 2, inFlight: 1 });
    expect(p.next).toBe(p.now);
  });

  it('never counts fewer than zero in flight', () => {
    const p = new Pacer();
    p.answer({ kind: 'failed' });
    expect(p.state.sending.inFlight).toBe(0);
  });
});

describe('pacer — GCRA spacing at a configured rate', () => {
  it('spaces sends by 1/rate with burst 1', () => {
    const p = new Pacer({ ratePerSecond: 2 });
    expect(p.sends(4)).toEqual([0, 500, 1000, 1500]);
  });

  it('spends the burst less its headroom back-to-back, then spaces the rest', () => {
    const p = new Pacer({ ratePerSecond: 1, burst: 4, burstHeadroom: 0.25 });
    expect(p.sends(5)).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('refills the spendable burst after an idle period, but never beyond it', () => {
    const p = new Pacer({ ratePerSecond: 1, burst: 4 });
    p.sends(3);
    p.advance(60_000);
    expect(p.sends(5).map((t) => t - 60_000)).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('is not limited by the slow-start window once paced', () => {
    const p = new Pacer({ ratePerSecond: 1000, slowStartWindow: 1 });
    expect(p.sends(3)).toEqual([0, 1, 2]);
  });

  it('estimates the turn of every queued position exactly as sending would give it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 40 }),
        (rate, burst, pauseMs, n) => {
          const p = new Pacer({ ratePerSecond: rate, burst });
          p.sends(burst); // partly drained
          p.answer(limited(pauseMs));
          const estimates = Array.from({ length: n }, (_, k) => estimateSendAt(p.state, p.options, p.now, k));
          const actual = Array.from({ length: n }, () => p.send() + T0);
          for (let k = 0; k < n; k += 1) {
            expect(Math.abs((actual[k] as number) - (estimates[k] as number))).toBeLessThan(0.01);
          }
        },
      ),
    );
  });

  it('property: in any window of length L at most spendable burst + L·rate sends, in order', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        (rate, burst, gaps, windowMs) => {
          const p = new Pacer({ ratePerSecond: rate, burst });
          const sends: number[] = [];
          for (const gap of gaps) {
            p.advance(gap);
            sends.push(p.send());
          }
          expect(sends).toEqual([...sends].sort((a, b) => a - b));
          const limit = spendableBurst(p.options) + (windowMs * rate) / 1000 + 1e-6;
          for (const start of sends) {
            const inWindow = sends.filter((s) => s >= start && s <= start + windowMs).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });
});

describe('pacer — a 429 pauses the bucket', () => {
  it('until Retry-After, for every sender', () => {
    const p = new Pacer({ ratePerSecond: 100 });
    p.answer(limited(2000));
    expect(p.state.pause.until).toBe(T0 + 2000);
    expect(p.next).toBe(T0 + 2000);
  });

  it('never shortens a longer pause, but extends a shorter one', () => {
    const p = new Pacer();
    p.answer(limited(10_000));
    p.advance(100).answer(limited(1000));
    expect(p.state.pause.until).toBe(T0 + 10_000);
    p.answer(limited(20_000));
    expect(p.state.pause.until).toBe(T0 + 100 + 20_000);
  });

  it.each([
    ['absent', undefined],
    ['negative', -5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('for defaultPauseMs when Retry-After is %s', (_name, retryAfterMs) => {
    const p = new Pacer({ defaultPauseMs: 1500 });
    p.answer(limited(retryAfterMs));
    expect(p.state.pause.until).toBe(T0 + 1500);
  });

  it('not at all for Retry-After: 0', () => {
    const p = new Pacer();
    p.answer(limited(0));
    expect(p.state.pause.until).toBe(T0);
  });

  it('counts 429s and the union of pause time', () => {
    const p = new Pacer();
    p.answer(limited(1000));
    p.advance(500).answer(limited(1000)); // overlaps: adds 500 ms
    p.advance(5000).answer(limited(2000)); // separate: adds 2000 ms
    expect(p.state.refusals.count).toBe(3);
    expect(p.state.pause).toEqual({ totalMs: 3500, until: p.now + 2000 });
  });

  it('re-synchronises with the server: after the pause exactly the refill less the headroom goes at once', () => {
    // The server's bucket (20/s, burst 20) is empty at the 429; 1 s later it holds 20 tokens again.
    const p = new Pacer({ ratePerSecond: 20, burst: 20 });
    acceptFor(p, 20, 10_000);
    const at = p.now;
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBe(20);
    const after = p.sends(17).map((t) => t + T0 - at);
    expect(after).toEqual([...Array<number>(15).fill(1000), 1050, 1100]);
  });

  it('after a short Retry-After, sends only what the server refilled meanwhile', () => {
    const p = new Pacer({ ratePerSecond: 20, burst: 20, burstHeadroom: 0 });
    acceptFor(p, 20, 5000);
    const at = p.now;
    p.answer(limited(200)); // 4 tokens refill in 200 ms
    expect(p.sends(6).map((t) => t + T0 - at)).toEqual([200, 200, 200, 200, 250, 300]);
  });
});

describe('pacer — what a 429 does to the rate', () => {
  it('learns the recent accept rate at the first 429 — not the rate of a flood of sends', () => {
    const p = new Pacer({ slowStartWindow: 4 });
    acceptFor(p, 10, 3000); // 30 answers, the window grew to 19
    let sent = 0;
    while (Number.isFinite(p.next)) {
      p.send();
      sent += 1;
    }
    expect(sent).toBe(19);
    for (let i = 0; i < sent; i += 1) p.answer(limited(1000));
    // 30 accepted over 2.9 s, plus the 18 still in flight at the first 429.
    expect(p.state.pace.rate).toBeCloseTo(48 / 2.9, 6);
  });

  it('counts sends still in flight at the first 429: it may overtake every 201', () => {
    const p = new Pacer({ slowStartWindow: 4 });
    p.sends(4);
    p.answer(limited(1000)); // three still in flight, nothing accepted yet
    expect(p.state.pace.rate).toBe(3);
  });

  it('averages a burst of answers over at least one second', () => {
    const p = new Pacer();
    for (let i = 0; i < 5; i += 1) p.exchange(ACCEPTED);
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBe(5);
  });

  it('starts measuring at the first answer, not when the bucket was first used', () => {
    const p = new Pacer();
    p.advance(60_000);
    acceptFor(p, 20, 2000); // 40 answers between 60.05 s and 62 s
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBeCloseTo(40 / 1.95, 6);
  });

  it('forgets answers from before an idle spell', () => {
    const p = new Pacer({ observeWindowMs: 5000 });
    acceptFor(p, 50, 2000);
    p.advance(60_000);
    acceptFor(p, 4, 3000); // 12 answers from 62.25 s to 65 s
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBeCloseTo(12 / 2.75, 6);
  });

  it('looks back one to two observe windows', () => {
    const p = new Pacer({ observeWindowMs: 1000 });
    acceptFor(p, 50, 5000);
    acceptFor(p, 5, 3000);
    // The anchors last moved at 6.2 s and 7.2 s, so the last 1.8 s count: 10 answers at 5/s.
    expect(recentAcceptRate(p.state, p.now)).toBeCloseTo(10 / 1.8, 6);
  });

  it('floors a first rate at minRatePerSecond when nothing was accepted', () => {
    const p = new Pacer({ minRatePerSecond: 0.3 });
    expect(p.state.refusals.latestReading).toBeUndefined();
    p.send();
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBe(0.3);
    expect(p.state.refusals.latestReading).toBe('learned');
  });

  it('sets the rate to the accept rate measured since the previous episode, when that is the lesser cut', () => {
    const p = new Pacer({ ratePerSecond: 25, ...FIXED });
    p.send();
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBe(20); // ×0.8: nothing accepted to measure yet
    // A server at 18/s refills what a backlog at 20/s takes after the 1 s pause: 160 sends in 8 s.
    expect(pacedFor(p, 9000)).toBe(160);
    p.answer(limited(1000));
    // Held back since the episode began: its pause (1 s), then one 50-ms interval per send after the first.
    expect(p.state.pace.rate).toBeCloseTo(160 / 8.95, 6); // min(20, max(17.9, 16))
  });

  it('measures only the time the pace held sends back: a lull in demand is not a lower limit', () => {
    const p = new Pacer({ ratePerSecond: 10, ...FIXED });
    pacedFor(p, 3000);
    p.backlog = false;
    p.advance(5000).exchange(ACCEPTED); // nobody waited for 5 s, then one caller found the bucket free
    p.backlog = true;
    pacedFor(p, 3000);
    p.answer(limited(1000));
    // 61 answers in 9 s would have read 6.8/s and cut to 8; held back, the server accepted the full 10/s.
    expect(p.state.refusals.latestReading).toBe('new-episode');
    expect(p.state.pace.rate).toBe(10);
  });

  it('counts a held-back send that failed (5xx, lost answer) or was never sent as not refused: no cut for it', () => {
    const p = new Pacer({ ratePerSecond: 10, ...FIXED });
    const first = pacedFor(p, 3000);
    // Three more seconds at the pace, one send in ten a 5xx and one unsent: the server refused none of them.
    let notAccepted = 0;
    const second = pacedFor(p, 3000, (i) => {
      if (i % 5 !== 0) return ACCEPTED;
      notAccepted += 1;
      return i % 10 === 0 ? { kind: 'failed' } : { kind: 'unsent' };
    });
    p.answer(limited(1000));
    // Counted as neither, they read as a server accepting less than the pace: cut to 8.98/s before.
    expect(p.state.refusals.latestReading).toBe('new-episode');
    expect(p.state.pace.rate).toBe(10);
    // The recent accept rate still counts only what was accepted.
    expect(p.state.accepts.count).toBe(first + second - notAccepted);
  });

  it('leaves a failed send that was not held back out of the measurement', () => {
    const p = new Pacer({ ratePerSecond: 10, ...FIXED });
    p.backlog = false;
    p.exchange({ kind: 'failed' });
    expect(p.state.heldBack.accepted).toBe(0);
    p.backlog = true;
    p.exchange({ kind: 'failed' });
    expect(p.state.heldBack.accepted).toBe(1);
  });

  it('does not cut a configured rate for a 429 when the server was measured to accept that rate', () => {
    const p = new Pacer({ ratePerSecond: 20, burst: 20 });
    acceptFor(p, 20, 4000);
    p.answer(limited(1000)); // jitter: one request arrived early
    expect(p.state.pace.rate).toBe(20);
  });

  it('cuts by at most decreaseFactor when little was accepted', () => {
    const p = new Pacer({ ratePerSecond: 10 });
    acceptFor(p, 1, 5000);
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
  });

  it('never raises the rate on a 429', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 50, noNaN: true }),
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        (rate, acceptedPerSecond) => {
          const p = new Pacer({ ratePerSecond: rate });
          acceptFor(p, acceptedPerSecond, 2000);
          const before = p.state.pace.rate as number;
          p.answer(limited(1000));
          expect(p.state.pace.rate).toBeLessThanOrEqual(before);
          expect(p.state.pace.rate).toBeGreaterThanOrEqual(Math.min(before, 0.8 * before));
        },
      ),
    );
  });

  it('sets the rate once per congestion episode, however many in-flight 429s arrive', () => {
    const p = new Pacer({ ratePerSecond: 10, ...FIXED });
    p.sends(3);
    p.answer(limited(2000));
    expect(p.state.refusals.latestReading).toBe('new-episode');
    p.advance(300).answer(limited(2000));
    p.advance(1000).answer(limited(undefined));
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
    expect(p.state.refusals.count).toBe(3);
    expect(p.state.refusals.latestReading).toBe('same-episode');
    p.advance(2000).answer(ACCEPTED).answer(limited(2000)); // a new episode: something got through meanwhile
    expect(p.state.pace.rate).toBeCloseTo(6.4, 10);
    expect(p.state.refusals.latestReading).toBe('new-episode');
  });

  it('holds the episode for at least defaultPauseMs even with Retry-After: 0', () => {
    const p = new Pacer({ ratePerSecond: 10, defaultPauseMs: 1000, ...FIXED });
    p.send();
    p.answer(limited(0));
    p.advance(999).answer(limited(0));
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
    p.advance(1).answer(ACCEPTED).answer(limited(0));
    expect(p.state.pace.rate).toBeCloseTo(6.4, 10);
  });

  it('never goes below minRatePerSecond', () => {
    const p = new Pacer({ ratePerSecond: 1, minRatePerSecond: 0.5, ...FIXED });
    for (let i = 0; i < 20; i += 1) {
      p.advance(5000).exchange(ACCEPTED);
      p.send();
      p.answer(limited(1000));
    }
    expect(p.state.pace.rate).toBe(0.5);
  });

  it('keeps one episode while nothing is accepted, even for 429s of sends in flight past the hold', () => {
    const p = new Pacer({ ratePerSecond: 10 });
    p.sends(2);
    p.answer(limited(1000));
    p.advance(1500).answer(limited(1000)); // sent before the first 429, answered late (slow server)
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
    expect(p.state.pause.until).toBe(p.now + 1000);
  });

  it('cuts nothing for a 429 of the first send after an honoured Retry-After: no token bucket refuses it', () => {
    const p = new Pacer({ ratePerSecond: 10, ...FIXED });
    p.send();
    p.answer(limited(1000)); // 10 → 8
    for (let i = 0; i < 2; i += 1) {
      p.send(); // at the end of the pause
      p.answer(limited(1000)); // refused all the same: the server's Retry-After promised a token
      expect(p.state.refusals.latestReading).toBe('not-the-bucket');
      expect(p.state.pace.rate).toBeCloseTo(8, 10);
      expect(p.state.pause.until).toBe(p.now + 1000);
    }
    p.advance(1000);
    acceptFor(p, 8, 5000);
    // Measured from the end of the last such pause, the server accepted the full 8/s: nothing to cut.
    // (Counted from the episode's start, 40 in 8 s would have read 5/s and cut to 6.4.)
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
  });
});

describe('pacer — a 429 for a send the pacer did not hold back', () => {
  it('only pauses an unpaced bucket: a first refusal of one request teaches no rate', () => {
    // The chaos soak's host 3: the timer's very first status read met a burst of 429s from elsewhere and
    // learned 0.2/s, so every later timer run handed its records off.
    const p = new Pacer();
    p.backlog = false;
    p.send();
    p.answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('not-held-back');
    expect(p.state.pace.rate).toBeUndefined();
    expect(p.state.pause.until).toBe(p.now + 1000);
    expect(p.next).toBe(p.now + 1000);
  });

  it('in a fleet, teaches an unpaced process the fleet’s rate: the others on the key are known', () => {
    const p = new Pacer();
    p.state = withFleetView(p.state, 0.25, 30); // three others sending 30/s between them
    p.backlog = false;
    for (let i = 0; i < 10; i += 1) p.advance(200).exchange(ACCEPTED); // 5/s, nobody waiting
    p.send();
    p.answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('learned');
    // Its part of what the fleet got through: a quarter of its own 10 accepted over the 1.8 s since its first
    // answer, and the others' 30/s.
    expect(p.state.pace.rate).toBeCloseTo(0.25 * (10 / 1.8 + 30), 10);
    // Paced, the same refusal only pauses (the rule above).
    p.advance(1000).exchange(ACCEPTED);
    const rate = p.state.pace.rate;
    p.send();
    p.answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('not-held-back');
    expect(p.state.pace.rate).toBe(rate);
  });

  it('keeps a pace that no send was waiting for, and re-synchronises it with the emptied bucket', () => {
    const p = new Pacer({ ratePerSecond: 10, burst: 4, burstHeadroom: 0 });
    p.backlog = false;
    p.sends(2);
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBe(10);
    // After the pause only what the server refilled meanwhile goes at once: its burst of 4, then 10/s.
    expect(p.sends(5)).toEqual([1000, 1000, 1000, 1000, 1100]);
  });

  it('still learns a real limit below demand, one refusal later: the pause makes the next sends wait', () => {
    const p = new Pacer();
    p.backlog = false;
    p.sends(3);
    p.answer(ACCEPTED).answer(ACCEPTED).answer(limited(1000));
    expect(p.state.pace.rate).toBeUndefined();
    p.backlog = true; // callers queued behind the pause
    p.advance(1000).sends(2); // at its end: the token bucket accepts the first, refuses the next
    p.answer(ACCEPTED).answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('learned');
    expect(p.state.pace.rate).toBeGreaterThan(0);
  });

  it('learns nothing, unpaced and alone, from sends refused right after an honoured pause: a burst from elsewhere', () => {
    // The chaos soak's timer: a burst of the next 20 calls of the key, refused wherever they go, taught its
    // read bucket a first pace of 12/s (its demand then) against a limit of 40.
    const p = new Pacer();
    p.backlog = false;
    p.sends(2);
    p.answer(ACCEPTED).answer(limited(1000));
    p.backlog = true;
    p.advance(1000).sends(3); // released together at the pause's end, every one refused
    p.answer(limited(1000)).answer(limited(1000)).answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('not-the-bucket');
    expect(p.state.pace.rate).toBeUndefined();
    // Once something is accepted after a pause, a refusal is the bucket's again.
    p.advance(1000).sends(2);
    p.answer(ACCEPTED).answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('learned');
  });

  it('learns, unpaced and alone, at the third refusal in a row within a pause’s length of the previous pause’s end', () => {
    // Weakness 13: a queue process alone on submission_write, its callers a little above the limit, never
    // filled its window; each 429 came 0.5–1 s after the previous pause ended, found nothing held back and
    // only paused — 43 of them in 40 s.
    const p = new Pacer();
    p.backlog = false;
    p.sends(2);
    p.answer(ACCEPTED).answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('not-held-back');
    const readings: (string | undefined)[] = [];
    for (let i = 0; i < 3; i += 1) {
      p.advance(1000).sends(3); // the pause's backlog goes at its end, and finds the bucket free
      p.answer(ACCEPTED).answer(ACCEPTED);
      p.advance(600);
      p.answer(limited(1000)); // the third send, refused 0.6 s after the pause ended
      readings.push(p.state.refusals.latestReading);
    }
    // Two in a row may be a burst of refusals from elsewhere that outlasts one pause; three are demand.
    expect(readings).toEqual(['not-held-back', 'not-held-back', 'learned']);
    expect(p.state.pace.rate).toBeGreaterThan(0);
  });

  it('starts the count again after a refusal later than two pauses after the previous one, and ignores those during a pause', () => {
    const late = new Pacer();
    late.backlog = false;
    late.sends(2);
    late.answer(ACCEPTED).answer(limited(1000));
    const refusedAfter = (ms: number): void => {
      late.advance(1000).sends(2); // the pause ends; its backlog is accepted
      late.answer(ACCEPTED);
      late.advance(ms).answer(limited(1000));
    };
    refusedAfter(600);
    refusedAfter(600); // two in a row in a pause's backlog
    refusedAfter(2001); // later than two pauses after the end: demand the pause no longer explains
    refusedAfter(600);
    expect(late.state.refusals.latestReading).toBe('not-held-back');
    expect(late.state.pace.rate).toBeUndefined();
    refusedAfter(600);
    refusedAfter(600); // three in a row again
    expect(late.state.refusals.latestReading).toBe('learned');

    const during = new Pacer();
    during.backlog = false;
    during.sends(3);
    during.answer(limited(1000)).answer(ACCEPTED); // the second 429 is of a send from before the pause
    during.answer(limited(1000));
    expect(during.state.refusals.latestReading).toBe('not-held-back');
    expect(during.state.pace.rate).toBeUndefined();
  });

  it('in a fleet, learns from a send refused after the pause all the same: the others may have taken its token', () => {
    const p = new Pacer();
    p.backlog = false;
    p.sends(2);
    p.answer(ACCEPTED).answer(limited(1000));
    p.state = { ...p.state, fleet: { share: 0.5, othersPerSecond: 5 } };
    p.backlog = true;
    p.advance(1000).send();
    p.answer(limited(1000));
    expect(p.state.refusals.latestReading).toBe('learned');
  });
});

describe('pacer — regaining the pace a blind cut came from', () => {
  /** A configured 10/s, cut blind (nothing measured) to 8/s at T0 with a 1 s pause; flat +0.5/s probing. */
  function blindCut(options: Partial<PacerOptions> = {}): Pacer {
    const p = new Pacer({ ratePerSecond: 10, increaseShare: 0, increasePerSecond: 0.5, ...options });
    p.send();
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
    return p;
  }

  it('returns most of the way within a few seconds of sending at the pace: 1 − e^(−t/regainMs) of the gap', () => {
    const p = blindCut({ increasePerSecond: 0 });
    expect(p.state.recovery.regainTarget).toBe(10);
    p.advance(1000); // the pause
    p.advance(2000).answer(ACCEPTED);
    expect(p.state.pace.rate).toBeCloseTo(10 - 2 * Math.exp(-1), 10);
    p.advance(4000).answer(ACCEPTED);
    expect(p.state.pace.rate).toBeCloseTo(10 - 2 * Math.exp(-3), 10);
  });

  it('probes at the usual pace where that is faster, and not at all while nobody waits for the pace', () => {
    const slow = blindCut({ regainMs: 1_000_000 });
    slow.advance(1000); // the pause
    pacedFor(slow, 2000);
    expectProbedTo(slow, 9); // +0.5/s beats 2 × (1 − e^(−0.002))
    const idle = blindCut();
    idle.backlog = false;
    idle.advance(10_000).exchange(ACCEPTED);
    expect(idle.state.pace.rate).toBeCloseTo(8, 10);
  });

  /**
   * A configured 25/s with neither recovery nor regain: 4 s at the pace, all accepted, then an episode (the
   * 429 of one send and `refusedInFlight` more sends in flight), 5 s at the pace after its 1 s pause, all
   * accepted, and another 429: a cut to what was measured, 5 s of sending over 6 s held back.
   */
  function measuredCut(refusedInFlight: number): { readonly p: Pacer; readonly before: number } {
    const p = new Pacer({ ratePerSecond: 25, ...FIXED });
    pacedFor(p, 4000);
    p.sends(1 + refusedInFlight);
    for (let i = 0; i <= refusedInFlight; i += 1) p.answer(limited(1000));
    const before = p.state.pace.rate as number;
    pacedFor(p, 6000);
    p.send();
    p.answer(limited(1000));
    expect(p.state.pace.rate).toBeLessThan(before);
    expect(p.state.pace.rate).toBeGreaterThan(0.8 * before); // what was measured, not the ×0.8 floor
    return { p, before };
  }

  it('does not regain a cut to what the server was measured to accept, having refused what the pace sent above it', () => {
    // Nine sends in flight at the first 429 refused too: the server's bucket had run dry.
    expect(measuredCut(9).p.state.recovery.regainTarget).toBeUndefined();
  });

  it('regains a cut to the measured accept rate when every send held back since the episode began was accepted', () => {
    // Then only the pause that began it made the reading lower than the pace: a refusal from elsewhere costs
    // a pause as much as a limit refills one (weakness 12).
    const { p, before } = measuredCut(0);
    expect(p.state.recovery.regainTarget).toBe(before);
  });

  it('takes a refusal at the pace it had just regained as confirmation: no quick return the next time', () => {
    const p = blindCut({ increasePerSecond: 0 });
    p.advance(1000).advance(10_000).answer(ACCEPTED); // regained 8 → 10 − 2e^(−5)
    const before = p.state.pace.rate as number;
    expect(before).toBeCloseTo(10 - 2 * Math.exp(-5), 10);
    p.send();
    p.answer(limited(1000)); // refused again there: blind (one answer in 10 s), but confirmed
    expect(p.state.pace.rate).toBeCloseTo(0.8 * before, 10);
    expect(p.state.recovery.regainTarget).toBeUndefined();
  });

  it('regains a cut that came before the last one was regained, to the lower pace (the limit moved)', () => {
    const p = blindCut({ increasePerSecond: 0 });
    p.advance(1000).advance(500).answer(ACCEPTED); // 8 → 8.44: far from 10
    const before = p.state.pace.rate as number;
    p.send();
    p.answer(limited(1000));
    expect(p.state.recovery.regainTarget).toBeCloseTo(before, 10);
    expect(p.state.pace.rate).toBeCloseTo(0.8 * before, 10);
  });
});

describe('pacer — recovery', () => {
  /** +0.5/s per second, whatever the rate: easy arithmetic for the timing rules. */
  const FLAT = { increaseShare: 0, increasePerSecond: 0.5 };

  /** A pacer whose queued send came back 429 at T0: 10/s → 8/s, paused for `pauseMs`. */
  function cut(options: Partial<PacerOptions> = {}, pauseMs = 1000): Pacer {
    const p = new Pacer({ ratePerSecond: 10, ...FLAT, ...NO_REGAIN, ...options });
    p.send();
    p.answer(limited(pauseMs));
    return p;
  }

  it('adds increasePerSecond for each second of sending at the pace since the pause ended', () => {
    const p = cut();
    p.advance(1000); // the pause
    pacedFor(p, 2000);
    expectProbedTo(p, 9);
  });

  it('probes only for the time the pace held sends back, and not a pace more than twice its use', () => {
    /** Ten seconds of callers arriving in bunches of `perBunch` once a second, after the cut's pause. */
    const bunched = (perBunch: number): { readonly p: Pacer; readonly heldBackSeconds: number } => {
      const p = cut();
      p.advance(1000); // the pause
      const from = p.state.recovery.heldBackMsCredited; // the cut's own send waited too
      for (let second = 0; second < 10; second += 1) {
        p.advance(1000);
        for (let i = 0; i < perBunch; i += 1) p.exchange(ACCEPTED);
      }
      return { p, heldBackSeconds: (p.state.heldBack.ms - from) / 1000 };
    };
    // 3/s against a pace of 8/s: more than twice the use, never probed — the old rule (all the time since
    // the last credit, if the latest send waited) made it 13/s.
    expect(bunched(3).p.state.pace.rate).toBe(8);
    // 5/s: probed, but only for the time the spacing held the bunches back (one interval a send).
    const { p, heldBackSeconds } = bunched(5);
    expect(heldBackSeconds).toBeLessThan(7);
    expect(p.state.pace.rate).toBeGreaterThan(8);
    expect(p.state.pace.rate).toBeLessThanOrEqual(8 + 0.5 * heldBackSeconds);
  });

  it('adds increaseShare of the rate per second when that is more: as fast at 100/s as at 2/s', () => {
    for (const rate of [2, 20, 100]) {
      const p = new Pacer({ ratePerSecond: rate, increaseShare: 0.02, increasePerSecond: 0.01 });
      acceptFor(p, rate, 3000);
      p.answer(limited(1000)); // nothing cut: the server accepted `rate`
      p.advance(6000).answer(ACCEPTED);
      expect(p.state.pace.rate).toBe(rate); // capped
      const learned = new Pacer({ increaseShare: 0.02, increasePerSecond: 0.01, slowStartWindow: 1000 });
      acceptFor(learned, rate, 3000);
      learned.answer(limited(1000));
      const before = learned.state.pace.rate as number;
      learned.advance(1000); // the pause
      pacedFor(learned, 1000);
      const ratio = (learned.state.pace.rate as number) / before;
      expect(ratio).toBeGreaterThan(1.015);
      expect(ratio).toBeLessThanOrEqual(Math.exp(0.02)); // credited answer by answer, so it compounds
    }
  });

  it('is based on elapsed time, not on the number of answers', () => {
    const many = cut();
    const few = cut();
    for (const p of [many, few]) {
      p.advance(1000); // the pause
      pacedFor(p, 2000); // in use: the recent accept rate is the pace's
    }
    pacedFor(many, 2000); // every send answered at once
    // The same sends, their answers coming back together twice a second.
    const until = few.now + 2000;
    let unanswered = 0;
    let flushedAt = few.now;
    while (few.next < until) {
      few.send();
      unanswered += 1;
      if (few.now - flushedAt >= 500) {
        for (; unanswered > 0; unanswered -= 1) few.answer(ACCEPTED);
        flushedAt = few.now;
      }
    }
    few.advance(until - few.now);
    for (; unanswered > 0; unanswered -= 1) few.answer(ACCEPTED);
    expectProbedTo(many, 10);
    expect(few.state.pace.rate).toBeCloseTo(many.state.pace.rate as number, 1);
  });

  it('credits nothing before the pause ends', () => {
    const p = cut();
    p.advance(600).answer(ACCEPTED);
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
  });

  it('does not credit time spent paused', () => {
    const p = cut({}, 5000);
    p.advance(3000).answer(ACCEPTED);
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
    p.advance(2000); // the rest of the pause
    pacedFor(p, 3000);
    expect(p.state.pace.rate).toBeGreaterThan(8);
    expect(p.state.pace.rate).toBeLessThanOrEqual(8 + 0.5 * 3); // the 3 s after the pause at most
  });

  it('does not credit time in which nobody waited for the pace', () => {
    const p = cut();
    p.backlog = false;
    p.advance(60_000).send();
    p.answer(ACCEPTED);
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
    p.backlog = true;
    pacedFor(p, 2000); // credited from the last answer, not from the pause
    expectProbedTo(p, 9);
  });

  it.each([['failed'], ['unsent']] as const)('is not credited by a %s send', (kind) => {
    const p = cut();
    p.advance(5000).answer({ kind });
    expect(p.state.pace.rate).toBeCloseTo(8, 10);
  });

  it('never recovers above a configured rate', () => {
    const p = cut();
    p.advance(1000);
    pacedFor(p, 60_000);
    expect(p.state.pace.rate).toBe(10);
  });

  it('keeps raising a learned rate without a ceiling by default', () => {
    const p = new Pacer(FLAT);
    for (let i = 0; i < 4; i += 1) p.exchange(ACCEPTED);
    p.answer(limited(1000)); // learned 4
    p.advance(1000);
    pacedFor(p, 60_000);
    expect(p.state.pace.rate).toBeCloseTo(34, 0);
  });

  it('drops a learned pace past unpaceAboveLearnedFactor × it, and slow-starts again', () => {
    const p = new Pacer({ ...FLAT, unpaceAboveLearnedFactor: 4, slowStartWindow: 2 });
    for (let i = 0; i < 4; i += 1) p.exchange(ACCEPTED);
    p.answer(limited(1000)); // learned 4; released above 16, i.e. after 24 s of recovery
    p.advance(1000);
    pacedFor(p, 23_000);
    expect(p.state.pace.rate).toBeCloseTo(15.5, 0);
    // Zero-latency answers would never advance the clock once unpaced: stop at the release.
    for (let i = 0; i < 100 && p.state.pace.rate !== undefined; i += 1) p.exchange(ACCEPTED);
    expect(p.state.pace.rate).toBeUndefined();
    expect(p.state.sending.window).toBe(2);
  });
});

/**
 * The chaos soak's 429 bursts, refused by something other than the bucket: from `firstAt`, every 10 s the next
 * `calls` calls within 3 s (the soak's bursts are 20 calls of the whole key, so a bucket sharing the key with
 * busier ones may see only one or two of them). Returns whether a call arriving at the server at `serverNow`
 * is refused.
 */
function soakBursts(firstAt: number, calls = 20): (serverNow: number) => boolean {
  let burstLeft = 0;
  let burstEnds = 0;
  let nextBurst = firstAt;
  return (serverNow) => {
    if (serverNow >= nextBurst) {
      burstLeft = calls;
      burstEnds = nextBurst + 3_000;
      nextBurst += 10_000;
    }
    if (burstLeft === 0 || serverNow >= burstEnds) return false;
    burstLeft -= 1;
    return true;
  };
}

/** Milliseconds of `[from, to)` that lie in one of `spans` (sorted by start, possibly overlapping). */
function overlapMs(spans: readonly (readonly [number, number])[], from: number, to: number): number {
  let total = 0;
  let covered = from;
  for (const [start, end] of spans) {
    const a = Math.max(start, covered);
    const b = Math.min(end, to);
    if (b > a) {
      total += b - a;
      covered = b;
    }
  }
  return total;
}

describe('pacer — against the emulator’s token bucket (the model it mirrors)', () => {
  /**
   * A backlog sent as fast as the pacer allows to a `RateLimiter` (emulator/rateLimiter.ts). Each request
   * reaches the server `latencyMs / 2` after it is sent and its answer comes back `latencyMs` after; any
   * number may be in flight. Returns the 201 times, the 429 count and the pace each new episode set over
   * `seconds`, and checks that nothing was ever sent into a pause a 429 had announced.
   *
   * Without `demand`, a backlog waits all the time — or, with `lulls`, all but the last `forMs` of every
   * `everyMs` (nobody asks then; the next backlog arrives at once when the lull ends). `fails(n)` answers the
   * n-th answer with a 5xx instead (before the server's limiter, as the emulator's faults). `freeMs` is the time a
   * backlog waited and no 429's pause held the bucket: the time in which the pacer alone decided what went.
   */
  function run(
    limit: { ratePerSecond: number; burst: number },
    options: Partial<PacerOptions>,
    seconds: number,
    latencyMs = 0,
    external: (serverNow: number) => boolean = () => false,
    demand?: { readonly everyMs: number; readonly count: number },
    lulls?: { readonly everyMs: number; readonly forMs: number },
    fails: (answer: number) => boolean = () => false,
  ): { accepted: number[]; rejected: number; waits: number[]; paces: number[]; freeMs: number } {
    const p = new Pacer(options);
    let serverNow = T0;
    const server = new RateLimiter({ submission_write: limit }, { now: () => serverNow });
    const inFlight: number[] = []; // send times, in order (constant latency keeps them in order)
    const accepted: number[] = [];
    // Without `demand`, a backlog: every send waits for the pacer. With it, requests arrive in rounds.
    const arrived: number[] = [];
    const waits: number[] = [];
    const paces: number[] = [];
    const pauses: [number, number][] = [];
    const cycleMs = lulls?.everyMs ?? Infinity;
    const backlogMs = cycleMs - (lulls?.forMs ?? 0);
    const cycleStart = (t: number): number => (lulls ? T0 + Math.floor((t - T0) / cycleMs) * cycleMs : T0);
    /** The first moment from `t` on at which a backlog waits. */
    const backlogFrom = (t: number): number => (t - cycleStart(t) < backlogMs ? t : cycleStart(t) + cycleMs);
    let nextRound = demand ? T0 : Infinity;
    let rejected = 0;
    let answers = 0;
    let pausedUntil = 0;
    const end = T0 + seconds * 1000;
    while (p.now < end) {
      const sendAt = demand ? Math.max(p.next, arrived[0] ?? Infinity) : backlogFrom(p.next);
      const answerAt = inFlight.length > 0 ? (inFlight[0] as number) + latencyMs : Infinity;
      if (nextRound < Math.min(sendAt, answerAt)) {
        p.now = Math.max(p.now, nextRound);
        for (let i = 0; i < (demand?.count ?? 0); i += 1) arrived.push(nextRound);
        nextRound += demand?.everyMs ?? Infinity;
      } else if (answerAt <= sendAt) {
        const sentAt = inFlight.shift() as number;
        p.now = Math.max(p.now, answerAt);
        serverNow = sentAt + latencyMs / 2;
        answers += 1;
        if (fails(answers)) {
          // A 5xx before the server's limiter (the emulator's faults): no token taken, nothing refused.
          p.answer({ kind: 'failed' });
          continue;
        }
        const decision = external(serverNow)
          ? { allowed: false as const, retryAfterSeconds: 1 }
          : server.take('key', 'submission_write');
        if (decision.allowed) {
          accepted.push(p.now);
          p.answer(ACCEPTED);
        } else {
          rejected += 1;
          pausedUntil = Math.max(pausedUntil, p.now + decision.retryAfterSeconds * 1000);
          pauses.push([p.now, pausedUntil]);
          p.answer(limited(decision.retryAfterSeconds * 1000));
          if (p.state.refusals.latestReading === 'new-episode') paces.push(p.state.pace.rate as number);
        }
      } else {
        if (demand) {
          const arrival = arrived.shift() as number;
          p.backlog = sendAt > arrival;
          waits.push(sendAt - arrival);
        } else {
          // The backlog that arrived when the lull ended waits for every send after the first.
          p.now = Math.max(p.now, sendAt);
          p.backlog = sendAt > cycleStart(sendAt);
        }
        const sentAt = p.send() + T0;
        expect(sentAt).toBeGreaterThanOrEqual(pausedUntil);
        inFlight.push(sentAt);
      }
    }
    let freeMs = 0;
    for (let start = T0; start < end; start += cycleMs) {
      const backlogEnd = Math.min(end, start + backlogMs);
      freeMs += backlogEnd - start - overlapMs(pauses, start, backlogEnd);
    }
    return { accepted, rejected, waits, paces, freeMs };
  }

  it.each([
    [20, 20],
    [10, 5],
    [2, 10],
    [50, 100],
  ])('at a configured %i/s burst %i: no 429 at all, and the full rate', (rate, burst) => {
    const { accepted, rejected } = run({ ratePerSecond: rate, burst }, { ratePerSecond: rate, burst }, 120);
    expect(rejected).toBe(0);
    expect(accepted.length).toBeGreaterThanOrEqual(Math.floor(rate * 120));
  });

  it('learning: reaches ≥ 0.95 × R with ≤ 2 % of calls answered 429, for limits of 10–60/s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 60 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 30 }),
        (rate, burstSeconds, latencyMs) => {
          const burst = rate * burstSeconds;
          const { accepted, rejected } = run({ ratePerSecond: rate, burst }, {}, 300, latencyMs);
          // Judged over the last 200 s: after learning, as a long backlog sees it.
          const late = accepted.filter((t) => t >= T0 + 100_000).length;
          expect(late / 200).toBeGreaterThanOrEqual(0.95 * rate);
          expect(rejected / (accepted.length + rejected)).toBeLessThanOrEqual(0.02);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a bucket used in rounds (the timer: 16 reads every 2 s) keeps a pace its rounds fit, through bursts from elsewhere', () => {
    // The chaos soak's status reads: a limit of 40/s, far above the timer's need, and every 10 s the next
    // 20 calls within 3 s refused by something other than the bucket. Before, the first such refusal of the
    // first read taught 0.2/s (or a round's few reads per observe window did), the rounds then cut it
    // further, and the timer handed every record off.
    const { waits } = run({ ratePerSecond: 40, burst: 40 }, {}, 600, 20, soakBursts(T0 + 1_000), {
      everyMs: 2000,
      count: 16,
    });
    const late = waits.slice(Math.floor(waits.length / 2)).sort((a, b) => a - b);
    // Half the late reads wait no longer than the 1 s pause a refusal costs; nine in ten within 2.5 s.
    expect(late[Math.floor(late.length * 0.5)]).toBeLessThanOrEqual(1000);
    expect(late[Math.floor(late.length * 0.9)]).toBeLessThanOrEqual(2500);
  });

  it.each([
    [10, 'the soak’s bursts, with lulls in demand', 20, { everyMs: 5_500, forMs: 1_500 }],
    [20, 'the soak’s bursts, with lulls in demand', 20, { everyMs: 5_500, forMs: 1_500 }],
    [10, 'one refusal per burst', 1, undefined],
    [20, 'one refusal per burst', 1, undefined],
  ])(
    'a backlogged %i/s bucket keeps ≥ 0.85 × its limit under refusals from elsewhere (%s)',
    (rate, _name, calls, lulls) => {
      // Weakness 12: each burst opened an episode whose accept rate counted its pause and every lull, so
      // it read below the pace, and a cut to that figure stood: before the fix 0.34/0.32 × R (lulls) and
      // 0.68/0.69 × R (one refusal) by this measure. Judged per second in which a backlog waited outside
      // the pauses: the seconds a refusal from elsewhere pauses the bucket are the burst's, not the pace's
      // (and the bucket refills meanwhile, so this may exceed the limit). The backlog empties for 1.5 s
      // of every 5.5 s, or never.
      const limit = { ratePerSecond: rate, burst: rate };
      const { accepted, freeMs } = run(limit, {}, 600, 20, soakBursts(T0 + 1_000, calls), undefined, lulls);
      expect(accepted.length / (freeMs / 1000)).toBeGreaterThanOrEqual(0.85 * rate);
    },
  );

  it.each([10, 20])(
    'a backlogged %i/s bucket keeps ≥ 0.85 × its limit under refusals from elsewhere when one answer in ten is a 5xx',
    (rate) => {
      // The chaos soak's 10 % of 500/502 on top of its bursts. Counted as neither accepted nor refused, each
      // 5xx made the held-back accept rate read 0.9 × the pace, so every burst cut a tenth or more that
      // stood: 0.64 / 0.71 × R before by this measure, 1.14 / 1.15 after (a 5xx takes no token here). The
      // soak's queue processes had ended at 0.9 creates/s each, of a share of about 2.5/s.
      const limit = { ratePerSecond: rate, burst: rate };
      const tenth = (n: number): boolean => n % 10 === 0;
      const { accepted, freeMs } = run(
        limit,
        {},
        600,
        20,
        soakBursts(T0 + 1_000),
        undefined,
        undefined,
        tenth,
      );
      expect(accepted.length / (freeMs / 1000)).toBeGreaterThanOrEqual(0.85 * rate);
    },
  );

  it('still learns a real limit below the pace when one answer in ten is a 5xx: at most 2 % of calls answered 429', () => {
    const tenth = (n: number): boolean => n % 10 === 0;
    const { accepted, rejected } = run(
      { ratePerSecond: 10, burst: 10 },
      {},
      300,
      20,
      undefined,
      undefined,
      undefined,
      tenth,
    );
    const late = accepted.filter((t) => t >= T0 + 100_000).length;
    expect(late / 200).toBeGreaterThanOrEqual(0.95 * 10);
    expect(rejected / (accepted.length + rejected)).toBeLessThanOrEqual(0.02);
  });

  it('still learns a real limit below the pace: a backlog paced at 20/s against a 10/s limit comes down within a few episodes', () => {
    // What counting a tested pause as held-back time is for: the server refills its bucket during the pause,
    // and the sends after it spend that refill, so without the pause a real limit would read as the pace.
    const { accepted, rejected, paces } = run(
      { ratePerSecond: 10, burst: 10 },
      { ratePerSecond: 20 },
      120,
      20,
    );
    expect(paces[5]).toBeLessThanOrEqual(11.5); // 18, 14.7, 13.4, 12.4, 11.6, 11.1, then 9.9–10
    for (const pace of paces.slice(6)) expect(Math.abs(pace - 10)).toBeLessThanOrEqual(1);
    expect(accepted.filter((t) => t >= T0 + 60_000).length / 60).toBeGreaterThanOrEqual(0.95 * 10);
    expect(rejected / (accepted.length + rejected)).toBeLessThanOrEqual(0.02);
  });

  it('periodic 429 bursts from elsewhere do not wear a learned pace down (the chaos soak’s bursts)', () => {
    const { accepted } = run({ ratePerSecond: 20, burst: 20 }, {}, 600, 20, soakBursts(T0 + 10_000));
    const late = accepted.filter((t) => t >= T0 + 400_000).length;
    expect(late / 200).toBeGreaterThanOrEqual(0.6 * 20);
  });
});
