/**
 * What a non-idempotent write led to. Submission creation and the asset retry have no idempotency key, so
 * a 409 after an attempt that may have landed is told apart from someone else's, and a write that may have
 * reached the server without an answer is reported as such rather than as a plain failure.
 */
import type { CallResult } from '../resilience/resilientCall.js';
import type { Failure } from './failure.js';
import type { SubmissionCreated } from './schemas.js';

/**
 * What creating a submission led to:
 * - `created`: 201, here is the submission.
 * - `already-submitted`: 409 "already submitted". `ours` is true when an earlier attempt of this very call
 *   may have landed (it was maybe-sent, or got 500/502) — our first attempt created it.
 * - `unconfirmed`: the only attempt that may have reached the server lost its response; it was not resent.
 * - `failed`: anything else, classified.
 */
export type SubmissionOutcome =
  | { readonly kind: 'created'; readonly submission: SubmissionCreated; readonly attempts: number }
  | {
      readonly kind: 'already-submitted';
      readonly ours: boolean;
      readonly blobPath?: string;
      readonly attempts: number;
    }
  | { readonly kind: 'unconfirmed'; readonly failure: Failure; readonly attempts: number }
  | { readonly kind: 'failed'; readonly failure: Failure; readonly attempts: number };

/** What asking for an asset retry led to; the same ambiguity rules as {@link SubmissionOutcome}. */
export type RetryOutcome =
  | { readonly kind: 'accepted'; readonly attempts: number }
  | { readonly kind: 'in-progress'; readonly ours: boolean; readonly attempts: number }
  | { readonly kind: 'unconfirmed'; readonly failure: Failure; readonly attempts: number }
  | { readonly kind: 'failed'; readonly failure: Failure; readonly attempts: number };

/** Reads the result of `POST /submissions` as a {@link SubmissionOutcome}. */
export function submissionOutcome(result: CallResult<SubmissionCreated, Failure>): SubmissionOutcome {
  const { attempts } = result;
  if (result.ok) return { kind: 'created', submission: result.value, attempts };
  const f = result.failure;
  if (f.kind === 'conflict' && f.reason === 'already-submitted') {
    return {
      kind: 'already-submitted',
      ours: result.earlierAttemptAmbiguous,
      ...(f.blobPath !== undefined ? { blobPath: f.blobPath } : {}),
      attempts,
    };
  }
  if (isUnconfirmed(f)) return { kind: 'unconfirmed', failure: f, attempts };
  return { kind: 'failed', failure: f, attempts };
}

/** Reads the result of `POST .../assets/{asset_id}/retry` as a {@link RetryOutcome}. */
export function retryOutcome(result: CallResult<unknown, Failure>): RetryOutcome {
  const { attempts } = result;
  if (result.ok) return { kind: 'accepted', attempts };
  const f = result.failure;
  if (f.kind === 'conflict' && f.reason === 'retry-in-progress') {
    return { kind: 'in-progress', ours: result.earlierAttemptAmbiguous, attempts };
  }
  if (isUnconfirmed(f)) return { kind: 'unconfirmed', failure: f, attempts };
  return { kind: 'failed', failure: f, attempts };
}

/** A write that may have reached the server and was (rightly) not resent. */
function isUnconfirmed(f: Failure): boolean {
  if (f.kind === 'retry-later') return f.reach === 'maybe-sent' && f.last?.kind !== 'rate-limited';
  return (f.kind === 'network' || f.kind === 'timeout') && f.reach === 'maybe-sent';
}
