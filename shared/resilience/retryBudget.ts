/**
 * A process-wide retry budget, so an outage cannot multiply traffic.
 *
 * Model: one token pot. A retry costs one token and is refused when less than one is left; first attempts
 * are never budgeted (they are new work, not amplification). Tokens come from exactly two sources:
 *
 * 1. **Earned:** every success adds `ratio` tokens, up to `maxTokens` (gRPC A6 `retryThrottling`'s
 *    `tokenRatio`; SRE's "retries below 10 % of requests per client" is `ratio` 0.1).
 * 2. **Allowance:** the pot starts with `minTokens`, and while it holds less than `minTokens` it refills at
 *    `refillPerSecond` — never above `minTokens` (Envoy's `min_retry_concurrency` floor, expressed over
 *    time). This lets a quiet process, or one whose every call is failing, still retry occasionally.
 *
 * Bound: since the pot never goes negative and grows only from those sources, over any run of `t`
 * seconds with `S` successes, `retriesGranted <= ratio × S + minTokens + refillPerSecond × t`. In an outage
 * (S ≈ 0) retries are limited to a burst of `minTokens` and then `refillPerSecond`, whatever the call rate.
 *
 * Token arithmetic is in integer micro-tokens, rounded down on every gain, so 5 × 0.2 is exactly one
 * retry (binary floating point would make it 0.9999…) and rounding can only ever grant less, not more.
 */
import type { Clock } from '../clock.js';

/** How retries are earned and allowed. */
export interface RetryBudgetOptions {
  /** Retry tokens earned per success; >= 0. */
  readonly ratio: number;
  /** Floor allowance: the starting pot, and the level the time-based refill tops up to; >= 0. */
  readonly minTokens: number;
  /** The pot never holds more than this; >= 1 and >= minTokens. */
  readonly maxTokens: number;
  /** Refill rate of the floor allowance, in tokens per second; >= 0. */
  readonly refillPerSecond: number;
}

/** Default budget. */
export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = Object.freeze({
  /** One retry per five successes: Envoy's 20 % `budget_percent`. */
  ratio: 0.2,
  /** Ten retries available from a cold start, before any success could have earned them. */
  minTokens: 10,
  /** Fifty banked at most, so a long healthy period cannot fund a retry storm later. */
  maxTokens: 50,
  /** One retry a second at worst, per process, during an outage. */
  refillPerSecond: 1,
});

/** Tokens are kept as integers in units of 1/SCALE. */
const SCALE = 1_000_000;

/** The retry budget shared by every caller in the process. */
export class RetryBudget {
  readonly #clock: Clock;
  readonly #earnPerSuccess: number;
  readonly #floor: number;
  readonly #max: number;
  readonly #refillPerMs: number;
  #pot: number;
  #refilledAt: number;

  /**
   * @param options overrides of {@link DEFAULT_RETRY_BUDGET}
   * @throws RangeError when an option is out of range (see {@link validateRetryBudgetOptions})
   */
  constructor(options: Partial<RetryBudgetOptions>, clock: Clock) {
    const o = validateRetryBudgetOptions(options);
    this.#clock = clock;
    this.#earnPerSuccess = Math.floor(o.ratio * SCALE);
    this.#floor = Math.floor(o.minTokens * SCALE);
    this.#max = Math.floor(o.maxTokens * SCALE);
    this.#refillPerMs = (o.refillPerSecond * SCALE) / 1000;
    this.#pot = this.#floor;
    this.#refilledAt = clock.now();
  }

  /** A call succeeded: earn `ratio` tokens, up to `maxTokens`. */
  recordSuccess(): void {
    this.#refill();
    this.#pot = Math.min(this.#max, this.#pot + this.#earnPerSuccess);
  }

  /** Takes one token for a retry; false when there is none, and the caller gives up retrying. */
  tryConsumeRetry(): boolean {
    this.#refill();
    if (this.#pot < SCALE) return false;
    this.#pot -= SCALE;
    return true;
  }

  /** Tokens currently in the pot (each one pays for one retry). */
  get tokens(): number {
    this.#refill();
    return this.#pot / SCALE;
  }

  #refill(): void {
    const now = this.#clock.now();
    // A clock that steps backwards earns nothing and must not let the same interval be credited twice.
    if (now <= this.#refilledAt) return;
    const elapsed = now - this.#refilledAt;
    this.#refilledAt = now;
    if (this.#pot >= this.#floor) return;
    this.#pot = Math.min(this.#floor, this.#pot + Math.floor(elapsed * this.#refillPerMs));
  }
}

/**
 * Fills {@link DEFAULT_RETRY_BUDGET} into `options` field by field and checks every range.
 * @throws RangeError naming the option and its value
 */
export function validateRetryBudgetOptions(options: Partial<RetryBudgetOptions>): RetryBudgetOptions {
  const resolved: RetryBudgetOptions = {
    ratio: options.ratio ?? DEFAULT_RETRY_BUDGET.ratio,
    minTokens: options.minTokens ?? DEFAULT_RETRY_BUDGET.minTokens,
    maxTokens: options.maxTokens ?? DEFAULT_RETRY_BUDGET.maxTokens,
    refillPerSecond: options.refillPerSecond ?? DEFAULT_RETRY_BUDGET.refillPerSecond,
  };
  const fail = (name: keyof RetryBudgetOptions, rule: string, value: number): never => {
    throw new RangeError(`retry budget ${name} must be ${rule}, got ${String(value)}`);
  };
  const r = resolved;
  if (!Number.isFinite(r.ratio) || r.ratio < 0) fail('ratio', 'a finite number >= 0', r.ratio);
  if (!Number.isFinite(r.minTokens) || r.minTokens < 0)
    fail('minTokens', 'a finite number >= 0', r.minTokens);
  if (!Number.isFinite(r.maxTokens) || r.maxTokens < Math.max(1, r.minTokens)) {
    fail('maxTokens', `a finite number >= 1 and >= minTokens (${r.minTokens})`, r.maxTokens);
  }
  if (!Number.isFinite(r.refillPerSecond) || r.refillPerSecond < 0) {
    fail('refillPerSecond', 'a finite number >= 0', r.refillPerSecond);
  }
  return Object.freeze(resolved);
}
