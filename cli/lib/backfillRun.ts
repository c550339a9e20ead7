/**
 * The backfill engine. Event Grid never fires for blobs that were in the container before the app was
 * deployed, so the ledger has never seen them: list the container, and hand every blob without a ledger
 * record to `processSourceBlob` — the same claim-then-submit path an event takes. The claim is a
 * create-only write, so a re-run, a resumed run after a kill, or a run racing the live pipeline never
 * submits anything twice; a blob claimed by a run that died is re-driven by the timer when its lease ends.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import { processSourceBlob, type ProcessResult } from '../../shared/pipeline/processSourceBlob.js';
import type { SubmitDeps } from '../../shared/pipeline/submitDeps.js';

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
}

/** `backfill --json`. */
export interface BackfillSummary {
  readonly container: string;
  readonly prefix: string;
  readonly dryRun: boolean;
  /** Blobs listed under the prefix. */
  readonly listed: number;
  /** Blobs the ledger already had a record for: skipped (their own triggers handle them). */
  readonly alreadyKnown: number;
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

/** Runs the backfill and returns what happened; per-blob failures are counted, never thrown. */
export async function runBackfill(deps: BackfillDeps, options: BackfillOptions): Promise<BackfillSummary> {
  const names = await listBlockBlobs(deps.container, options.prefix);
  const files: BackfillFile[] = [];
  let alreadyKnown = 0;
  let next = 0;
  let done = 0;
  let stoppedOnBlocked = false;
  const stopped = (): boolean => stoppedOnBlocked || options.signal?.aborted === true;

  const worker = async (): Promise<void> => {
    while (next < names.length && !stopped()) {
      const blob = names[next++] as string;
      const file = await handleBlob(deps, blob, options.dryRun);
      if (file === undefined) alreadyKnown++;
      else files.push(file);
      if (file?.outcome === 'blocked') stoppedOnBlocked = true;
      options.onProgress?.(++done, names.length, blob, file);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, names.length)) }, worker));

  const count = (outcome: BackfillOutcome): number => files.filter((f) => f.outcome === outcome).length;
  return {
    container: deps.container.containerName,
    prefix: options.prefix,
    dryRun: options.dryRun,
    listed: names.length,
    alreadyKnown,
    wouldSubmit: count('would-submit'),
    submitted: count('submitted'),
    pending: count('pending'),
    rejected: count('rejected'),
    blocked: count('blocked'),
    skipped: count('skipped'),
    errors: count('error'),
    notStarted: names.length - done,
    interrupted: options.signal?.aborted === true && done < names.length,
    stoppedOnBlocked,
    files,
  };
}

/** Names of the block blobs under `prefix` (page blobs and append blobs are never media uploads). */
async function listBlockBlobs(container: ContainerClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of container.listBlobsFlat(prefix ? { prefix } : {})) {
    if (item.properties.blobType === undefined || item.properties.blobType === 'BlockBlob')
      names.push(item.name);
  }
  return names;
}

/** One blob: undefined when the ledger already knows it. */
async function handleBlob(
  deps: BackfillDeps,
  blob: string,
  dryRun: boolean,
): Promise<BackfillFile | undefined> {
  try {
    const known = await deps.ledger.get(ledgerKey(deps.submit.settings.sourceContainer, blob));
    if (known) return undefined;
    if (dryRun) return { blob, outcome: 'would-submit', state: null, detail: null };
    const result = await processSourceBlob(deps.submit, blob);
    return result.kind === 'duplicate' ? undefined : fileOf(blob, result);
  } catch (error) {
    const detail = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    return { blob, outcome: 'error', state: null, detail };
  }
}

function fileOf(blob: string, result: Exclude<ProcessResult, { kind: 'duplicate' }>): BackfillFile {
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
