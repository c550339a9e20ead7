/**
 * The contract's JSON shapes, built from the in-memory records. Bodies are camelCase with no envelope
 * (per the contract). Keeping every shape here means a field rename is one edit, and routes stay thin.
 */
import type { AssetRecord, AssetStatus, SubmissionRecord, SubmissionStatus } from './model.js';
import type { Processor } from './processing.js';
import { resultsFor, type AssetResults } from './results.js';
import type { SubmissionStore } from './submissions.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The submission-creation model (201 on create, and the 202 body of an asset retry). */
export function creationView(submission: SubmissionRecord, workflowId = submission.workflowId) {
  return {
    submissionId: submission.submissionId,
    workflowId,
    ablyChannel: `submission:${submission.submissionId}`,
    status: submissionStatus(submission),
    assets: submission.assets.map((a) => ({
      assetId: a.assetId,
      versionGroupId: a.versionGroupId,
      versionNumber: a.versionNumber,
    })),
  };
}

/**
 * The status (polling) response. Per MediaMagic's error-handling guide the per-asset objects carry `status`
 * (the API reference's example omits it; the guide wins: docs/design.md, "MediaMagic's error table").
 * `isRetryable` is "could be retried right now".
 */
export function submissionView(submission: SubmissionRecord, processor: Processor, now: number) {
  const status = submissionStatus(submission);
  const terminal = status === 'complete' || status === 'failed';
  const firstFailure = submission.assets.find((a) => a.status === 'failed')?.failure;
  const assets = submission.assets.map((a) => ({
    assetId: a.assetId,
    versionGroupId: a.versionGroupId,
    versionNumber: a.versionNumber,
    status: a.status,
    issueCount: a.status === 'complete' ? resultsFor(a).issues.length : null,
    errorMessage: a.failure?.message ?? null,
    errorType: a.failure?.type ?? null,
    isRetryable: processor.isRetryable(a),
    retryCount: a.retryCount,
  }));
  return {
    submissionId: submission.submissionId,
    workflowId: submission.workflowId,
    workspaceId: submission.workspaceId,
    status,
    progressPercent: Math.floor(
      submission.assets.reduce((sum, a) => sum + assetProgress(a, now), 0) /
        Math.max(1, submission.assets.length),
    ),
    createdAt: iso(submission.createdAt),
    completedAt: terminal ? iso(Math.max(...submission.assets.map((a) => a.completedAt ?? 0))) : null,
    errorMessage: status === 'failed' ? (firstFailure?.message ?? null) : null,
    assets,
    isRetryable: assets.some((a) => a.isRetryable),
  };
}

/**
 * The asset result, as the contract shapes it. Only called for terminal assets: a failed asset answers with
 * `status: "failed"`, `issueCount: null` and no issues.
 */
export function assetView(asset: AssetRecord, results: AssetResults | undefined) {
  return {
    assetId: asset.assetId,
    submissionId: asset.submissionId,
    filename: asset.filename,
    mimeType: asset.mimeType,
    status: asset.status,
    issueCount: results ? results.issues.length : null,
    versionNumber: asset.versionNumber,
    versionGroupId: asset.versionGroupId,
    issues: results ? results.issues : [],
  };
}

/** The enriched issue list (`/issues`); the real shape is a documented gap. */
export function issuesView(asset: AssetRecord, results: AssetResults) {
  return { assetId: asset.assetId, issues: results.enrichedIssues };
}

/** The topics response: top-level keys per the contract. */
export function topicsView(asset: AssetRecord, results: AssetResults) {
  return {
    assetId: asset.assetId,
    topics: results.topics,
    orphanIssues: results.orphanIssues,
    metadata: results.metadata,
  };
}

/** The versions listing (an emulator choice for a documented gap): every version of each asset's group. */
export function versionsView(submission: SubmissionRecord, store: SubmissionStore) {
  return {
    submissionId: submission.submissionId,
    assets: submission.assets.map((a) => ({
      assetId: a.assetId,
      versionGroupId: a.versionGroupId,
      versionNumber: a.versionNumber,
      versions: store.versions(a.versionGroupId).map((v) => ({
        versionNumber: v.versionNumber,
        submissionId: v.submissionId,
        assetId: v.assetId,
        blobPath: v.blobPath,
        status: v.status,
        createdAt: iso(v.createdAt),
      })),
    })),
  };
}

/** Submission status from its assets: terminal once all are; `failed` if any failed. */
export function submissionStatus(submission: SubmissionRecord): SubmissionStatus {
  const statuses = submission.assets.map((a) => a.status);
  const all = (s: AssetStatus): boolean => statuses.every((x) => x === s);
  if (statuses.every((s) => s === 'complete' || s === 'failed')) {
    return statuses.includes('failed') ? 'failed' : 'complete';
  }
  return all('submitted') ? 'submitted' : 'processing';
}

/** 0 while queued, time-proportional while processing (capped at 99), 100 once terminal. */
function assetProgress(asset: AssetRecord, now: number): number {
  if (asset.status === 'complete' || asset.status === 'failed') return 100;
  const run = asset.run;
  if (asset.status === 'submitted' || !run) return 0;
  const span = Math.max(1, run.finishAt - run.processingAt);
  return Math.min(99, Math.max(0, Math.floor(((now - run.processingAt) / span) * 100)));
}
