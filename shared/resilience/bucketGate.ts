/**
 * Per-bucket gate and AIMD pacer (DESIGN decision 7). MediaMagic limits each API key per bucket and
 * publishes no rates, so every caller of one bucket in this process shares one {@link BucketGate}:
 *
 * - **Gate.** A 429 pauses the whole bucket until its Retry-After: the server told us when capacity
 *   returns, and siblings sending before then would only collect more 429s.
 * - **Pacer.** Sends are spaced by GCRA (a virtual-scheduling token bucket: `burst` sends may go
 *   back-to-back, then one per `1/rate` seconds). The rate is the configured one, or — when none is
 *   configured — learned from the observed send rate at the first 429. AIMD corrects it: ×`decreaseFactor`
 *   on a 429 (at most once per pause window, because the in-flight requests of one burst all come back 429
 *   together and are one congestion signal, not many), +`increasePerSecond` per second of 429-free
 *   sending (time-based, so recovery takes as long at 0.2 rps as at 20 rps).
 *
 * Ceiling and release. A configured rate is also the ceiling for additive recovery: it is what the
 * operator asked for. A *learned* rate has no ceiling to return to, so once recovery has taken it to
 * `unpaceAboveLearnedFactor` (default 4) × the rate learned at the last decrease, the gate drops pacing
 * entirely and runs unpaced until the next 429 teaches a new rate. Because recovery is time-based, this
 * is also the "long 429-free period" rule: with the defaults a learned 2 rps is released after about
 * 12 s without a 429.
 *
 * Deterministic: time comes from the injected {@link Clock}; there is no randomness and no module state.
 */
import type { Clock } from '../clock.js';
import { BUCKETS, isBucket, type Bucket } from '../mediamagic/buckets.js';

/** How one bucket is paced and paused. */
export interface PacerOptions {
  /** Configured pace in requests/second, also the ceiling for recovery; undefined = unpaced until the first 429 teaches one. */
  readonly ratePerSecond?: number;
  /** Sends that may go back-to-back before spacing applies (GCRA tolerance); a whole number >= 1. */
  readonly burst: number;
  /** Multiplicative decrease of the rate on a 429; 0 < f < 1. */
  readonly decreaseFactor: number;
  /** Additive increase of the rate, in requests/second, per second of 429-free sending; >= 0. */
  readonly increasePerSecond: number;
  /** The rate never goes below this many requests/second; > 0 and <= `ratePerSecond` when that is set. */
  readonly minRatePerSecond: number;
  /** Pause after a 429 that carries no usable Retry-After; also the shortest window between two decreases. */
  readonly defaultPauseMs: number;
  /** How far back the observed send rate looks when learning a rate at the first 429. */
  readonly observeWindowMs: number;
  /** With a learned rate, pacing is dropped once recovery exceeds this multiple of it; > 1, Infinity = never. */
  readonly unpaceAboveLearnedFactor: number;
}

/** Defaults for every bucket; per-bucket config overrides them field by field. */
export const DEFAULT_PACER: PacerOptions = Object.freeze({
  /** No configured pace: MediaMagic publishes no limits, so the first 429 teaches one. */
  ratePerSecond: undefined,
  /** Strict spacing: with no published bucket size, bursting is a guess that costs 429s. */
  burst: 1,
  /** Gentle decrease: in the anchors' simulation ×0.8 kept the 429 share near 1 % after recovery. */
  decreaseFactor: 0.8,
  /** Half a request/second more per second: regains a few rps within seconds after a pause. */
  increasePerSecond: 0.5,
  /** One request every five seconds at worst, so a bucket is never starved entirely. */
  minRatePerSecond: 0.2,
  /** One second: MediaMagic's Retry-After is whole seconds, so a second is the smallest honest guess. */
  defaultPauseMs: 1000,
  /** "The last few seconds": long enough to average a burst, short enough to reflect the current pace. */
  observeWindowMs: 5000,
  /** Four times the learned rate: well past where the last 429 happened, so the limit has moved. */
  unpaceAboveLearnedFactor: 4,
});

/** A reserved send slot at `sendAt`, or nothing reserved and the earliest time a slot would be free. */
export type Acquire =
  { readonly ok: true; readonly sendAt: number } | { readonly ok: false; readonly retryAt: number };

/** Counters for stats and benchmarks. */
export interface BucketGateStats {
  /** Send slots handed out. */
  readonly reserved: number;
  /** 429s reported. */
  readonly rateLimited: number;
  /** Current pace; absent when unpaced. */
  readonly ratePerSecond?: number;
  /** Epoch ms until which the bucket is paused. */
  readonly pausedUntil: number;
  /** Total milliseconds the bucket has been (or is scheduled to be) paused; overlapping pauses count once. */
  readonly pausedMs: number;
}

/**
 * How many recent send times are kept for learning a rate: bounds memory (8 KiB a bucket) at any send rate.
 * With the one-second minimum span below, the estimate is exact up to this many sends/second and saturates
 * there — far above any per-key API bucket, and erring low is the safe side after a 429.
 */
const SEND_LOG_CAPACITY = 1024;
/** The observed rate is averaged over at least one second, so three sends in 10 ms don't read as 300 rps. */
const MIN_OBSERVED_SPAN_MS = 1000;

/** The gate and pacer of one bucket, shared by every caller of that bucket in the process. */
export class BucketGate {
  readonly #options: PacerOptions;
  readonly #clock: Clock;
  readonly #sends = new SendLog(SEND_LOG_CAPACITY);
  #rate: number | undefined;
  /** The rate set by the last decrease while no rate is configured; the reference for dropping pacing. */
  #learnedRate: number | undefined;
  /** GCRA theoretical arrival time: when the next send would be due at exactly the current pace. */
  #tat = Number.NEGATIVE_INFINITY;
  #pausedUntil = 0;
  /** 429s before this time belong to the same congestion episode as the last decrease. */
  #decreaseHoldUntil = Number.NEGATIVE_INFINITY;
  /**
   * Recovery is credited for time after both this instant (the last credited success) and `#pausedUntil`.
   * Every 429 sets `#pausedUntil >= now`, so the pause end alone restarts the credit at each 429.
   */
  #creditFrom: number;
  #reserved = 0;
  #rateLimited = 0;
  #pausedMs = 0;

  /**
   * @param bucket the bucket this gate paces (for stats and error messages)
   * @param options overrides of {@link DEFAULT_PACER}
   * @throws RangeError when an option is out of range (see {@link validatePacerOptions})
   */
  constructor(
    readonly bucket: Bucket,
    options: Partial<PacerOptions>,
    clock: Clock,
  ) {
    this.#options = validatePacerOptions(options, bucket);
    this.#clock = clock;
    this.#rate = this.#options.ratePerSecond;
    this.#creditFrom = clock.now();
  }

  /**
   * Reserves the next send slot if it falls at or before `deadlineMs` (commits the slot); otherwise reserves
   * nothing and returns the earliest time a slot would be free. `sendAt = max(now, pausedUntil, GCRA slot)`;
   * the caller waits until `sendAt` and then sends.
   */
  acquire(deadlineMs: number): Acquire {
    const now = this.#clock.now();
    const interval = this.#rate === undefined ? 0 : 1000 / this.#rate;
    const tolerance = (this.#options.burst - 1) * interval;
    const sendAt = Math.max(now, this.#pausedUntil, this.#tat - tolerance);
    if (sendAt > deadlineMs) return { ok: false, retryAt: sendAt };
    this.#tat = Math.max(this.#tat, sendAt) + interval;
    this.#reserved += 1;
    this.#sends.record(sendAt);
    return { ok: true, sendAt };
  }

  /**
   * A 2xx/4xx-other response came back: recover pace additively by `increasePerSecond` for each second
   * since the last 429, success or pause end (elapsed time, not call count, so it is fair at any rate).
   * A configured rate caps recovery; a learned rate is dropped once recovery passes
   * `unpaceAboveLearnedFactor` × it.
   */
  onSuccess(): void {
    if (this.#rate === undefined) return;
    const now = this.#clock.now();
    const from = Math.max(this.#creditFrom, this.#pausedUntil);
    if (now <= from) return;
    this.#creditFrom = now;
    const recovered = this.#rate + (this.#options.increasePerSecond * (now - from)) / 1000;
    const ceiling = this.#options.ratePerSecond;
    if (ceiling !== undefined) {
      this.#rate = Math.min(recovered, ceiling);
    } else if (
      this.#learnedRate !== undefined &&
      recovered > this.#options.unpaceAboveLearnedFactor * this.#learnedRate
    ) {
      this.#rate = undefined;
      this.#learnedRate = undefined;
    } else {
      this.#rate = recovered;
    }
  }

  /**
   * A 429 came back: pause every caller of this bucket until `now + (retryAfterMs ?? defaultPauseMs)` —
   * never shortening an existing longer pause — and lower the pace multiplicatively, at most once per pause
   * window (and at least `defaultPauseMs` apart) so a burst of in-flight 429s doesn't collapse the rate.
   * With no rate yet, learn one: the send rate observed over the last `observeWindowMs` × `decreaseFactor`,
   * floored at `minRatePerSecond`. A negative or non-finite `retryAfterMs` is not usable and counts as absent.
   */
  onRateLimited(retryAfterMs: number | undefined): void {
    const now = this.#clock.now();
    const { decreaseFactor, minRatePerSecond, defaultPauseMs, observeWindowMs } = this.#options;
    this.#rateLimited += 1;

    const usable = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0;
    const until = now + (usable ? retryAfterMs : defaultPauseMs);
    if (until > this.#pausedUntil) {
      this.#pausedMs += until - Math.max(this.#pausedUntil, now);
      this.#pausedUntil = until;
    }

    if (now < this.#decreaseHoldUntil) return;
    if (this.#rate === undefined) {
      const observed = this.#sends.ratePerSecond(now, observeWindowMs, MIN_OBSERVED_SPAN_MS);
      this.#rate = Math.max(minRatePerSecond, observed * decreaseFactor);
    } else {
      this.#rate = Math.max(minRatePerSecond, this.#rate * decreaseFactor);
    }
    if (this.#options.ratePerSecond === undefined) this.#learnedRate = this.#rate;
    this.#decreaseHoldUntil = Math.max(this.#pausedUntil, now + defaultPauseMs);
  }

  /** Epoch ms until which the bucket is paused (<= now when open). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Current pace in requests/second, undefined when unpaced. */
  get ratePerSecond(): number | undefined {
    return this.#rate;
  }

  /** Counters for stats/benchmarks: sends reserved, 429s seen, current pace, pause end, total paused ms. */
  stats(): BucketGateStats {
    return {
      reserved: this.#reserved,
      rateLimited: this.#rateLimited,
      ...(this.#rate !== undefined ? { ratePerSecond: this.#rate } : {}),
      pausedUntil: this.#pausedUntil,
      pausedMs: this.#pausedMs,
    };
  }
}

/**
 * One {@link BucketGate} per bucket, created on first use. The composition root creates one of these per
 * process so every function and caller shares the same gates.
 */
export class BucketGates {
  readonly #config: Partial<Record<Bucket, Partial<PacerOptions>>>;
  readonly #clock: Clock;
  readonly #gates = new Map<Bucket, BucketGate>();

  /**
   * @param config per-bucket overrides of {@link DEFAULT_PACER}; every entry is validated now, so a bad
   *   setting fails start-up rather than the first call to that bucket
   * @throws RangeError for an unknown bucket name or an out-of-range option
   */
  constructor(config: Partial<Record<Bucket, Partial<PacerOptions>>>, clock: Clock) {
    for (const [name, options] of Object.entries(config)) {
      if (!isBucket(name)) {
        throw new RangeError(
          `pacer config names unknown bucket "${name}"; expected one of ${BUCKETS.join(', ')}`,
        );
      }
      validatePacerOptions(options ?? {}, name);
    }
    this.#config = { ...config };
    this.#clock = clock;
  }

  /** The gate for `bucket`, created with its configured options on first use. */
  get(bucket: Bucket): BucketGate {
    let gate = this.#gates.get(bucket);
    if (gate === undefined) {
      gate = new BucketGate(bucket, this.#config[bucket] ?? {}, this.#clock);
      this.#gates.set(bucket, gate);
    }
    return gate;
  }
}

/**
 * Fills {@link DEFAULT_PACER} into `options` field by field (an explicit `undefined` keeps the default) and
 * checks every range.
 * @param label names the bucket in error messages
 * @throws RangeError naming the option and its value
 */
export function validatePacerOptions(options: Partial<PacerOptions>, label = 'pacer'): PacerOptions {
  const resolved: PacerOptions = {
    ratePerSecond: options.ratePerSecond ?? DEFAULT_PACER.ratePerSecond,
    burst: options.burst ?? DEFAULT_PACER.burst,
    decreaseFactor: options.decreaseFactor ?? DEFAULT_PACER.decreaseFactor,
    increasePerSecond: options.increasePerSecond ?? DEFAULT_PACER.increasePerSecond,
    minRatePerSecond: options.minRatePerSecond ?? DEFAULT_PACER.minRatePerSecond,
    defaultPauseMs: options.defaultPauseMs ?? DEFAULT_PACER.defaultPauseMs,
    observeWindowMs: options.observeWindowMs ?? DEFAULT_PACER.observeWindowMs,
    unpaceAboveLearnedFactor: options.unpaceAboveLearnedFactor ?? DEFAULT_PACER.unpaceAboveLearnedFactor,
  };
  const fail = (name: keyof PacerOptions, rule: string, value: unknown): never => {
    throw new RangeError(`${label}: ${name} must be ${rule}, got ${String(value)}`);
  };
  const r = resolved;
  if (!Number.isInteger(r.burst) || r.burst < 1) fail('burst', 'a whole number >= 1', r.burst);
  if (!(r.decreaseFactor > 0 && r.decreaseFactor < 1)) fail('decreaseFactor', 'in (0, 1)', r.decreaseFactor);
  if (!Number.isFinite(r.increasePerSecond) || r.increasePerSecond < 0) {
    fail('increasePerSecond', 'a finite number >= 0', r.increasePerSecond);
  }
  if (!Number.isFinite(r.minRatePerSecond) || r.minRatePerSecond <= 0) {
    fail('minRatePerSecond', 'a finite number > 0', r.minRatePerSecond);
  }
  if (
    r.ratePerSecond !== undefined &&
    !(Number.isFinite(r.ratePerSecond) && r.ratePerSecond >= r.minRatePerSecond)
  ) {
    fail('ratePerSecond', `a finite number >= minRatePerSecond (${r.minRatePerSecond})`, r.ratePerSecond);
  }
  if (!Number.isFinite(r.defaultPauseMs) || r.defaultPauseMs < 0) {
    fail('defaultPauseMs', 'a finite number >= 0', r.defaultPauseMs);
  }
  if (!Number.isFinite(r.observeWindowMs) || r.observeWindowMs <= 0) {
    fail('observeWindowMs', 'a finite number > 0', r.observeWindowMs);
  }
  if (!(r.unpaceAboveLearnedFactor > 1)) {
    fail('unpaceAboveLearnedFactor', '> 1 (Infinity keeps a learned pace)', r.unpaceAboveLearnedFactor);
  }
  return Object.freeze(resolved);
}

/** A fixed-size ring of recent send times, for estimating the send rate when a first 429 arrives. */
class SendLog {
  readonly #times: number[] = [];
  #next = 0;

  constructor(private readonly capacity: number) {}

  record(at: number): void {
    if (this.#times.length < this.capacity) {
      this.#times.push(at);
    } else {
      this.#times[this.#next] = at;
    }
    this.#next = (this.#next + 1) % this.capacity;
  }

  /**
   * Sends per second over the sends within the last `windowMs`, averaged over the span from the oldest of
   * them to now (at least `minSpanMs`). When the ring is full the span shrinks to what it holds, so the
   * estimate stays right at rates above capacity/window (up to capacity/minSpan).
   */
  ratePerSecond(now: number, windowMs: number, minSpanMs: number): number {
    let count = 0;
    let oldest = now;
    for (const t of this.#times) {
      if (t > now - windowMs) {
        count += 1;
        oldest = Math.min(oldest, t);
      }
    }
    return count / (Math.max(minSpanMs, now - oldest) / 1000);
  }
}
