/**
 * A record whose timer step keeps throwing (a storage error, a source blob in the Archive tier, a results
 * write that fails) is bounded by its `stepFailures` count (docs/design.md, decision 13) but otherwise looks
 * merely "waiting": its state does not change until the limit sends it `stuck`. `status` shows the count,
 * the last error and the next try, so an operator sees it coming instead of learning from the alert.
 */
import type { LedgerRecord } from '../../shared/ledger/record.js';
import { isTerminal, type LedgerState } from '../../shared/ledger/states.js';
import { STEP_FAILURE_LIMIT } from '../../shared/pipeline/stepFailureWait.js';

/** One record's step failures, every field present (`null` when unknown). */
export interface StepFailureView {
  /** Timer runs in a row whose step threw on this record. */
  readonly count: number;
  /** The count at which the record goes `stuck` with an `ALERT:` line. */
  readonly limit: number;
  /** The last error, as the record keeps it (redacted, at most 300 characters). */
  readonly lastError: string;
  /** When the step last threw. */
  readonly lastAt: string;
  /** When the timer next tries the record (its `due`). */
  readonly nextTryAt: string | null;
}

/** A record backing off after step failures, as `status` lists it. */
export interface StepFailureEntry extends StepFailureView {
  readonly blob: string;
  readonly state: LedgerState;
}

/** `status --json`'s `stepFailures`: records backing off after step failures, longest-failing first. */
export interface StepFailureSummary {
  /** How many records are backing off after step failures now. */
  readonly count: number;
  readonly records: StepFailureEntry[];
}

/** The record's step failures, or `null` when its last step did not throw. */
export function stepFailureView(record: LedgerRecord): StepFailureView | null {
  const failures = record.stepFailures;
  if (failures === undefined) return null;
  return {
    count: failures.count,
    limit: STEP_FAILURE_LIMIT,
    lastError: failures.lastError,
    lastAt: failures.lastAt,
    nextTryAt: record.due ?? null,
  };
}

/**
 * Collects the records backing off after step failures: every non-terminal record carrying a count
 * (`stuck` included — it keeps its backoff and is tried again at `due`).
 */
export class StepFailureCollector {
  private readonly entries: StepFailureEntry[] = [];

  /** Looks at one record. */
  add(record: LedgerRecord): void {
    const view = stepFailureView(record);
    if (view === null || isTerminal(record.state)) return;
    this.entries.push({ blob: record.source.name, state: record.state, ...view });
  }

  /** The summary: most failures first, then by blob name. */
  summary(): StepFailureSummary {
    const records = [...this.entries].sort((a, b) => b.count - a.count || a.blob.localeCompare(b.blob));
    return { count: records.length, records };
  }
}

/** The human lines for the summary (a heading and two lines per record). */
export function stepFailureLines(summary: StepFailureSummary): string[] {
  if (summary.count === 0) return ['Backing off after step failures: none'];
  const lines = [
    `Backing off after step failures (${summary.count}) — each goes stuck with an ALERT at its limit:`,
  ];
  for (const entry of summary.records) {
    lines.push(
      `  ${entry.state.padEnd(22)} ${entry.blob}  (${failedRuns(entry)}, next try ${entry.nextTryAt ?? '(not scheduled)'})`,
      `      last error at ${entry.lastAt}: ${entry.lastError}`,
    );
  }
  return lines;
}

/** "failed 3 of 8 timer runs in a row" (or, past the limit, "failed 9 timer runs in a row (limit 8)"). */
export function failedRuns(view: StepFailureView): string {
  return view.count < view.limit
    ? `step failed ${view.count} of ${view.limit} timer runs in a row`
    : `step failed ${view.count} timer runs in a row (limit ${view.limit})`;
}
