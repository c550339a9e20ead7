/**
 * What one verified webhook event does to one ledger record — a pure decision, so the ledger's ETag loop
 * can re-run it on a fresh copy after every lost race and the result is always computed from what is
 * really stored.
 *
 * The receiver acknowledges fast and never calls MediaMagic: it records the asset's new status, remembers
 * the event id, and makes the record due now so the timer fetches results or decides a retry promptly.
 * Every change is a plain patch, never a state transition (history records state changes only): the
 * record's next state depends on results being written and retries being decided, which is the timer's
 * work. That holds for `stuck` too — the timer follows stuck records that have a submission id, so making
 * one due now is enough for the news to move it on.
 */
import type { LedgerAsset, LedgerRecord } from '../ledger/record.js';
import { isTerminal } from '../ledger/states.js';
import { hasSeenEvent, rememberEvent } from '../ledger/seenEvents.js';
import type { WebhookEvent } from './webhookEvent.js';

/** How an asset's status moved, and why. `from` is absent for an asset the record did not list. */
export interface AssetChange {
  readonly assetId: string;
  readonly from: string | undefined;
  readonly to: string;
  readonly reason: string;
}

/**
 * The decision. Kinds that carry `record` write it (the event id is remembered in it); the others write
 * nothing.
 * - `applied`: the event is about this record's current submission. `asset` is set when the asset changed;
 *   `ignored` explains a remembered event that changed nothing (e.g. an older failure after completion).
 * - `duplicate`: the event id was applied before.
 * - `stale-generation`: the event is about an earlier submission of this blob (a re-upload replaced it).
 * - `finished`: the record is terminal; the event is remembered and the state left alone.
 * - `not-yet-submitted`: the submission's pointer exists but the record does not name it yet (the webhook
 *   overtook the submitter's final write). Writing now would be overwritten by that write, so nothing is
 *   written; the timer's first poll picks the status up.
 */
export type EventEffect =
  | {
      readonly kind: 'applied';
      readonly record: LedgerRecord;
      readonly asset?: AssetChange;
      readonly ignored?: string;
    }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'stale-generation'; readonly record: LedgerRecord }
  | { readonly kind: 'finished'; readonly record: LedgerRecord }
  | { readonly kind: 'not-yet-submitted' };

/** Asset statuses as the API spells them. */
const COMPLETE = 'complete';
const FAILED = 'failed';

/** Decides what `event` does to `record` at `nowIso` (a `Date#toISOString` string). Pure. */
export function decideEventEffect(record: LedgerRecord, event: WebhookEvent, nowIso: string): EventEffect {
  if (hasSeenEvent(record, event.id)) return { kind: 'duplicate' };
  const submissionId = event.data.submission_id;
  if (record.submissionId === undefined) {
    // Without a submission of its own, a terminal record can only be hearing about an older generation.
    const older = submissionId === record.previousSubmissionId || isTerminal(record.state);
    return older
      ? { kind: 'stale-generation', record: remembered(record, event) }
      : { kind: 'not-yet-submitted' };
  }
  if (record.submissionId !== submissionId) {
    return { kind: 'stale-generation', record: remembered(record, event) };
  }
  if (isTerminal(record.state)) return { kind: 'finished', record: remembered(record, event) };
  return applyToAsset(record, event, nowIso);
}

function applyToAsset(record: LedgerRecord, event: WebhookEvent, nowIso: string): EventEffect {
  const assetId = event.data.asset_id;
  const current = record.assets.find((asset) => asset.assetId === assetId);
  const to = event.type === 'asset.processing.completed' ? COMPLETE : FAILED;
  const errorMessage = to === FAILED ? event.data.error_message : undefined;

  const ignored = whyUnchanged(current, to, errorMessage);
  if (ignored !== undefined) return { kind: 'applied', record: remembered(record, event), ignored };

  const reason = current
    ? `webhook ${event.type}`
    : `webhook ${event.type} for an asset the record did not list`;
  const asset: AssetChange = { assetId, from: current?.status, to, reason };
  const assets = current
    ? record.assets.map((a) => (a.assetId === assetId ? withStatus(a, to, errorMessage) : a))
    : [...record.assets, withStatus({ assetId, retryCount: 0, localRetries: 0 }, to, errorMessage)];
  return { kind: 'applied', record: remembered(patchForNews(record, assets, nowIso), event), asset };
}

/**
 * Why the event leaves the asset as it is, or `undefined` when it changes it. A completed asset stays
 * complete: MediaMagic's `complete` is final for an asset, so a failure arriving after it is an older event
 * delivered late (a failure, then a successful retry, delivered in reverse).
 */
function whyUnchanged(
  current: LedgerAsset | undefined,
  to: string,
  errorMessage: string | undefined,
): string | undefined {
  if (current?.status === COMPLETE && to === FAILED)
    return 'older failure after completion: asset stays complete';
  // A repeat without a message of its own keeps the one a poll may have recorded.
  const sameMessage = errorMessage === undefined || errorMessage === current?.errorMessage;
  if (current?.status === to && sameMessage) return `asset already ${to}`;
  return undefined;
}

/**
 * The asset with its new status. Fields describing an earlier outcome go: error details (the timer reads
 * the new failure's `errorType`/`isRetryable` from the API — the webhook does not carry them) and
 * `resultsWritten` (the new outcome's results or failure report are not written yet).
 */
function withStatus(asset: LedgerAsset, status: string, errorMessage: string | undefined): LedgerAsset {
  const {
    errorType: _errorType,
    errorMessage: _errorMessage,
    isRetryable: _isRetryable,
    resultsWritten: _resultsWritten,
    ...kept
  } = asset;
  return { ...kept, status, ...(errorMessage !== undefined ? { errorMessage } : {}) };
}

/**
 * The record patched with an asset's news: due now (never later than it already was) so the timer acts
 * promptly; `pollIntervalMs` dropped so the adaptive poll interval restarts from its base (webhook activity
 * resets it); `lastProgressAt` now, because an asset reaching an outcome is progress. A `blocked` record
 * keeps its `due`: it waits for an operator, not for the timer.
 */
function patchForNews(record: LedgerRecord, assets: LedgerAsset[], nowIso: string): LedgerRecord {
  const { pollIntervalMs: _pollIntervalMs, ...rest } = record;
  const due =
    record.state === 'blocked' || (record.due !== undefined && record.due <= nowIso) ? record.due : nowIso;
  return { ...rest, assets, lastProgressAt: nowIso, ...(due !== undefined ? { due } : {}) };
}

function remembered(record: LedgerRecord, event: WebhookEvent): LedgerRecord {
  return rememberEvent(record, event.id);
}
