/**
 * Capped exponential backoff with full jitter, as a pure generator: `(state, options, random) → [delay,
 * next state]` (cockatiel's `ExponentialBackoffGenerators` shape), so a retry loop owns no hidden state and
 * tests assert exact delays with a scripted `Random`.
 *
 * Full jitter (`random × min(cap, base·2^n)`) does the least total work among the jittered variants in
 * AWS's contention model; for 429s the server tells us when capacity returns, so Retry-After is applied on
 * top as a floor by {@link applyRetryAfterFloor}, never capped.
 */
import type { Random } from '../clock.js';

/** How the exponential backoff grows. */
export interface BackoffOptions {
  /** Ceiling of the first delay: the first retry waits a random time in [0, baseMs). */
  readonly baseMs: number;
  /** Largest ceiling any retry may draw from, however many retries came before. */
  readonly capMs: number;
}

/** Default backoff: 500 ms base (undici's `minTimeout`), 30 s cap (undici's `maxTimeout`, cockatiel's `maxDelay`). */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  /** Ceiling of the first delay; long enough that a blip on the API's side has a chance to clear. */
  baseMs: 500,
  /** Ceiling for later delays; beyond 30 s a function's deadline is usually better spent handing off. */
  capMs: 30_000,
});

/** Where a retry sequence is: how many backoff delays have been handed out so far. */
export interface BackoffState {
  readonly retries: number;
}

/** The state before the first retry. */
export const INITIAL_BACKOFF: BackoffState = Object.freeze({ retries: 0 });

/**
 * Upward jitter added to a Retry-After is at most this share of it...
 */
const RETRY_AFTER_JITTER_RATIO = 0.1;
/** ...and never more than one second, so a long Retry-After is not stretched by much. */
const RETRY_AFTER_JITTER_MAX_MS = 1000;

/**
 * The delay before the next retry and the state after it: `random() × min(cap, base × 2^retries)`.
 * Never negative and never above the ceiling, even for a huge `retries` (where `2^retries` overflows).
 */
export function nextBackoff(
  state: BackoffState,
  options: BackoffOptions,
  random: Random,
): [delayMs: number, next: BackoffState] {
  // NaN or negative counts as no retries yet; an absurdly large count just means "at the cap".
  const retries = state.retries > 0 ? Math.floor(state.retries) : 0;
  // 2^retries overflows to Infinity past 1023 and base × Infinity is Infinity, so min() still yields the
  // cap; stopping the exponent early only keeps the arithmetic obviously finite.
  const growth = 2 ** Math.min(retries, 1023);
  const ceiling = Math.min(options.capMs, options.baseMs * growth);
  return [unitInterval(random()) * ceiling, { retries: retries + 1 }];
}

/**
 * Applies a server's Retry-After. With one, the wait is `retryAfterMs + random() × min(1000, 0.1 ×
 * retryAfterMs)`: the server said when the bucket refills, so waiting less only collects another 429, and
 * the jitter only adds so that instances which received the same Retry-After do not all return in the same
 * millisecond. It is never capped (a cap that shortens Retry-After produces 429 loops). Without one, the
 * computed backoff stands.
 *
 * A negative `retryAfterMs` counts as 0 ("now"); NaN cannot be waited for, so it counts as absent.
 */
export function applyRetryAfterFloor(
  backoffMs: number,
  retryAfterMs: number | undefined,
  random: Random,
): number {
  if (retryAfterMs === undefined || Number.isNaN(retryAfterMs)) return backoffMs;
  const floor = Math.max(0, retryAfterMs);
  const jitterRange = Math.min(RETRY_AFTER_JITTER_MAX_MS, RETRY_AFTER_JITTER_RATIO * floor);
  return floor + unitInterval(random()) * jitterRange;
}

/**
 * A backoff option out of range. Thrown where the options are built, so a bad value stops start-up with its
 * name instead of surfacing later as NaN or endless waits between retries.
 */
export class BackoffOptionError extends RangeError {
  override readonly name = 'BackoffOptionError';
  /** Stable: branch on this (or on {@link BackoffOptionError.option}), never on the message. */
  readonly kind = 'invalid-backoff-option';
  constructor(
    /** The option that is out of range. */
    readonly option: keyof BackoffOptions,
    /** The value it was given. */
    readonly value: number,
    rule: string,
  ) {
    super(`backoff ${option} must be ${rule}, got ${String(value)}`);
  }
}

/**
 * Fills defaults and checks backoff options once, where they are built (`createResilience`).
 * @throws BackoffOptionError (a RangeError) naming the option and value when `baseMs` is not a positive
 *   finite number or `capMs` is not finite or is below `baseMs`.
 */
export function validateBackoffOptions(options: Partial<BackoffOptions> = {}): BackoffOptions {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const capMs = options.capMs ?? DEFAULT_BACKOFF.capMs;
  if (!Number.isFinite(baseMs) || baseMs <= 0) {
    throw new BackoffOptionError('baseMs', baseMs, 'a finite number > 0');
  }
  if (!Number.isFinite(capMs) || capMs < baseMs) {
    throw new BackoffOptionError('capMs', capMs, `a finite number >= baseMs (${baseMs})`);
  }
  return Object.freeze({ baseMs, capMs });
}

/**
 * Clamps an injected random draw into [0, 1] (NaN → 0), so a faulty `Random` can shorten or stretch a
 * delay within its range but never make it negative or exceed the ceiling.
 */
function unitInterval(x: number): number {
  return x > 0 ? Math.min(x, 1) : 0;
}
