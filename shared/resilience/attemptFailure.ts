/**
 * What the retry loop, the bucket gates, the circuit breaker and the retry budget need to know about a failed
 * attempt — and nothing more. Each API's client has its own failure vocabulary; it satisfies
 * {@link AttemptFailure} with its values and answers {@link FailureReading} about them, so this layer never
 * learns an API's status table or body shapes.
 */

/**
 * Did the request reach the server?
 * - `not-sent`: it never left this process or was refused at connect — safe to resend, even a POST.
 * - `maybe-sent`: the socket died or timed out after the request was written — the server may have acted.
 * - `received`: an HTTP response came back, so the status tells what happened.
 */
export type Reach = 'not-sent' | 'maybe-sent' | 'received';

/** The fields every failure of every API carries, and all the loop reads from the value itself. */
export interface AttemptFailure {
  /** Human-readable summary that names the problem; never contains a secret. */
  readonly message: string;
  /** True only when the API allows resending the same request (its error table, or nothing was sent). */
  readonly retryable: boolean;
  readonly reach: Reach;
}

/** A rate-limit refusal as the gate needs it: how long the server asked us to wait, when it said. */
export interface RateLimitSignal {
  /** Retry-After in milliseconds from the response time; undefined when absent or malformed. */
  readonly retryAfterMs: number | undefined;
}

/**
 * The API's reading of its own failures: the three questions whose answers depend on what a status means,
 * which only the API's client knows.
 */
export interface FailureReading<F extends AttemptFailure> {
  /** The bucket's rate limit refused the request (a 429), or undefined when `failure` is anything else. */
  rateLimit(failure: F): RateLimitSignal | undefined;
  /** A server fault or network failure: counts against the host's circuit breaker (4xx never do). */
  countsAgainstBreaker(failure: F): boolean;
  /** The server may have acted on the request although this attempt failed (so a later 409 may be ours). */
  mayHaveActed(failure: F): boolean;
}
