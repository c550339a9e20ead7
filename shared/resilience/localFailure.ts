/**
 * The failures the retry loop decides in this process, without an answer from the server: the breaker is
 * open, the deadline comes first, the retry budget is spent, or the caller aborted. `F` is the API's own
 * failure type, kept as the `last` failure that led here.
 */
import type { AttemptFailure, Reach } from './attemptFailure.js';

interface Base {
  readonly message: string;
  readonly retryable: boolean;
  readonly reach: Reach;
}

/** Refused locally: the breaker for the API host is open. Nothing was sent. */
export interface CircuitOpenFailure extends Base {
  readonly kind: 'circuit-open';
  readonly reach: 'not-sent';
  /** Epoch ms when the breaker will admit a probe. */
  readonly retryAt: number;
}

/**
 * The next attempt (or the rate-limit pause before it) would end after the invocation's deadline. The caller
 * records "due at `retryAt`" for the timer to re-drive instead of sleeping past its time or throwing.
 */
export interface RetryLaterFailure<F extends AttemptFailure> extends Base {
  readonly kind: 'retry-later';
  /** Epoch ms at which a new attempt is allowed. */
  readonly retryAt: number;
  /** The failure that led here (absent when a pause was known before any attempt). */
  readonly last?: F;
}

/** Retries were refused because the process-wide retry budget is spent (an outage, not a blip). */
export interface BudgetExhaustedFailure<F extends AttemptFailure> extends Base {
  readonly kind: 'budget-exhausted';
  readonly last: F;
}

/** The caller's signal aborted the call. */
export interface AbortedFailure extends Base {
  readonly kind: 'aborted';
}

/** Every way the loop itself ends a call, as a discriminated union on `kind`. */
export type LocalFailure<F extends AttemptFailure> =
  CircuitOpenFailure | RetryLaterFailure<F> | BudgetExhaustedFailure<F> | AbortedFailure;
