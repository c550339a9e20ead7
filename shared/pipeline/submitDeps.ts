/**
 * The ports and settings the submission step depends on. Built once by the composition root; tests pass
 * real Azurite-backed adapters and a client pointed at the emulator.
 */
import type { Clock, Random } from '../clock.js';
import type { IngestMode } from '../config/loadConfig.js';
import type { copyToUploadUrl } from '../ingest/serverSideCopy.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ReconciliationIndex } from '../ledger/reconciliationIndex.js';
import type { Logger } from '../logger.js';
import type { MediaMagicClient } from '../mediamagic/client.js';
import type { HandOffQueue } from '../storage/handOffQueue.js';
import type { SourceBlobs } from '../storage/sourceBlobs.js';

/** The part of the MediaMagic client the submission step uses. */
export type SubmissionApi = Pick<MediaMagicClient, 'requestUploadUrl' | 'createSubmission'>;

/** Tunables of the submission step. */
export interface SubmitSettings {
  readonly sourceContainer: string;
  readonly ingestMode: IngestMode;
  /** MediaMagic's base URL: plain-http upload URLs are accepted only when it is on a loopback host. */
  readonly apiBaseUrl: string;
  /** How long one invocation may spend (retries included) before handing off to the timer. */
  readonly invocationBudgetMs: number;
  readonly copyBlockSizeBytes: number;
  readonly copyConcurrency: number;
  /** First status poll after a successful submission (webhooks usually arrive first). */
  readonly firstPollDelayMs: number;
  /** When to look again at a submission whose creation could not be confirmed (`RECONCILE_DELAY_SECONDS`). */
  readonly reconcileDelayMs: number;
  /** Drives of one generation before it is dead-lettered instead of retried forever. */
  readonly maxSubmitAttempts: number;
}

/** Sensible defaults for the settings not taken from configuration. */
export const DEFAULT_SUBMIT_TIMINGS = {
  firstPollDelayMs: 30_000,
  maxSubmitAttempts: 10,
} as const;

/** Everything {@link submitClaimed} and {@link processSourceBlob} need. */
export interface SubmitDeps {
  readonly ledger: Ledger;
  /** Blob-path pointers and orphaned webhooks (reconciling lost creation responses). */
  readonly reconciliation: ReconciliationIndex;
  readonly source: SourceBlobs;
  readonly api: SubmissionApi;
  readonly copy: typeof copyToUploadUrl;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly settings: SubmitSettings;
  /**
   * Where the queue trigger puts a hand-off back for its due time (handleBlobCreatedMessage.ts); without it,
   * hand-offs wait for the timer alone.
   */
  readonly handOffs?: HandOffQueue;
}
