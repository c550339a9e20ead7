/**
 * `resubmit --all-failed`: works through the files `failures` lists for the same window, newest first
 * as listed, one at a time, each through {@link resubmitRecord} exactly as a single
 * `resubmit` — so every write is the pipeline's own conditional write and nothing is ever submitted twice.
 * A file resubmitRecord would refuse (e.g. `stuck`, still followed by the timer) is skipped with its
 * reason; the first file that ends `blocked` (the key or plan refused again) stops the run, because every
 * other call would fail the same way.
 */
import type { LedgerRecord } from '../../shared/ledger/record.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import type { SubmitDeps } from '../../shared/pipeline/submitDeps.js';
import { CliFailure } from './failure.js';
import type { FailureListEntry } from './failureList.js';
import { resubmitRecord, resubmitRefusal } from './resubmitRecord.js';

/** What happened to one listed file. */
export type ResubmitAllOutcome =
  /** Re-driven: submitted, scheduled for the timer, or pending (see `result`). */
  | 'resubmitted'
  /** Re-driven, and refused again for good (rejected or dead-lettered); the reason is in `detail`. */
  | 'failed-again'
  /** The key or plan was refused again: the run stops. */
  | 'blocked'
  /** Not resubmittable (its state, a deleted source blob, or it changed meanwhile); `detail` says why. */
  | 'skipped'
  /** Something unexpected (storage, a bug); left as it was. */
  | 'error'
  | 'would-resubmit';

/** One file of the run. */
export interface ResubmitAllFile {
  readonly blob: string;
  /** Its state when listed. */
  readonly previousState: LedgerState;
  readonly outcome: ResubmitAllOutcome;
  /** resubmit's own outcome (`submitted`, `scheduled`, `pending`, …), or null when it did not run. */
  readonly result: string | null;
  /** Its ledger state afterwards. */
  readonly state: LedgerState;
  readonly generation: number;
  /** The submission id when resubmitted, the reason otherwise. */
  readonly detail: string | null;
}

/** `resubmit --all-failed --json`. */
export interface ResubmitAllSummary {
  readonly container: string;
  /** The start of the window, or null for every failure. */
  readonly since: string | null;
  readonly dryRun: boolean;
  /** Files the failure list held for the window. */
  readonly listed: number;
  readonly wouldResubmit: number;
  readonly resubmitted: number;
  readonly failedAgain: number;
  readonly blocked: number;
  readonly skipped: number;
  readonly errors: number;
  /** Listed but not reached: interrupted, or stopped on a blocked file. */
  readonly notStarted: number;
  readonly interrupted: boolean;
  readonly stoppedOnBlocked: boolean;
  readonly files: ResubmitAllFile[];
}

/** How to run. */
export interface ResubmitAllOptions {
  readonly container: string;
  readonly since: string | null;
  readonly dryRun: boolean;
  /** Stops before the next file; the one in flight finishes. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, file: ResubmitAllFile) => void;
}

/**
 * Resubmits each of `listed` (with the records they were listed from, by blob) and returns what happened;
 * per-file failures are counted, never thrown.
 */
export async function resubmitAll(
  deps: SubmitDeps,
  listed: readonly FailureListEntry[],
  records: ReadonlyMap<string, LedgerRecord>,
  options: ResubmitAllOptions,
): Promise<ResubmitAllSummary> {
  const files: ResubmitAllFile[] = [];
  let stoppedOnBlocked = false;
  for (const entry of listed) {
    if (stoppedOnBlocked || options.signal?.aborted) break;
    const file = await resubmitOne(deps, entry, records.get(entry.blob), options.dryRun);
    files.push(file);
    if (file.outcome === 'blocked') stoppedOnBlocked = true;
    options.onProgress?.(files.length, listed.length, file);
  }
  const count = (outcome: ResubmitAllOutcome): number => files.filter((f) => f.outcome === outcome).length;
  return {
    container: options.container,
    since: options.since,
    dryRun: options.dryRun,
    listed: listed.length,
    wouldResubmit: count('would-resubmit'),
    resubmitted: count('resubmitted'),
    failedAgain: count('failed-again'),
    blocked: count('blocked'),
    skipped: count('skipped'),
    errors: count('error'),
    notStarted: listed.length - files.length,
    interrupted: options.signal?.aborted === true && files.length < listed.length,
    stoppedOnBlocked,
    files,
  };
}

async function resubmitOne(
  deps: SubmitDeps,
  entry: FailureListEntry,
  record: LedgerRecord | undefined,
  dryRun: boolean,
): Promise<ResubmitAllFile> {
  const base = { blob: entry.blob, previousState: entry.state, generation: entry.generation };
  const refused = record ? resubmitRefusal(record) : undefined;
  if (refused) return { ...base, outcome: 'skipped', result: null, state: entry.state, detail: why(refused) };
  if (dryRun) return { ...base, outcome: 'would-resubmit', result: null, state: entry.state, detail: null };
  try {
    const { outcome, record: after } = await resubmitRecord(deps, entry.blob);
    const state = after.state;
    const failed = state === 'rejected' || state === 'dead-lettered';
    return {
      ...base,
      outcome: state === 'blocked' ? 'blocked' : failed ? 'failed-again' : 'resubmitted',
      result: outcome,
      state,
      generation: after.generation,
      detail:
        state === 'blocked' || failed
          ? (after.failure?.detail ?? state)
          : (after.submissionId ?? (outcome === 'scheduled' ? 'due now for the timer' : null)),
    };
  } catch (error) {
    if (error instanceof CliFailure) {
      return { ...base, outcome: 'skipped', result: null, state: entry.state, detail: why(error) };
    }
    const detail = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    return { ...base, outcome: 'error', result: null, state: entry.state, detail };
  }
}

function why(failure: CliFailure): string {
  return failure.hint ? `${failure.message}; ${failure.hint}` : failure.message;
}
