/**
 * The backfill engine: one full pass of the reconciliation sweep (shared/sweep/sweepRun.ts) over the source
 * container, with no grace period, no persisted cursor and no budget — Event Grid never fires for blobs
 * that were in the container before the app was deployed, and a lost event leaves content the ledger has
 * not claimed. Every blob whose current content the ledger has not claimed (no record, or a record for
 * other content) goes to `processSourceBlob`, the same claim-then-submit path an event takes. The claim is
 * a create-only write, so a re-run, a resumed run after a kill, or a run racing the live pipeline or the
 * sweep timer never submits anything twice; a blob claimed by a run that died is re-driven by the timer
 * when its lease ends.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { Ledger } from '../../shared/ledger/ledger.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import { processSourceBlob, type ProcessResult } from '../../shared/pipeline/processSourceBlob.js';
import type { SubmitDeps } from '../../shared/pipeline/submitDeps.js';
import { containerPages, countBlockBlobs } from '../../shared/sweep/sourcePages.js';
import { memoryCursorStore } from '../../shared/sweep/sweepCursorStore.js';
import { DEFAULT_SWEEP_LIMITS } from '../../shared/sweep/sweepDeps.js';
import { runSweep, type SweepExamined } from '../../shared/sweep/sweepRun.js';

/** What happened to one blob the ledger had not seen. */
export type BackfillOutcome =
  | 'submitted'
  /** Not yet submitted; the timer finishes it (a transient failure, or a submission to confirm). */
  | 'pending'
  /** Refused for good (validation or the API); the ledger records why. */
  | 'rejected'
  /** The API key or plan is wrong: the run stops. */
  | 'blocked'
  /** Deleted meanwhile, not a block blob, or being driven by another process. */
  | 'skipped'
  /** Something unexpected (storage, a bug); the blob is left for a re-run. */
  | 'error'
  | 'would-submit';

/** One blob acted on (or, in a dry run, that would be). */
export interface BackfillFile {
  readonly blob: string;
  readonly outcome: BackfillOutcome;
  /** Its ledger state afterwards, when it has a record. */
  readonly state: LedgerState | null;
  readonly detail: string | null;
  /** True when the ledger knew the blob but not this content: a re-upload whose event was lost. */
  readonly changed: boolean;
}

/** `backfill --json`. */
export interface BackfillSummary {
  readonly container: string;
  readonly prefix: string;
  readonly dryRun: boolean;
  /** Blobs listed under the prefix. */
  readonly listed: number;
  /** Blobs whose current content the ledger has already claimed: skipped (their own triggers handle them). */
  readonly alreadyKnown: number;
  /** Of the blobs acted on (or that would be), those with a record for older content (`changed` files). */
  readonly changedContent: number;
  readonly wouldSubmit: number;
  readonly submitted: number;
  readonly pending: number;
  readonly rejected: number;
  readonly blocked: number;
  readonly skipped: number;
  readonly errors: number;
  /** Listed but not reached: the run was interrupted or stopped on a blocked key. */
  readonly notStarted: number;
  readonly interrupted: boolean;
  readonly stoppedOnBlocked: boolean;
  /** Every blob the run acted on or would act on (already-known ones are only counted). */
  readonly files: BackfillFile[];
}

/** What the engine needs: the pipeline's submit deps plus the container to list. */
export interface BackfillDeps {
  readonly submit: SubmitDeps;
  readonly ledger: Ledger;
  readonly container: ContainerClient;
}

/** How to run. */
export interface BackfillOptions {
  readonly prefix: string;
  readonly concurrency: number;
  readonly dryRun: boolean;
  /** Stops taking new blobs; blobs in flight finish. */
  readonly signal?: AbortSignal;
  /** Called after each listed blob is handled (`file` is undefined for an already-known blob). */
  readonly onProgress?: (done: number, total: number, blob: string, file: BackfillFile | undefined) => void;
}

/**
 * Runs the backfill and returns what happened; per-blob failures are counted, never thrown. A failure to
 * list the container is thrown: nothing can be said about the blobs then.
 */
export async function runBackfill(deps: BackfillDeps, options: BackfillOptions): Promise<BackfillSummary> {
  const pages = containerPages(deps.container);
  // Counted first so progress has a total; a listing is cheap beside the ledger reads that follow.
  const total = await countBlockBlobs(pages, options.prefix);
  const files: BackfillFile[] = [];
  let alreadyKnown = 0;
  let done = 0;
  const sweep = await runSweep(
    {
      ledger: deps.ledger,
      pages,
      cursors: memoryCursorStore(deps.container.containerName),
      drive: (name) => processSourceBlob(deps.submit, name),
      clock: deps.submit.clock,
      logger: deps.submit.logger,
      settings: {
        pageSize: DEFAULT_SWEEP_LIMITS.pageSize,
        concurrency: options.concurrency,
        budgetMs: Number.POSITIVE_INFINITY,
        maxLedgerReads: Number.POSITIVE_INFINITY,
        graceMs: 0,
      },
    },
    {
      prefix: options.prefix,
      dryRun: options.dryRun,
      ...(options.signal ? { signal: options.signal } : {}),
      onBlob: (examined) => {
        const file = fileOfExamined(examined);
        if (file === undefined) alreadyKnown++;
        else files.push(file);
        options.onProgress?.(++done, Math.max(total, done), examined.name, file);
      },
    },
  );
  if (sweep.stopped === 'storage-error')
    throw new Error(sweep.failure ?? 'the source container listing failed');

  const count = (outcome: BackfillOutcome): number => files.filter((f) => f.outcome === outcome).length;
  return {
    container: deps.container.containerName,
    prefix: options.prefix,
    dryRun: options.dryRun,
    listed: Math.max(total, done),
    alreadyKnown,
    changedContent: files.filter((f) => f.changed).length,
    wouldSubmit: count('would-submit'),
    submitted: count('submitted'),
    pending: count('pending'),
    rejected: count('rejected'),
    blocked: count('blocked'),
    skipped: count('skipped'),
    errors: count('error'),
    notStarted: Math.max(0, total - done),
    interrupted: options.signal?.aborted === true && sweep.stopped === 'aborted',
    stoppedOnBlocked: sweep.stopped === 'blocked',
    files,
  };
}

/** One examined blob as the backfill reports it: undefined when the ledger already has its content. */
function fileOfExamined(examined: SweepExamined): BackfillFile | undefined {
  switch (examined.kind) {
    case 'known':
      return undefined;
    case 'too-new': // never with no grace period; reported as not yet acted on
      return { blob: examined.name, outcome: 'skipped', state: null, detail: 'too new', changed: false };
    case 'would-drive':
      return {
        blob: examined.name,
        outcome: 'would-submit',
        state: examined.state,
        detail: examined.reason === 'changed' ? 'new content for a known blob' : null,
        changed: examined.reason === 'changed',
      };
    case 'driven':
      return examined.result.kind === 'duplicate'
        ? undefined
        : { ...fileOf(examined.name, examined.result), changed: examined.reason === 'changed' };
    case 'error':
      return { blob: examined.name, outcome: 'error', state: null, detail: examined.detail, changed: false };
  }
}

function fileOf(
  blob: string,
  result: Exclude<ProcessResult, { kind: 'duplicate' }>,
): Omit<BackfillFile, 'changed'> {
  switch (result.kind) {
    case 'submitted':
      return {
        blob,
        outcome: 'submitted',
        state: result.record.state,
        detail: result.record.submissionId ?? null,
      };
    case 'pending':
    case 'unconfirmed':
      return {
        blob,
        outcome: 'pending',
        state: result.record.state,
        detail: result.record.failure?.detail ?? null,
      };
    case 'rejected':
    case 'dead-lettered':
      return {
        blob,
        outcome: 'rejected',
        state: result.record.state,
        detail: result.record.failure?.detail ?? null,
      };
    case 'blocked':
      return {
        blob,
        outcome: 'blocked',
        state: result.record.state,
        detail: result.record.failure?.detail ?? null,
      };
    case 'lost-ownership':
      return { blob, outcome: 'skipped', state: null, detail: 'another process is driving it' };
    case 'ledger-contention':
      return {
        blob,
        outcome: 'pending',
        state: null,
        detail: 'its ledger record was too busy to write (every write lost a race); the timer finishes it',
      };
    case 'missing':
      return { blob, outcome: 'skipped', state: null, detail: 'deleted before it could be submitted' };
    case 'ignored':
      return { blob, outcome: 'skipped', state: null, detail: result.reason };
  }
}
