/**
 * The emulator's in-memory domain records. They hold times as epoch milliseconds from the injected
 * clock; the API views in `views.ts` turn them into the contract's JSON shapes.
 */
import type { RunOutcome, Script } from './scripts.js';

/** Status of one asset. The contract publishes no asset enum; the submission enum minus `uploading` fits. */
export type AssetStatus = 'submitted' | 'processing' | 'complete' | 'failed';

/** Submission status enum, as the contract lists it. Never reported here: `uploading` (blobs exist at create). */
export type SubmissionStatus = 'uploading' | 'submitted' | 'processing' | 'complete' | 'failed';

/** Why the last run of an asset failed. */
export interface AssetFailure {
  readonly message: string;
  readonly type: string;
  /** Whether the error itself is retryable (the per-asset `isRetryable` also needs attempts left). */
  readonly retryable: boolean;
}

/** One processing run of an asset: the initial run (attempt 0) or a retry (attempt n). */
export interface AssetRun {
  readonly attempt: number;
  /** When the asset moves from `submitted` to `processing`. */
  processingAt: number;
  /** When the run reaches its terminal outcome. */
  finishAt: number;
  readonly outcome: RunOutcome;
}

/** One asset of a submission. Mutable fields change as processing advances. */
export interface AssetRecord {
  readonly assetId: string;
  readonly submissionId: string;
  readonly workspaceId: string;
  readonly blobPath: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly versionGroupId: string;
  readonly versionNumber: number;
  readonly createdAt: number;
  readonly script: Script;
  readonly sidekickIds: readonly string[];
  status: AssetStatus;
  retryCount: number;
  failure: AssetFailure | null;
  /** When the asset last reached a terminal state; null while a run is in flight. */
  completedAt: number | null;
  /** The run in flight, or null once terminal. */
  run: AssetRun | null;
}

/** One submission and its assets, in request order. */
export interface SubmissionRecord {
  readonly submissionId: string;
  readonly workspaceId: string;
  readonly workflowId: string;
  readonly createdAt: number;
  readonly assets: readonly AssetRecord[];
  readonly metadata: Readonly<Record<string, unknown>>;
}
