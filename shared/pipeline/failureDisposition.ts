/**
 * What a classified API failure means for a ledger record: the one place that turns the resilience layer's
 * vocabulary into pipeline decisions, shared by the submit step, the timer and the CLI.
 */
import type { Failure } from '../mediamagic/failure.js';
import type { LedgerFailure } from '../ledger/record.js';

/**
 * - `blocked`: the key or the plan is wrong (401/402) — stop calling until an operator fixes it.
 * - `rejected`: the API refused this file for good (403/413/415/422/400/404/other 4xx) — say why.
 * - `unconfirmed`: the request may have landed (lost response, or an unreadable 2xx) — reconcile, never resend.
 * - `later`: transient (429/5xx/network/deadline/breaker/budget) — try again at `retryAt` (or after backoff).
 */
export type Disposition =
  | { readonly kind: 'blocked'; readonly failure: LedgerFailure }
  | { readonly kind: 'rejected'; readonly failure: LedgerFailure }
  | { readonly kind: 'unconfirmed'; readonly failure: LedgerFailure }
  | { readonly kind: 'later'; readonly failure: LedgerFailure; readonly retryAt?: number };

/** Decides what a failed call means for the record that made it. */
export function dispositionOf(failure: Failure): Disposition {
  const recorded = toLedgerFailure(failure);
  switch (failure.kind) {
    case 'unauthorized':
    case 'plan-not-authorized':
      return { kind: 'blocked', failure: recorded };
    case 'bad-request':
    case 'forbidden':
    case 'not-found':
    case 'conflict':
    case 'too-large':
    case 'unsupported-type':
    case 'validation':
      return { kind: 'rejected', failure: recorded };
    case 'invalid-response':
      // A 2xx we could not read still means the server did the work.
      return failure.status >= 200 && failure.status < 300
        ? { kind: 'unconfirmed', failure: recorded }
        : { kind: 'later', failure: recorded };
    case 'retry-later':
    case 'circuit-open':
      return { kind: 'later', failure: recorded, retryAt: failure.retryAt };
    case 'unexpected-status':
      // Not retryable per MediaMagic's error table (docs/design.md), but a 5xx from a gateway is not the
      // file's fault either.
      return failure.status >= 500
        ? { kind: 'later', failure: recorded }
        : { kind: 'rejected', failure: recorded };
    case 'network':
    case 'timeout':
      return failure.reach === 'maybe-sent'
        ? { kind: 'unconfirmed', failure: recorded }
        : { kind: 'later', failure: recorded };
    case 'rate-limited':
    case 'server-error':
    case 'bad-gateway':
    case 'budget-exhausted':
    case 'aborted':
      return { kind: 'later', failure: recorded };
  }
}

/** The failure as the ledger stores it: the API's own words, never a secret (the client already redacted). */
export function toLedgerFailure(failure: Failure): LedgerFailure {
  const base = failure.kind === 'retry-later' && failure.last ? failure.last : failure;
  return {
    kind: failure.kind,
    ...('status' in base && typeof base.status === 'number' ? { status: base.status } : {}),
    detail: 'detail' in base && typeof base.detail === 'string' ? base.detail : failure.message,
    ...('fields' in base && base.fields.length > 0 ? { fields: base.fields.map((f) => ({ ...f })) } : {}),
  };
}
