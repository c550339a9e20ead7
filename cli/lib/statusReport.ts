/**
 * The ledger at a glance, as a stable document: how many records are in each state (every state, zero
 * included, so a script can read any count without a default), every record that needs a person (with the
 * reason in the API's or the validator's own words and what to do), and what the timer will pick up next.
 * Pure: the command reads the records, this shapes them.
 */
import type { LastPollRun } from '../../shared/ledger/lastPollRun.js';
import type { LedgerFailure, LedgerRecord } from '../../shared/ledger/record.js';
import { isTerminal, LEDGER_STATES, type LedgerState } from '../../shared/ledger/states.js';
import type { PoisonOutcome, PoisonRecord } from '../../shared/poison/poisonRecord.js';
import type { FleetSection } from './fleetView.js';
import { StepFailureCollector, type StepFailureSummary } from './stepFailureView.js';

/** States that need a person (or, for `stuck`, a look). */
export const FAILURE_STATES: readonly LedgerState[] = ['rejected', 'dead-lettered', 'blocked', 'stuck'];

/** Why a record failed, every field present (`null`/empty when unknown) so the shape never varies. */
export interface FailureReason {
  readonly kind: string;
  readonly status: number | null;
  readonly detail: string;
  readonly fields: readonly { readonly field: string; readonly message: string }[];
  readonly errorType: string | null;
}

/** One record that needs attention. */
export interface FailureEntry {
  readonly blob: string;
  readonly state: LedgerState;
  readonly generation: number;
  readonly submissionId: string | null;
  readonly reason: FailureReason;
  /** When the record last changed. */
  readonly since: string;
  /** What the operator can do. */
  readonly action: string;
}

/** One record the timer will work on at its next run. */
export interface DueEntry {
  readonly blob: string;
  readonly state: LedgerState;
  readonly due: string;
}

/** One message of the trigger's poison queue that the drain recorded (docs/design.md, "Poison messages"). */
export interface PoisonEntry {
  readonly messageId: string;
  /** The source blob its event named; null for an unreadable message. */
  readonly blob: string | null;
  /** When the host moved it to the poison queue. */
  readonly insertedOn: string | null;
  /** When the drain last wrote its record. */
  readonly recordedAt: string;
  readonly outcome: PoisonOutcome;
  /** The pipeline's result when driven (`submitted`, `duplicate`, `missing`, ...). */
  readonly result: string | null;
  readonly attempts: number;
  /** The last drive's error, or why the message could not be read (with an excerpt). */
  readonly detail: string | null;
}

/** The poison queue: what waits in it now, and every message the drain recorded. */
export interface PoisonSection {
  readonly queue: string;
  /**
   * Approximate, from the queue's properties; 0 when the queue does not exist (nothing ever failed); null
   * when it could not be read (`waitingError` says why — e.g. no queue role for the identity running status).
   */
  readonly waiting: number | null;
  readonly waitingError: string | null;
  readonly recorded: number;
  readonly messages: PoisonEntry[];
}

/** `status --json`. */
export interface StatusReport {
  readonly generatedAt: string;
  readonly containers: { readonly source: string; readonly ledger: string; readonly results: string };
  readonly total: number;
  readonly counts: Record<LedgerState, number>;
  readonly failures: FailureEntry[];
  readonly due: DueEntry[];
  readonly poison: PoisonSection;
  /**
   * The polling timer's last run and each API bucket's pace and 429s as its process saw them
   * (`shared/ledger/lastPollRun.ts`), or null before the first run.
   */
  readonly timer: LastPollRun | null;
  /** Records whose timer step keeps throwing: their count, last error and next try (./stepFailureView.ts). */
  readonly stepFailures: StepFailureSummary;
  /**
   * Fleet pacing's roster: the settings, who is live, and per bucket the division (./fleetView.ts). Always
   * read by `status`; null only in a report built without it.
   */
  readonly fleet: FleetSection | null;
}

/** The poison section from the queue's name and depth and the drain's records (oldest first). */
export function buildPoisonSection(
  queue: string,
  depth: { readonly waiting: number } | { readonly error: string },
  records: readonly PoisonRecord[],
): PoisonSection {
  const messages = records
    .filter((r) => r.queue === queue)
    .map((r): PoisonEntry => ({
      messageId: r.messageId,
      blob: r.blob?.name ?? null,
      insertedOn: r.insertedOn,
      recordedAt: r.recordedAt,
      outcome: r.outcome,
      result: r.result,
      attempts: r.attempts,
      detail: r.unreadable
        ? `${r.unreadable.code}: ${r.unreadable.reason} — message starts ${JSON.stringify(r.unreadable.excerpt)}`
        : r.lastError,
    }));
  const waiting = 'waiting' in depth ? depth.waiting : null;
  const waitingError = 'error' in depth ? depth.error : null;
  return { queue, waiting, waitingError, recorded: messages.length, messages };
}

/** Shapes the records into a {@link StatusReport}. `due` lists non-terminal records due at or before `nowMs`. */
export function buildStatusReport(
  records: Iterable<LedgerRecord>,
  nowMs: number,
  containers: StatusReport['containers'],
  poison: PoisonSection,
  timer: LastPollRun | null = null,
  fleet: FleetSection | null = null,
): StatusReport {
  const counts = Object.fromEntries(LEDGER_STATES.map((s) => [s, 0])) as Record<LedgerState, number>;
  const failures: FailureEntry[] = [];
  const due: DueEntry[] = [];
  const stepFailures = new StepFailureCollector();
  let total = 0;
  for (const record of records) {
    total++;
    counts[record.state]++;
    if (FAILURE_STATES.includes(record.state)) failures.push(failureEntry(record));
    stepFailures.add(record);
    if (record.due !== undefined && !isTerminal(record.state) && Date.parse(record.due) <= nowMs) {
      due.push({ blob: record.source.name, state: record.state, due: record.due });
    }
  }
  failures.sort((a, b) => a.blob.localeCompare(b.blob));
  due.sort((a, b) => a.due.localeCompare(b.due) || a.blob.localeCompare(b.blob));
  return {
    generatedAt: new Date(nowMs).toISOString(),
    containers,
    total,
    counts,
    failures,
    due,
    stepFailures: stepFailures.summary(),
    poison,
    timer,
    fleet,
  };
}

/** The reason a record is where it is: its `failure`, or for `stuck` (which has none) its last history entry. */
export function failureReason(record: LedgerRecord): FailureReason {
  const failedAsset = record.assets.find((a) => a.errorType !== undefined || a.errorMessage !== undefined);
  const failure: LedgerFailure = record.failure ?? {
    kind: record.state,
    detail: record.history.at(-1)?.reason ?? `no progress since ${record.lastProgressAt}`,
  };
  return {
    kind: failure.kind,
    status: failure.status ?? null,
    detail: failure.detail,
    fields: (failure.fields ?? []).map(({ field, message }) => ({ field, message })),
    errorType: failure.errorType ?? failedAsset?.errorType ?? null,
  };
}

/** What an operator does about a record in each failure state. */
export function actionFor(record: LedgerRecord): string {
  const blob = quoteArg(record.source.name);
  switch (record.state) {
    case 'rejected':
      return `fix the file (or its Content-Type) as the reason says and upload it again, or fix it in place and run \`mediamagic-autosubmit resubmit ${blob}\``;
    case 'dead-lettered':
      return `MediaMagic could not process it; after fixing the cause, \`mediamagic-autosubmit resubmit ${blob}\` submits it again as a new version`;
    case 'blocked':
      return `fix the API key or the plan (the reason says which), then run \`mediamagic-autosubmit resubmit ${blob}\``;
    case 'stuck':
      if (!record.submissionId && record.submitAttempts === 0)
        return 'nothing was submitted yet, so the timer keeps trying it at its backoff: fix the cause the reason names (e.g. rehydrate an archived source blob) and it goes on by itself';
      return record.submissionId
        ? `no progress since ${record.lastProgressAt}; the timer keeps checking — look up submission ${record.submissionId} in MediaMagic (README: troubleshooting)`
        : `its submission id never arrived; find the submission in MediaMagic by blob path ${record.blobPath ?? '(none yet)'} and run \`mediamagic-autosubmit link ${blob} <submission id>\``;
    default:
      return isTerminal(record.state) ? 'nothing: it is finished' : 'nothing: the pipeline is working on it';
  }
}

/** A blob name as a shell argument: quoted when it has characters a shell would split or expand. */
export function quoteArg(name: string): string {
  return /^[\w./@%+=:,-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

function failureEntry(record: LedgerRecord): FailureEntry {
  return {
    blob: record.source.name,
    state: record.state,
    generation: record.generation,
    submissionId: record.submissionId ?? null,
    reason: failureReason(record),
    since: record.updatedAt,
    action: actionFor(record),
  };
}
