/**
 * Follows one submitted record a step: read the submission's status, write results for completed assets,
 * ask MediaMagic to retry retryable failures (up to `MAX_ASSET_RETRIES`, backing off across runs), then
 * record the outcome in one ETag-guarded ledger update that merges onto whatever a concurrent webhook wrote.
 */
import { isoTimestamp, type LedgerFailure, type LedgerRecord } from '../ledger/record.js';
import { resultPath } from '../storage/resultsStore.js';
import { ATTRIBUTES, SPANS } from '../telemetry/names.js';
import { inSpan } from '../telemetry/telemetry.js';
import { dispositionOf } from './failureDisposition.js';
import { decideFollowUp, type AssetFacts } from './followUpDecision.js';
import { saveRecord, type LostWrite, type SaveResult } from './saveRecord.js';
import type { PollDeps } from './pollDeps.js';

/** Where one follow-up step ended; a {@link LostWrite} when its write did not land. */
export type FollowResult =
  | { readonly kind: 'updated'; readonly record: LedgerRecord }
  /** The key or plan was refused; `record` is absent when recording that did not land either. */
  | { readonly kind: 'blocked'; readonly record?: LedgerRecord }
  | LostWrite;

/** Follows `record` (state `submitted`, `retry-pending` or `stuck` with a submission id). */
export async function followSubmission(
  deps: PollDeps,
  record: LedgerRecord,
  deadlineMs: number,
): Promise<FollowResult> {
  const submissionId = record.submissionId as string;
  const shortcut = await completeFromWebhook(deps, record, submissionId, deadlineMs);
  if (shortcut) return shortcut;
  const status = await deps.api.getSubmission(submissionId, { deadlineMs });
  if (!status.ok) {
    const disposition = dispositionOf(status.failure);
    if (disposition.kind === 'blocked') return block(deps, record, disposition.failure);
    if (disposition.kind === 'rejected') {
      // The submission vanished from our workspace (404) or the API refuses to show it: a person must look.
      deps.logger.error('ALERT: submission cannot be read; marking stuck', {
        blob: record.source.name,
        submissionId,
        detail: disposition.failure.detail,
      });
      const stuck = await saveRecord(
        deps,
        record,
        'stuck',
        `status read refused: ${disposition.failure.detail}`,
        { failure: disposition.failure, due: isoTimestamp(deps.clock.now() + deps.poll.maxPollMs) },
      );
      return updated(stuck);
    }
    const retryAt =
      disposition.kind === 'later' && disposition.retryAt
        ? disposition.retryAt
        : deps.clock.now() + (record.pollIntervalMs ?? deps.poll.firstPollMs);
    const later = await saveRecord(
      deps,
      record,
      record.state,
      `status read failed: ${disposition.failure.detail}`,
      { due: isoTimestamp(retryAt) },
    );
    return updated(later);
  }

  const facts: AssetFacts[] = [];
  for (const api of status.value.assets) {
    const known = record.assets.find((a) => a.assetId === api.assetId);
    if (api.status === 'complete' && !known?.resultsWritten) {
      facts.push({
        api,
        resultsWritten: await writeResults(deps, record, submissionId, api.assetId, deadlineMs),
      });
    } else if (
      api.status === 'failed' &&
      api.isRetryable === true &&
      (known?.retryCount ?? 0) < deps.poll.maxAssetRetries &&
      !known?.retryRefused
    ) {
      const firstRetry = (known?.retryCount ?? 0) === 0;
      if (!firstRetry && record.state !== 'retry-pending') {
        facts.push({ api }); // back off across runs: the decision schedules the retry
        continue;
      }
      const retry = await deps.api.retryAsset(submissionId, api.assetId, { deadlineMs });
      if (retry.kind === 'failed') {
        const d = dispositionOf(retry.failure);
        if (d.kind === 'blocked') return block(deps, record, d.failure);
        const refused = retry.failure.kind === 'conflict' && retry.failure.reason === 'not-retryable';
        facts.push({ api, ...(refused ? { retryRefused: d.failure.detail } : {}) });
      } else {
        facts.push({ api, retried: true });
      }
    } else {
      facts.push({ api });
    }
  }

  const nowMs = deps.clock.now();
  const decision = decideFollowUp(record, facts, nowMs, deps.poll);
  const saved = await saveRecord(
    deps,
    record,
    decision.state,
    decision.reason,
    {
      assets: decision.assets,
      ...(decision.due !== undefined ? { due: isoTimestamp(decision.due) } : {}),
      ...(decision.pollIntervalMs !== undefined ? { pollIntervalMs: decision.pollIntervalMs } : {}),
      ...(decision.failure ? { failure: decision.failure } : {}),
    },
    decision.progressed,
  );
  if (saved.kind !== 'saved') return saved;
  if (decision.state === 'dead-lettered') await writeFailureReport(deps, saved.record);
  return { kind: 'updated', record: saved.record };
}

/**
 * Call economy: when verified webhooks already said every asset completed, the status read adds nothing —
 * fetch the results directly (the asset result carries its own status, which we check). Anything else
 * (a failure needs `isRetryable`, which only the status read has) takes the full path.
 */
async function completeFromWebhook(
  deps: PollDeps,
  record: LedgerRecord,
  submissionId: string,
  deadlineMs: number,
): Promise<FollowResult | undefined> {
  if (record.assets.length === 0 || !record.assets.every((a) => a.status === 'complete')) return undefined;
  const facts: AssetFacts[] = [];
  for (const asset of record.assets) {
    const written =
      asset.resultsWritten || (await writeResults(deps, record, submissionId, asset.assetId, deadlineMs));
    if (!written) return undefined;
    facts.push({
      api: { assetId: asset.assetId, status: 'complete' },
      resultsWritten: !asset.resultsWritten,
    });
  }
  const decision = decideFollowUp(record, facts, deps.clock.now(), deps.poll);
  const saved = await saveRecord(
    deps,
    record,
    decision.state,
    `${decision.reason} (from webhooks)`,
    {
      assets: decision.assets,
      ...(decision.due !== undefined ? { due: isoTimestamp(decision.due) } : {}),
    },
    true,
  );
  return updated(saved);
}

/** Fetches the asset result (with issues) and its topics and writes them as one document. */
async function writeResults(
  deps: PollDeps,
  record: LedgerRecord,
  submissionId: string,
  assetId: string,
  deadlineMs: number,
): Promise<boolean> {
  const [result, topics] = await Promise.all([
    deps.api.getAsset(submissionId, assetId, { deadlineMs }),
    deps.api.getAssetTopics(submissionId, assetId, { deadlineMs }),
  ]);
  if (!result.ok || !topics.ok) {
    const failure = !result.ok ? result.failure : !topics.ok ? topics.failure : undefined;
    deps.logger.warn('results not available yet; will try again', {
      blob: record.source.name,
      submissionId,
      assetId,
      reason: failure?.message,
    });
    return false;
  }
  const path = await inSpan(
    SPANS.resultsWrite,
    {
      [ATTRIBUTES.blob]: record.source.name,
      [ATTRIBUTES.submissionId]: submissionId,
      [ATTRIBUTES.outcome]: 'results',
    },
    () =>
      deps.results.writeResult({
        source: { ...record.source, generation: record.generation },
        submissionId,
        assetId,
        result: result.value,
        topics: topics.value,
        writtenAt: isoTimestamp(deps.clock.now()),
      }),
  );
  deps.logger.info('results written', { blob: record.source.name, submissionId, assetId, path });
  return true;
}

/** A short report beside where the results would have been, saying why and what to do. */
async function writeFailureReport(
  deps: Pick<PollDeps, 'results' | 'clock' | 'logger'>,
  record: LedgerRecord,
): Promise<void> {
  const path = await inSpan(
    SPANS.resultsWrite,
    { [ATTRIBUTES.blob]: record.source.name, [ATTRIBUTES.outcome]: 'failure-report' },
    () => writeFailureFile(deps, record),
  );
  deps.logger.info('failure report written', {
    blob: record.source.name,
    path,
    expected: resultPath(record.source.name, 'failure'),
  });
}

/** Writes the failure report of `record`; returns where. */
function writeFailureFile(deps: Pick<PollDeps, 'results' | 'clock'>, record: LedgerRecord): Promise<string> {
  const asset = record.assets.find((a) => a.status === 'failed');
  return deps.results.writeFailure({
    source: { ...record.source, generation: record.generation },
    state: record.state,
    ...(record.submissionId ? { submissionId: record.submissionId } : {}),
    ...(asset ? { assetId: asset.assetId } : {}),
    ...(record.failure?.errorType ? { errorType: record.failure.errorType } : {}),
    reason: record.failure?.detail ?? 'unknown',
    action:
      record.state === 'rejected'
        ? 'Fix the file (type, size, name or content) and upload it again, or run `resubmit` after fixing the cause.'
        : 'Check the error with MediaMagic; after fixing the cause run `npx mediamagic-autosubmit resubmit <blob>`.',
    writtenAt: isoTimestamp(deps.clock.now()),
  });
}

/** A save as a follow-up result: the record moved on, or why it did not. */
function updated(saved: SaveResult): FollowResult {
  return saved.kind === 'saved' ? { kind: 'updated', record: saved.record } : saved;
}

/** Records that the key or plan was refused. Blocked either way: the refusal holds whether or not it was written. */
async function block(deps: PollDeps, record: LedgerRecord, failure: LedgerFailure): Promise<FollowResult> {
  const saved = await saveRecord(deps, record, 'blocked', failure.detail, { failure });
  return { kind: 'blocked', ...(saved.kind === 'saved' ? { record: saved.record } : {}) };
}
