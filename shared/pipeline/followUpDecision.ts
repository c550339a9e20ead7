/**
 * The pure half of following a submission: merge what the API said (and what this run did) into the
 * record's assets, then decide the record's next state and when to look again. No I/O, so every rule is a
 * table-testable function of its inputs.
 */
import type { SubmissionAsset } from '../mediamagic/schemas.js';
import type { LedgerAsset, LedgerFailure, LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import { assetRetryWaitMs, type AssetRetryWaitSettings } from './assetRetryWait.js';
import type { PollSettings } from './pollDeps.js';

/** What this run learned or did about one asset. */
export interface AssetFacts {
  readonly api: SubmissionAsset;
  /** Results (asset result + topics) were written this run. */
  readonly resultsWritten?: boolean;
  /** We asked MediaMagic to retry it this run (accepted, already in progress, or unconfirmed). */
  readonly retried?: boolean;
  /** MediaMagic refused a retry for good (409 not retryable / max attempts): the reason. */
  readonly retryRefused?: string;
}

/** The decision: the next state, the patch that goes with it, and why. */
export interface FollowUpDecision {
  readonly state: LedgerState;
  readonly assets: LedgerAsset[];
  readonly due?: number;
  readonly pollIntervalMs?: number;
  readonly failure?: LedgerFailure;
  readonly reason: string;
  /** Something changed (an asset's status, a retry, results written): counts as progress. */
  readonly progressed: boolean;
}

/** Merges facts into the record's assets and decides what happens next. */
export function decideFollowUp(
  record: LedgerRecord,
  facts: readonly AssetFacts[],
  nowMs: number,
  settings: Pick<PollSettings, 'maxAssetRetries' | 'firstPollMs' | 'maxPollMs'> & AssetRetryWaitSettings,
): FollowUpDecision {
  let progressed = false;
  const assets = facts.map((f) => {
    const known = record.assets.find((a) => a.assetId === f.api.assetId);
    const merged = mergeAsset(known, f);
    if (!known || known.status !== merged.status || f.resultsWritten || f.retried) progressed = true;
    return merged;
  });

  const retriedNow = facts.some((f) => f.retried);
  const dead = assets.filter((a) => isDead(a, settings.maxAssetRetries));
  const waiting = assets.filter((a) => a.status === 'failed' && !isDead(a, settings.maxAssetRetries));
  const allComplete = assets.length > 0 && assets.every((a) => a.status === 'complete' && a.resultsWritten);
  const allSettled = assets.every(
    (a) => (a.status === 'complete' && a.resultsWritten) || isDead(a, settings.maxAssetRetries),
  );

  if (allComplete)
    return { state: 'complete', assets, reason: 'every asset complete, results written', progressed: true };
  if (!retriedNow && dead.length > 0 && allSettled) {
    const first = dead[0] as LedgerAsset;
    const refused = facts.find((f) => f.api.assetId === first.assetId)?.retryRefused;
    const detail = first.errorMessage ?? refused ?? 'MediaMagic reported the asset as failed';
    return {
      state: 'dead-lettered',
      assets,
      failure: {
        kind: 'asset-failed',
        detail,
        ...(first.errorType ? { errorType: first.errorType } : {}),
      },
      reason: `asset ${first.assetId} failed${first.isRetryable ? ` after ${first.retryCount} retries` : ' (not retryable)'}: ${first.errorType ?? 'error'} — ${detail}`,
      progressed: true,
    };
  }
  if (retriedNow) {
    return {
      state: 'submitted',
      assets,
      due: nowMs + settings.firstPollMs,
      pollIntervalMs: settings.firstPollMs,
      reason: 'asset retry requested',
      progressed: true,
    };
  }
  if (waiting.length > 0) {
    const retries = Math.max(...waiting.map((a) => a.retryCount));
    const delay = assetRetryWaitMs(retries, settings);
    return {
      state: 'retry-pending',
      assets,
      due: nowMs + delay,
      reason: `retryable asset failure; retry ${retries + 1} in ${Math.round(delay / 1000)} s`,
      progressed,
    };
  }
  const previous = record.pollIntervalMs ?? settings.firstPollMs;
  const interval = progressed ? settings.firstPollMs : Math.min(settings.maxPollMs, previous * 2);
  return {
    state: 'submitted',
    assets,
    due: nowMs + interval,
    pollIntervalMs: interval,
    reason: 'in progress',
    progressed,
  };
}

/** An asset that will not get better: failed and either not retryable or out of retries. */
function isDead(asset: LedgerAsset, maxRetries: number): boolean {
  return (
    asset.status === 'failed' &&
    (asset.isRetryable !== true || asset.retryCount >= maxRetries || asset.retryRefused === true)
  );
}

function mergeAsset(known: LedgerAsset | undefined, f: AssetFacts): LedgerAsset {
  const api = f.api;
  // A retry we just asked for means the asset is running again, whatever the status we read before it.
  const status = f.retried ? 'retrying' : (api.status ?? known?.status ?? 'processing');
  return {
    ...(known ?? {}),
    assetId: api.assetId,
    status,
    retryCount: (known?.retryCount ?? 0) + (f.retried ? 1 : 0),
    localRetries: known?.localRetries ?? 0,
    ...(api.retryCount !== undefined ? { apiRetryCount: api.retryCount } : {}),
    ...(api.errorType ? { errorType: api.errorType } : {}),
    ...(api.errorMessage ? { errorMessage: api.errorMessage } : {}),
    ...(api.isRetryable !== undefined ? { isRetryable: api.isRetryable } : {}),
    ...(known?.resultsWritten || f.resultsWritten ? { resultsWritten: true } : {}),
    ...(f.retryRefused ? { retryRefused: true } : {}),
  };
}
