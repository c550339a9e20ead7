/**
 * The typed vocabulary of everything that can go wrong when talking to the MediaMagic API.
 *
 * Every failure is a plain value with a stable `kind` (what it means) and a `reach` (whether the request
 * got to the server), so callers branch on data instead of parsing messages. Nothing in this module throws.
 * The failures the retry loop decides itself (breaker open, deadline, budget, abort) are the resilience
 * layer's (../resilience/localFailure.ts); {@link failureReading} tells that layer what MediaMagic's answers
 * mean.
 */
import type { FailureReading, Reach, RateLimitSignal } from '../resilience/attemptFailure.js';
import type {
  AbortedFailure,
  BudgetExhaustedFailure,
  CircuitOpenFailure,
  RetryLaterFailure,
} from '../resilience/localFailure.js';

/** One entry of a 422 validation envelope, normalised from whichever shape the API sent. */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `assets.0.blobPath`; `(body)` when the API names none. */
  readonly field: string;
  readonly message: string;
}

/** Why a 401 happened, told apart by the API's `detail`. */
export type UnauthorizedReason = 'missing-key' | 'invalid-key' | 'expired-key' | 'revoked-key' | 'unknown';
/** Why a 403 happened. */
export type ForbiddenReason =
  'invalid-blob-path' | 'invalid-filename' | 'sandbox-only' | 'other-workspace' | 'unknown';
/** Why a 404 happened: the resource is absent, or (issues/topics) the asset has not finished processing. */
export type NotFoundReason = 'missing' | 'pending';
/** Why a 409 happened: the three cases docs/design.md, "MediaMagic's error table" tells apart by `detail`. */
export type ConflictReason = 'already-submitted' | 'not-retryable' | 'retry-in-progress' | 'unknown';
/** Which phase of the exchange ran out of time. */
export type TimeoutPhase = 'connect' | 'headers' | 'body';

interface Base {
  /** Human-readable summary that names the problem; never contains a secret. */
  readonly message: string;
  /** True only when MediaMagic's error table allows resending the request (429, 500, 502, or not sent). */
  readonly retryable: boolean;
  readonly reach: Reach;
}

interface HttpBase extends Base {
  readonly reach: 'received';
  readonly status: number;
  /** The API's own words (`detail`, `message` or `error`), or a description of an unreadable body. */
  readonly detail: string;
  readonly docsUrl?: string;
}

/** An HTTP error response, classified by status and body. */
export type HttpFailure =
  | (HttpBase & { readonly kind: 'bad-request'; readonly status: 400 })
  | (HttpBase & { readonly kind: 'unauthorized'; readonly status: 401; readonly reason: UnauthorizedReason })
  | (HttpBase & {
      readonly kind: 'plan-not-authorized';
      readonly status: 402;
      /** The capability bucket the plan does not include, when the API names it. */
      readonly bucket?: string;
      readonly errorCode?: string;
    })
  | (HttpBase & { readonly kind: 'forbidden'; readonly status: 403; readonly reason: ForbiddenReason })
  | (HttpBase & { readonly kind: 'not-found'; readonly status: 404; readonly reason: NotFoundReason })
  | (HttpBase & {
      readonly kind: 'conflict';
      readonly status: 409;
      readonly reason: ConflictReason;
      /** For `already-submitted`: the blob path quoted in the detail, when present. */
      readonly blobPath?: string;
    })
  | (HttpBase & { readonly kind: 'too-large'; readonly status: 413 })
  | (HttpBase & { readonly kind: 'unsupported-type'; readonly status: 415 })
  | (HttpBase & { readonly kind: 'validation'; readonly status: 422; readonly fields: readonly FieldError[] })
  | (HttpBase & {
      readonly kind: 'rate-limited';
      readonly status: 429;
      /** Parsed Retry-After in milliseconds from the response time; undefined when absent or malformed. */
      readonly retryAfterMs?: number;
    })
  | (HttpBase & { readonly kind: 'server-error'; readonly status: 500 })
  | (HttpBase & { readonly kind: 'bad-gateway'; readonly status: 502 })
  | (HttpBase & { readonly kind: 'unexpected-status' });

/** A 2xx response whose body is not what the contract promises (not JSON, or missing fields we rely on). */
export interface InvalidResponseFailure extends HttpBase {
  readonly kind: 'invalid-response';
}

/** The request failed below HTTP: connect refused, DNS, reset, closed socket. */
export interface NetworkFailure extends Base {
  readonly kind: 'network';
  readonly reach: 'not-sent' | 'maybe-sent';
  /** The transport's error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly code: string;
}

/** A connect, headers or body timeout. */
export interface TimeoutFailure extends Base {
  readonly kind: 'timeout';
  readonly phase: TimeoutPhase;
  readonly code: string;
}

/**
 * Every way a MediaMagic call can fail, as a discriminated union on `kind`: what MediaMagic or the network
 * answered, and what the retry loop decided without an answer (`circuit-open`, `retry-later`,
 * `budget-exhausted`, `aborted`).
 */
export type Failure =
  | HttpFailure
  | InvalidResponseFailure
  | NetworkFailure
  | TimeoutFailure
  | CircuitOpenFailure
  | RetryLaterFailure<Failure>
  | BudgetExhaustedFailure<Failure>
  | AbortedFailure;

/** Every stable failure kind. */
export type FailureKind = Failure['kind'];

/**
 * Statuses marked retryable (docs/design.md, "MediaMagic's error table"): "Only 429, 500, and 502 are safe
 * to retry."
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502]);

/** What MediaMagic's failures mean to the retry loop, the bucket gates and the circuit breaker. */
export const failureReading: FailureReading<Failure> = {
  rateLimit: (failure: Failure): RateLimitSignal | undefined =>
    failure.kind === 'rate-limited' ? { retryAfterMs: failure.retryAfterMs } : undefined,
  countsAgainstBreaker: countsAsBreakerFailure,
  // A 500 or 502 may come after the server did part of the work: a 409 on the resend may be our own.
  mayHaveActed: (failure: Failure): boolean =>
    failure.reach === 'maybe-sent' || failure.kind === 'server-error' || failure.kind === 'bad-gateway',
};

/**
 * True when this failure should count against the API host's circuit breaker: server faults and network
 * failures. 4xx — including 429, which is the server working as designed — never trip it.
 */
function countsAsBreakerFailure(failure: Failure): boolean {
  switch (failure.kind) {
    case 'server-error':
    case 'bad-gateway':
    case 'network':
    case 'timeout':
      return true;
    case 'unexpected-status':
      return failure.status >= 500;
    default:
      return false;
  }
}
