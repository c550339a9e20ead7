/**
 * The typed vocabulary of everything that can go wrong when talking to the MediaMagic API.
 *
 * Every failure is a plain value with a stable `kind` (what it means) and a `reach` (whether the request
 * got to the server), so callers branch on data instead of parsing messages. Nothing in this module throws.
 */

/**
 * Did the request reach the server?
 * - `not-sent`: it never left this process or was refused at connect — safe to resend, even a POST.
 * - `maybe-sent`: the socket died or timed out after the request was written — the server may have acted.
 * - `received`: an HTTP response came back, so the status tells what happened.
 */
export type Reach = 'not-sent' | 'maybe-sent' | 'received';

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
/** Why a 409 happened: the three cases MediaMagic's documents tell apart by `detail` (docs/design.md). */
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
export interface RetryLaterFailure extends Base {
  readonly kind: 'retry-later';
  /** Epoch ms at which a new attempt is allowed. */
  readonly retryAt: number;
  /** The failure that led here (absent when a pause was known before any attempt). */
  readonly last?: Failure;
}

/** Retries were refused because the process-wide retry budget is spent (an outage, not a blip). */
export interface BudgetExhaustedFailure extends Base {
  readonly kind: 'budget-exhausted';
  readonly last: Failure;
}

/** The caller's signal aborted the call. */
export interface AbortedFailure extends Base {
  readonly kind: 'aborted';
}

/** Every way a MediaMagic call can fail, as a discriminated union on `kind`. */
export type Failure =
  | HttpFailure
  | InvalidResponseFailure
  | NetworkFailure
  | TimeoutFailure
  | CircuitOpenFailure
  | RetryLaterFailure
  | BudgetExhaustedFailure
  | AbortedFailure;

/** Every stable failure kind. */
export type FailureKind = Failure['kind'];

/** Statuses MediaMagic's error table marks retryable: "Only 429, 500, and 502 are safe to retry." */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502]);

/**
 * True when this failure should count against the API host's circuit breaker: server faults and network
 * failures. 4xx — including 429, which is the server working as designed — never trip it.
 */
export function countsAsBreakerFailure(failure: Failure): boolean {
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
