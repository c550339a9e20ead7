/**
 * Reconciling a submission whose creation could not be confirmed (a lost response, or a 409 "already
 * submitted"). We never resubmit blindly. Two safe ways forward:
 * - a webhook (or an operator) linked the submission id meanwhile → the record becomes `submitted`;
 * - for a first version, a probe `POST /submissions`: MediaMagic refuses a repeated blob path with 409, so
 *   the probe either proves the first attempt landed (409; keep waiting for its id) or that it did not
 *   (201; that IS the one submission). A new version (`previousSubmissionId`) is not deduplicated by the
 *   API, so it is never probed: it waits for its webhook, and is marked `stuck` for a person after the
 *   stuck threshold.
 */
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import { dispositionOf } from './failureDisposition.js';
import { saveRecord, type LostWrite, type SaveResult } from './saveRecord.js';
import type { PollDeps } from './pollDeps.js';

/** The outcome of one reconciliation step; a {@link LostWrite} when its write did not land. */
export type ReconcileResult =
  | { readonly kind: 'submitted'; readonly record: LedgerRecord }
  | { readonly kind: 'waiting'; readonly record: LedgerRecord }
  | { readonly kind: 'stuck'; readonly record: LedgerRecord }
  | { readonly kind: 'blocked' }
  | LostWrite;

/** One reconciliation step for a `submitted-unconfirmed` record. */
export async function reconcileUnconfirmed(
  deps: PollDeps,
  record: LedgerRecord,
  deadlineMs: number,
): Promise<ReconcileResult> {
  const nowMs = deps.clock.now();
  if (record.submissionId)
    return promote(deps, record, record.submissionId, [], 'submission id linked by a webhook');

  if (!record.previousSubmissionId && record.blobPath) {
    const probe = await deps.api.createSubmission(
      { assets: [{ blobPath: record.blobPath }] },
      { deadlineMs },
    );
    if (probe.kind === 'created') {
      await deps.ledger.linkSubmission(probe.submission.submissionId, record.key);
      const assets = probe.submission.assets.map((a) => ({
        assetId: a.assetId,
        status: 'submitted',
        retryCount: 0,
        localRetries: 0,
      }));
      return promote(
        deps,
        record,
        probe.submission.submissionId,
        assets,
        'probe: the first attempt had not landed; this is the one submission',
      );
    }
    if (probe.kind === 'failed' && dispositionOf(probe.failure).kind === 'blocked')
      return { kind: 'blocked' };
  }

  const age = nowMs - Date.parse(record.lastProgressAt);
  if (age > deps.poll.stuckAfterMs) {
    deps.logger.error('ALERT: submission creation never confirmed; marking stuck', {
      blob: record.source.name,
      blobPath: record.blobPath,
      since: record.lastProgressAt,
      action:
        'find the submission in MediaMagic by its blob path and run `mediamagic-autosubmit link <blob> <submission id>`; ' +
        'if MediaMagic has none, upload the file again (a new generation is submitted)',
    });
    const saved = await saveRecord(deps, record, 'stuck', 'creation never confirmed', {
      due: isoTimestamp(nowMs + deps.poll.maxPollMs),
    });
    return as('stuck', saved);
  }
  const wait = Math.min(
    deps.poll.maxPollMs,
    Math.max(deps.poll.firstPollMs, (record.pollIntervalMs ?? deps.poll.firstPollMs) * 2),
  );
  const saved = await saveRecord(deps, record, record.state, 'still unconfirmed', {
    due: isoTimestamp(nowMs + wait),
    pollIntervalMs: wait,
  });
  return as('waiting', saved);
}

async function promote(
  deps: PollDeps,
  record: LedgerRecord,
  submissionId: string,
  assets: LedgerRecord['assets'],
  reason: string,
): Promise<ReconcileResult> {
  const now = deps.clock.now();
  const saved = await saveRecord(deps, record, 'submitted', reason, {
    submissionId,
    ...(assets.length > 0 ? { assets } : {}),
    due: isoTimestamp(now),
    pollIntervalMs: deps.poll.firstPollMs,
    failure: undefined,
  });
  return as('submitted', saved);
}

/** A save as a reconciliation result of `kind`, or why it did not land. */
function as(kind: 'submitted' | 'waiting' | 'stuck', saved: SaveResult): ReconcileResult {
  return saved.kind === 'saved' ? { kind, record: saved.record } : saved;
}
