/**
 * The ports and tunables of one sweep run (./sweepRun.ts). Built by the composition root for the timer and
 * by the backfill command for its one-off pass; tests pass Azurite-backed ports and, where the submission
 * itself is not what is tested, a counting `drive`.
 */
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../logger.js';
import type { ProcessResult } from '../pipeline/processSourceBlob.js';
import type { SourcePages } from './sourcePages.js';
import type { SweepCursorStore } from './sweepCursorStore.js';

/** Drives one blob the way an event would; production: `processSourceBlob` over the submit deps. */
export type DriveBlob = (name: string) => Promise<ProcessResult>;

/** Tunables of a run. */
export interface SweepSettings {
  /** How long a run may keep taking new blobs (`SWEEP_BUDGET_SECONDS`); blobs in flight then finish. */
  readonly budgetMs: number;
  /** Blobs modified more recently than this are left for a later pass (`SWEEP_GRACE_MINUTES`; 0: none). */
  readonly graceMs: number;
  /** Ledger reads one run may make (one per blob examined), so a run's storage cost is bounded. */
  readonly maxLedgerReads: number;
  /** Blobs asked for per listing page. */
  readonly pageSize: number;
  /** Blobs examined and driven at once. */
  readonly concurrency: number;
}

/** Defaults for the tunables that are not app settings. */
export const DEFAULT_SWEEP_LIMITS = {
  maxLedgerReads: 5000,
  pageSize: 500,
  concurrency: 4,
} as const;

/** Everything a run needs. */
export interface SweepDeps {
  readonly ledger: Pick<Ledger, 'get'>;
  readonly pages: SourcePages;
  readonly cursors: SweepCursorStore;
  readonly drive: DriveBlob;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: SweepSettings;
}
