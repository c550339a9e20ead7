/**
 * The files that ended in a failure a person must act on, newest first, as `failures` prints them and
 * `resubmit --all-failed` works through them. The states, the reason and the "what to do" are exactly the
 * ones `status` shows (statusReport.ts), so the two commands never disagree about a file. Pure: the command
 * reads the records, this shapes them.
 */
import type { LedgerRecord } from '../../shared/ledger/record.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import { actionFor, FAILURE_STATES, failureReason, type FailureReason } from './statusReport.js';

/** One failed file. */
export interface FailureListEntry {
  readonly blob: string;
  readonly state: LedgerState;
  readonly generation: number;
  readonly submissionId: string | null;
  /** The failure code (`reason.kind`, `reason.status`) and detail, in the `status` reason shape. */
  readonly reason: FailureReason;
  /** When the record entered its failure state (its last change when history does not say). */
  readonly failedAt: string;
  /** What the operator can do, as `status` says it. */
  readonly action: string;
}

/** `failures --json`. */
export interface FailuresReport {
  readonly generatedAt: string;
  readonly container: string;
  /** The start of the window (`--since`, resolved), or null for every failure. */
  readonly since: string | null;
  /** Failures in the window, before `--limit`. */
  readonly total: number;
  /** `--limit`, or null for none. */
  readonly limit: number | null;
  /** Newest first; at most `limit`. */
  readonly failures: FailureListEntry[];
}

/** The window and the cap. */
export interface FailureListOptions {
  readonly nowMs: number;
  readonly container: string;
  /** Only failures that happened at or after this instant. */
  readonly sinceMs?: number;
  readonly limit?: number;
}

/** Every record in a failure state within the window, newest first (ties by blob name), at most `limit`. */
export function buildFailureList(
  records: Iterable<LedgerRecord>,
  options: FailureListOptions,
): FailuresReport {
  const entries: FailureListEntry[] = [];
  for (const record of records) {
    if (!FAILURE_STATES.includes(record.state)) continue;
    const failedAt = failedAtOf(record);
    if (options.sinceMs !== undefined && Date.parse(failedAt) < options.sinceMs) continue;
    entries.push({
      blob: record.source.name,
      state: record.state,
      generation: record.generation,
      submissionId: record.submissionId ?? null,
      reason: failureReason(record),
      failedAt,
      action: actionFor(record),
    });
  }
  entries.sort((a, b) => Date.parse(b.failedAt) - Date.parse(a.failedAt) || a.blob.localeCompare(b.blob));
  return {
    generatedAt: new Date(options.nowMs).toISOString(),
    container: options.container,
    since: options.sinceMs !== undefined ? new Date(options.sinceMs).toISOString() : null,
    total: entries.length,
    limit: options.limit ?? null,
    failures: options.limit !== undefined ? entries.slice(0, options.limit) : entries,
  };
}

/**
 * When the record entered the state it is in: later same-state patches (a stuck record re-checked) move
 * `updatedAt` but are not a new failure.
 */
export function failedAtOf(record: LedgerRecord): string {
  for (let i = record.history.length - 1; i >= 0; i--) {
    const entry = record.history[i];
    if (entry?.to === record.state) return entry.at;
  }
  return record.updatedAt;
}
