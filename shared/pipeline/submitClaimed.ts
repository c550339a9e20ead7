/**
 * Drives one claimed generation of a source blob to a submission: validate → hand the bytes to MediaMagic
 * → create the submission → record what happened. Every exit leaves the record in a state a person (or the
 * timer) can act on; nothing is left half-written and nothing is submitted twice.
 */
import { nextBackoff } from '../resilience/backoff.js';
import { claimLeaseMs } from './claimSource.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../config/functionTimeout.js';
import { holdClaim, type HoldEnd } from './holdClaim.js';
import { isoTimestamp, type LedgerFailure, type LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import type { LedgerPatch } from '../ledger/transition.js';
import { UNTRUSTED_UPLOAD_URL, uploadUrlProblem } from '../ingest/uploadUrlPolicy.js';
import type { SourceBlobProperties } from '../storage/sourceBlobs.js';
import { ATTRIBUTES, SPANS } from '../telemetry/names.js';
import { inSpan } from '../telemetry/telemetry.js';
import { SNIFF_BYTES, validateBlob } from '../validation/validateBlob.js';
import { dispositionOf, type Disposition } from './failureDisposition.js';
import { saveRecord, type LostWrite } from './saveRecord.js';
import type { SubmitDeps } from './submitDeps.js';
import { uploadFileName } from './uploadName.js';

/**
 * The failure kind of a copy its drive stopped while the claim was still its own: renewals kept failing, or
 * the host's function timeout neared. Retried by the timer like a failed copy.
 */
export const COPY_STOPPED = 'copy-stopped';

/** Where a drive ended; a {@link LostWrite} when one of its writes did not land and it stopped there. */
export type SubmitResult =
  | { readonly kind: 'submitted'; readonly record: LedgerRecord }
  | { readonly kind: 'unconfirmed'; readonly record: LedgerRecord }
  | { readonly kind: 'rejected'; readonly record: LedgerRecord }
  | { readonly kind: 'blocked'; readonly record: LedgerRecord }
  | { readonly kind: 'pending'; readonly record: LedgerRecord }
  | { readonly kind: 'dead-lettered'; readonly record: LedgerRecord }
  | LostWrite;

/**
 * Drives `record` (state `claimed` or `submit-pending`, owned by this invocation) as far as it goes.
 * `deadlineMs` ends the invocation's budget; `hostStopMs`, when the drive runs in the Functions host, is when
 * the host's function timeout would cut it off (`hostStopAt`, ../config/functionTimeout.ts).
 */
export async function submitClaimed(
  deps: SubmitDeps,
  record: LedgerRecord,
  props: SourceBlobProperties,
  deadlineMs: number,
  hostStopMs?: number,
): Promise<SubmitResult> {
  // Pinned to the claimed ETag, like the copy: bytes of newer content are not this generation's.
  const head = await deps.source.readHead(props.name, SNIFF_BYTES, record.sourceEtag);
  if (head === undefined) return leaveForNewGeneration(deps, record, 'validation');
  const validation = validateBlob({
    name: props.name,
    contentType: props.contentType,
    contentLength: props.contentLength,
    firstBytes: head,
  });
  if (!validation.ok) {
    const failure = { kind: validation.rejection.kind, detail: validation.rejection.message };
    return finish(
      deps,
      record,
      'rejected',
      `validation: ${validation.rejection.kind}`,
      { failure },
      'rejected',
    );
  }

  const ingested = await ingest(deps, record, props, validation.mime, deadlineMs, hostStopMs);
  if (!ingested.ok) {
    const { disposition } = ingested;
    if (disposition === 'source-changed') return leaveForNewGeneration(deps, record, 'ingest');
    if (disposition.kind === 'lost-ownership' || disposition.kind === 'ledger-contention') return disposition;
    return settleFailure(deps, record, disposition, 'ingest');
  }

  // After a held copy the lease is renewed once more with this write, which lands only while it is still
  // ours; the submission then gets a whole budget, however long the copy took, inside that lease.
  const leaseMs = claimLeaseMs(deps.settings.invocationBudgetMs);
  const saved = await saveRecord(
    deps,
    record,
    record.state,
    'submitting',
    {
      blobPath: ingested.blobPath,
      contentType: validation.mime,
      submitAttempts: record.submitAttempts + 1,
      ...(ingested.lease !== undefined ? { due: isoTimestamp(deps.clock.now() + leaseMs) } : {}),
    },
    false,
    ingested.lease,
  );
  if (saved.kind !== 'saved') return saved;
  const submitDeadlineMs =
    ingested.lease === undefined
      ? deadlineMs
      : Math.max(
          deadlineMs,
          Math.min(
            deps.clock.now() + deps.settings.invocationBudgetMs,
            hostStopMs ?? Number.POSITIVE_INFINITY,
          ),
        );
  const attempting = saved.record;
  // Before the attempt: if its answer is lost, this pointer is how a webhook about it finds the record.
  await deps.reconciliation.linkBlobPath(ingested.blobPath, attempting.key);

  const outcome = await deps.api.createSubmission(
    {
      assets: [
        {
          blobPath: ingested.blobPath,
          ...(attempting.previousSubmissionId
            ? { previousSubmissionId: attempting.previousSubmissionId }
            : {}),
        },
      ],
    },
    { deadlineMs: submitDeadlineMs },
  );
  switch (outcome.kind) {
    case 'created': {
      const { submission } = outcome;
      // Pointer first: a webhook can arrive before the record says `submitted`, and must find its record.
      await deps.ledger.linkSubmission(submission.submissionId, attempting.key);
      const now = deps.clock.now();
      return finish(
        deps,
        attempting,
        'submitted',
        `submission ${submission.submissionId} created`,
        {
          submissionId: submission.submissionId,
          assets: submission.assets.map((a) => ({
            assetId: a.assetId,
            status: 'submitted',
            retryCount: 0,
            localRetries: 0,
          })),
          due: isoTimestamp(now + deps.settings.firstPollDelayMs),
          pollIntervalMs: deps.settings.firstPollDelayMs,
          failure: undefined,
        },
        'submitted',
      );
    }
    case 'already-submitted':
      return settleUnconfirmed(
        deps,
        attempting,
        outcome.ours
          ? 'MediaMagic says the asset is already submitted after an attempt whose answer was lost: ours landed'
          : 'MediaMagic says the asset is already submitted (an earlier invocation submitted it)',
      );
    case 'unconfirmed':
      return settleUnconfirmed(
        deps,
        attempting,
        `the submission may have been created: ${outcome.failure.message}`,
      );
    case 'failed':
      return settleFailure(deps, attempting, dispositionOf(outcome.failure), 'submission');
  }
}

/**
 * `source-changed`: the blob was overwritten during the copy; nothing was committed. A {@link LostWrite}: the
 * claim was (or went) to another drive, or could not be taken for contention; nothing is written. `lease`:
 * the claim's `due` a copy-mode drive held to the end of its copy.
 */
type Ingested =
  | { readonly ok: true; readonly blobPath: string; readonly lease?: string }
  | { readonly ok: false; readonly disposition: Disposition | LostWrite | 'source-changed' };

/**
 * Copy mode: hold the claim, then a presigned upload URL and a server-side copy, which the hold stops if the
 * claim is lost, cannot be renewed, or the host's timeout nears (docs/design.md, decision 4). Passthrough: the
 * name already is the path, and nothing long runs.
 */
async function ingest(
  deps: SubmitDeps,
  record: LedgerRecord,
  props: SourceBlobProperties,
  mime: string,
  deadlineMs: number,
  hostStopMs: number | undefined,
): Promise<Ingested> {
  if (deps.settings.ingestMode === 'passthrough') return { ok: true, blobPath: props.name };
  // The copy may run past the budget, but stops early enough to leave the submission a whole budget before
  // the host's timeout (and never before the budget itself ends).
  const stopByMs =
    hostStopMs === undefined
      ? undefined
      : Math.max(deadlineMs, hostStopMs - deps.settings.invocationBudgetMs);
  const held = await holdClaim(deps, record, {
    leaseMs: claimLeaseMs(deps.settings.invocationBudgetMs),
    ...(stopByMs !== undefined ? { stopByMs } : {}),
  });
  if (held.kind !== 'held') return { ok: false, disposition: held };
  const { hold } = held;
  let copied: Ingested;
  let ended: HoldEnd | undefined;
  try {
    copied = await uploadAndCopy(deps, record, props, mime, deadlineMs, hold.signal);
  } finally {
    ended = await hold.release();
  }
  // A lost claim outranks whatever the copy came to: another drive owns the record, nothing is written.
  if (ended?.kind === 'lost-ownership') {
    return {
      ok: false,
      disposition: { kind: 'lost-ownership', ...(ended.current ? { current: ended.current } : {}) },
    };
  }
  if (copied.ok) return { ...copied, lease: hold.lease() };
  if (ended === undefined) return copied;
  // Stopped while the claim was still ours: the timer re-drives it after a backoff, like a failed copy.
  const failure: LedgerFailure = { kind: COPY_STOPPED, detail: `copy stopped: ${ended.message}` };
  return { ok: false, disposition: { kind: 'later', failure } };
}

/** The copy itself: an upload URL, the read SAS and the server-side copy, stopped by `signal`. */
async function uploadAndCopy(
  deps: SubmitDeps,
  record: LedgerRecord,
  props: SourceBlobProperties,
  mime: string,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<Ingested> {
  const filename = uploadFileName(props.name, record.key, record.generation);
  const url = await deps.api.requestUploadUrl({ filename, contentType: mime }, { deadlineMs });
  if (!url.ok) return { ok: false, disposition: dispositionOf(url.failure) };
  // Checked before our read SAS exists: the copy would send it to whatever host the URL names
  // (docs/design.md, decision 4, "Upload URLs are checked").
  const untrusted = uploadUrlProblem(url.value.uploadUrl, deps.settings.apiBaseUrl);
  if (untrusted !== undefined) {
    deps.logger.error('ALERT: MediaMagic returned an upload URL the copy may not write to', {
      blob: props.name,
      code: untrusted.kind,
      reason: untrusted.message,
    });
    const failure: LedgerFailure = { kind: UNTRUSTED_UPLOAD_URL, detail: untrusted.message };
    return { ok: false, disposition: { kind: 'rejected', failure } };
  }
  // The read SAS must outlive the copy, which may run up to the host's timeout; it is scoped to this one
  // blob, read-only.
  const sasTtlMs = Math.max(FUNCTION_TIMEOUT_SECONDS * 1000, 2 * deps.settings.invocationBudgetMs);
  const sourceUrl = await deps.source.readSasUrl(props.name, sasTtlMs);
  // Neither URL goes on the span: both carry a SAS.
  const copied = await inSpan(SPANS.copy, { [ATTRIBUTES.blob]: props.name }, async (span) => {
    const result = await deps.copy(sourceUrl, props.contentLength, url.value.uploadUrl, {
      contentType: mime,
      blockSizeBytes: deps.settings.copyBlockSizeBytes,
      concurrency: deps.settings.copyConcurrency,
      sourceEtag: record.sourceEtag,
      deadlineMs,
      clock: deps.clock,
      random: deps.random,
      signal,
    });
    span.setAttribute(ATTRIBUTES.outcome, result.ok ? 'copied' : result.failure.kind);
    return result;
  });
  if (!copied.ok) {
    const stop = copied.failure;
    if (stop.kind === 'source-changed') return { ok: false, disposition: 'source-changed' };
    const failure: LedgerFailure = {
      kind: stop.kind,
      ...('status' in stop && stop.status !== undefined ? { status: stop.status } : {}),
      detail: stop.message,
    };
    return { ok: false, disposition: { kind: 'later', failure } };
  }
  return { ok: true, blobPath: url.value.blobPath };
}

/**
 * The source no longer has the content this generation claimed: a re-upload is in progress. Nothing is
 * written — the new content's own event claims the next generation, and if that event is lost the timer's
 * re-drive finds the new ETag when the record comes due and claims it (./pollDue.ts). The drive ends as a
 * lost ownership: the generation it owned is no longer the blob's content.
 */
function leaveForNewGeneration(deps: SubmitDeps, record: LedgerRecord, step: string): SubmitResult {
  deps.logger.info('source blob changed during the drive; left for its new generation', {
    blob: record.source.name,
    generation: record.generation,
    step,
    outcome: 'lost-ownership',
  });
  return { kind: 'lost-ownership' };
}

async function settleUnconfirmed(
  deps: SubmitDeps,
  record: LedgerRecord,
  reason: string,
): Promise<SubmitResult> {
  const due = isoTimestamp(deps.clock.now() + deps.settings.reconcileDelayMs);
  return finish(deps, record, 'submitted-unconfirmed', reason, { due }, 'unconfirmed');
}

async function settleFailure(
  deps: SubmitDeps,
  record: LedgerRecord,
  disposition: Disposition,
  step: string,
): Promise<SubmitResult> {
  const { failure } = disposition;
  switch (disposition.kind) {
    case 'blocked':
      return finish(deps, record, 'blocked', `${step}: ${failure.detail}`, { failure }, 'blocked');
    case 'rejected':
      return finish(deps, record, 'rejected', `${step}: ${failure.detail}`, { failure }, 'rejected');
    case 'unconfirmed':
      return settleUnconfirmed(deps, record, `${step}: ${failure.detail}`);
    case 'later': {
      // A failure before the create call (the upload URL, the copy) counts as a try too: without it, a copy
      // that always fails would be re-driven every half minute forever, and the stall check skips
      // `submit-pending` because this bound covers it.
      const counted = step === 'ingest' ? { ingestFailures: (record.ingestFailures ?? 0) + 1 } : {};
      const tries = record.submitAttempts + (counted.ingestFailures ?? record.ingestFailures ?? 0);
      if (record.state === 'submit-pending' && tries >= deps.settings.maxSubmitAttempts) {
        const reason = `gave up after ${triesText(record.submitAttempts, tries)}; last: ${failure.detail}`;
        return finish(deps, record, 'dead-lettered', reason, { failure, ...counted }, 'dead-lettered');
      }
      const due = isoTimestamp(disposition.retryAt ?? deps.clock.now() + redriveDelay(deps, tries));
      return finish(
        deps,
        record,
        'submit-pending',
        `${step}: ${failure.detail}; retry at ${due}`,
        { due, failure, ...counted },
        'pending',
      );
    }
  }
}

/** "10 attempts", or "10 attempts (7 of them failed before the create call)". */
function triesText(submitAttempts: number, tries: number): string {
  const before = tries - submitAttempts;
  return before === 0
    ? `${tries} attempts`
    : `${tries} attempts (${before} of them failed before the create call)`;
}

/** The backoff between timer re-drives of a submission (docs/ledger.md states the total it adds up to). */
export const REDRIVE_BACKOFF = { baseMs: 30_000, capMs: 30 * 60_000 } as const;

/** Backoff across timer re-drives: 30 s, 1 min, 2 min … capped at 30 min, full jitter above a 10 s floor. */
function redriveDelay(deps: SubmitDeps, attempts: number): number {
  const [delay] = nextBackoff({ retries: Math.max(0, attempts - 1) }, REDRIVE_BACKOFF, deps.random);
  return Math.max(10_000, delay);
}

async function finish(
  deps: SubmitDeps,
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  patch: LedgerPatch,
  kind: Exclude<SubmitResult['kind'], LostWrite['kind']>,
): Promise<SubmitResult> {
  const saved = await saveRecord(deps, record, to, reason, patch);
  return saved.kind === 'saved' ? { kind, record: saved.record } : saved;
}
