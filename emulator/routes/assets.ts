/**
 * Asset endpoints under `/api/integrations/submissions/{submission_id}/assets/{asset_id}`: the result,
 * the enriched issues, the topics, and `POST .../retry`. Results exist only once an asset completed:
 * before that the three reads answer 404 "Asset processing not finished" (a "try later", which clients
 * tell apart from a plain "not found" by the detail).
 */
import type { Handler, RouteContext } from '../context.js';
import { conflict, domainError, notFound } from '../errors.js';
import type { AssetRecord, SubmissionRecord } from '../model.js';
import type { RetryRefusal } from '../processing.js';
import { resultsFor, type AssetResults } from '../results.js';
import { uuidParam } from '../validation.js';
import { assetView, creationView, issuesView, topicsView } from '../views.js';
import { findSubmission } from './submissions.js';

/** The 409 `detail` of each retry refusal. */
export const RETRY_REFUSALS: Readonly<Record<RetryRefusal, string>> = {
  'in-progress': 'A retry is already in progress for this asset',
  'not-failed': 'Asset is not in a failed state',
  'not-retryable': 'Asset error is not retryable',
  'max-attempts': 'Maximum retry attempts reached',
};

/** `GET .../assets/{asset_id}` → 200 result; 404 while pending; a failed asset has no issues. */
export const getAsset: Handler = (ctx) => {
  const { asset } = findAsset(ctx);
  assertFinished(asset);
  const results = asset.status === 'complete' ? loadResults(asset, false) : undefined;
  return Promise.resolve({ status: 200, body: assetView(asset, results) });
};

/** `GET .../assets/{asset_id}/issues` → 200 enriched issues; 404 while pending or failed; 502 injectable. */
export const getIssues: Handler = (ctx) => {
  const { asset } = findAsset(ctx);
  return Promise.resolve({ status: 200, body: issuesView(asset, completedResults(asset)) });
};

/** `GET .../assets/{asset_id}/topics` → 200 `{assetId, topics, orphanIssues, metadata}`. */
export const getTopics: Handler = (ctx) => {
  const { asset } = findAsset(ctx);
  return Promise.resolve({ status: 200, body: topicsView(asset, completedResults(asset)) });
};

/** `POST .../assets/{asset_id}/retry` → 202 with the submission-creation model, or a 409 naming why not. */
export const retryAsset: Handler = (ctx) => {
  const { submission, asset } = findAsset(ctx);
  const { processor, stats } = ctx.services;
  const refusal = processor.retryRefusal(asset);
  stats.retry(refusal === undefined);
  if (refusal) throw conflict(RETRY_REFUSALS[refusal]);
  processor.retry(asset);
  const workflowId = `asset-processing-${asset.assetId}-retry-${asset.retryCount}`;
  return Promise.resolve({ status: 202, body: creationView(submission, workflowId) });
};

function findAsset(ctx: RouteContext): { submission: SubmissionRecord; asset: AssetRecord } {
  const submission = findSubmission(ctx);
  const assetId = uuidParam('asset_id', ctx.params.asset_id);
  const asset = submission.assets.find((a) => a.assetId === assetId);
  if (!asset) throw notFound('Asset not found');
  return { submission, asset };
}

function assertFinished(asset: AssetRecord): void {
  if (asset.status !== 'complete' && asset.status !== 'failed') {
    throw notFound('Asset processing not finished');
  }
}

function completedResults(asset: AssetRecord): AssetResults {
  assertFinished(asset);
  // Deliberately not "not finished": a failed asset has no results until a retry completes.
  if (asset.status === 'failed') throw notFound('Asset processing failed; no results available');
  return loadResults(asset, true);
}

/** `.mmbadresults.` makes the results blob "unreadable" for issues/topics (the documented 502). */
function loadResults(asset: AssetRecord, fromBlob: boolean): AssetResults {
  if (fromBlob && asset.script.badResults) {
    throw domainError(502, 'Failed to load analysis results from storage');
  }
  return resultsFor(asset);
}
