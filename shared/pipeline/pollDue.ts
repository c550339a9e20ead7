/**
 * One timer run (docs/design.md, decision 9, "polling as the net"): work through the records whose `due` time
 * has come, by the tag index, with bounded concurrency and within a time budget, each by the step its state
 * calls for. Records not reached stay due for the next run; nothing is dropped. A step that throws gives
 * its record a growing backoff and, after a limit, `stuck` (stepFailure.ts; docs/design.md, decision 13).
 * Creates take at most half of the workers, so follow-ups never wait behind them (pollLanes.ts); while a
 * create holds the run open past its budget, the other workers go on with follow-ups (runWindow.ts); and
 * orphaned webhooks are reconciled beside the due work, not before it.
 */
import { hostStopAt } from '../config/functionTimeout.js';
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import { ATTRIBUTES, SPANS } from '../telemetry/names.js';
import { activeSpanContext, inSpan } from '../telemetry/telemetry.js';
import { followSubmission } from './followSubmission.js';
import type { PollDeps } from './pollDeps.js';
import { LookAgain } from './lookAgain.js';
import { DueKeys, laneOf, submitSlotsOf, type TakenKey } from './pollLanes.js';
import { reconcileOrphans, type OrphanSummary } from './reconcileOrphans.js';
import { reconcileUnconfirmed } from './reconcileUnconfirmed.js';
import { redriveSubmission } from './redriveSubmission.js';
import { RunWindow } from './runWindow.js';
import { saveRecord } from './saveRecord.js';
import { clearStepFailures, recordStepFailure } from './stepFailure.js';

/** What one run did, for the run's log line and for tests. */
export interface PollSummary {
  /** Due records the run had: found at its start, and in its looks again (lookAgain.ts). */
  readonly found: number;
  /** Records it drove a step (a create put back and not taken again is not counted). */
  readonly worked: number;
  /** Count of outcomes by `<state before>→<what happened>`. */
  readonly outcomes: Record<string, number>;
  /** Records still due when the budget ran out. */
  readonly leftForNextRun: number;
  /**
   * Records whose work threw this run (never rethrown): each got a growing backoff (or went `stuck` after
   * the limit), or — when even its record could not be read or that write failed — was left due.
   */
  readonly errors: number;
  /** Records whose lost submission id was recovered from an orphaned webhook this run. */
  readonly linkedOrphans: number;
  /** Orphaned webhooks applied late to records linked after they arrived. */
  readonly appliedOrphans: number;
  /** Orphaned webhooks one look proved another client's, and dropped. */
  readonly foreignOrphans: number;
  /** MediaMagic reads spent on orphans this run (capped: reconcileOrphans.ts). */
  readonly orphanApiReads: number;
  /**
   * Records another writer had moved on when this run came to write them (a webhook, an overlapping run, a
   * re-upload's new generation): not ours any more, nothing written. Routine when writers overlap.
   */
  readonly lostOwnership: number;
  /**
   * Records whose write lost every ETag race this run (`ledger-contention`): nothing written; they stay due
   * and a later run tries again. Many of these mean too many writers on the same records.
   */
  readonly ledgerContention: number;
  /**
   * The run stopped picking new work because MediaMagic refused the API key or plan (401/402): every call
   * would fail alike (docs/design.md, "MediaMagic's error table"). A lost write never sets it: that is one
   * record's news (`lostOwnership`, `ledgerContention`), not the key's.
   */
  readonly blocked: boolean;
}

/** What working on one record came to. */
interface Driven {
  /** The record's state when the run read it (`not-due` when it was not due after all). */
  readonly from: string;
  /**
   * What happened: the state it moved to, a step's outcome, or how its write was lost (`lost-ownership`,
   * `ledger-contention`).
   */
  readonly happened: string;
  /** Stop picking new work this run: only a refused key or plan, which fails every call alike. */
  readonly stopsRun: boolean;
  /** The source blob, when the record was read. */
  readonly blob?: string;
  /** The record's step threw; its backoff was written (or lost as `happened` says). */
  readonly threw?: boolean;
}

/** Runs one timer pass. */
export async function pollDue(deps: PollDeps): Promise<PollSummary> {
  const startedAt = deps.clock.now();
  const deadlineMs = startedAt + deps.poll.budgetMs;
  const due = new DueKeys([], submitSlotsOf(deps.poll.concurrency));
  // A create may end up to one invocation budget past the run's (submitClaimed.ts), within the host's timeout.
  const hostStopMs = hostStopAt(startedAt);
  const tailEndMs = Math.min(deadlineMs + deps.settings.invocationBudgetMs, hostStopMs);
  const window = new RunWindow(() => deps.clock.now(), due, deadlineMs, Math.max(deadlineMs, tailEndMs));
  const looks = new LookAgain(deps, due, window);
  // Beside the due work, records whose submission id only a webhook could tell us: linking them makes them
  // due now, and a look again is owed for them. Not before it: one orphan's read retried after a 5xx held
  // every worker of the chaos soak's runs for 3–4 s.
  let orphansSettled = false;
  const orphansRun = settleOrphans(deps, deadlineMs).then((summary) => {
    orphansSettled = true;
    // An idle worker waiting only for the orphans ends, or looks again at once for what they made due.
    if (summary.linked + summary.applied > 0) looks.madeDue();
    else looks.workDone();
    return summary;
  });
  try {
    due.add(await deps.ledger.findDue(isoTimestamp(deps.clock.now()), deps.poll.batchSize));
  } catch (error) {
    await orphansRun;
    throw error;
  }
  const outcomes: Record<string, number> = {};
  let worked = 0;
  let errors = 0;
  let lostOwnership = 0;
  let ledgerContention = 0;
  let blocked = false;
  let busy = 0;

  const worker = async (): Promise<void> => {
    // Leave time for the last records' own calls: stop picking new work near the end of the budget — or,
    // while a create holds the run open past it, of that tail, with follow-ups only (runWindow.ts).
    while (!blocked && window.mayPick()) {
      const taken = due.take();
      if (!taken) {
        // Nothing to take: done, unless other workers keep the run going (creates at a slow gate), or the
        // orphans are still being linked — then what comes due meanwhile is this run's too (lookAgain.ts).
        if ((busy === 0 && orphansSettled && !looks.lookOwed) || !(await looks.look())) return;
        continue;
      }
      const { key } = taken;
      busy++;
      try {
        const driven = await workOn(deps, taken, due, { deadlineMs: window.deadlineMs(), hostStopMs });
        if (driven === 'deferred') continue;
        worked++;
        if (driven.threw) errors++;
        const outcome = `${driven.from}→${driven.happened}`;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (driven.happened === 'lost-ownership') lostOwnership++;
        if (driven.happened === 'ledger-contention') ledgerContention++;
        if (driven.stopsRun && !blocked) {
          blocked = true;
          deps.logger.error('ALERT: MediaMagic refused the API key or plan; the timer run stops', {
            key,
            ...(driven.blob !== undefined ? { blob: driven.blob } : {}),
            from: driven.from,
            leftForNextRun: due.left,
          });
        }
      } catch (error) {
        errors++;
        deps.logger.error('record could not be read, or its failure written, this run; it stays due', {
          key,
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        busy--;
        looks.workDone();
      }
    }
  };
  // Every worker, even with fewer keys than workers: a run kept going finds more (lookAgain.ts).
  await Promise.all(Array.from({ length: Math.max(1, deps.poll.concurrency) }, worker));
  const orphans = await orphansRun;
  return {
    found: due.found,
    worked,
    outcomes,
    leftForNextRun: due.left,
    errors,
    linkedOrphans: orphans.linked,
    appliedOrphans: orphans.applied,
    foreignOrphans: orphans.foreign,
    orphanApiReads: orphans.apiReads,
    lostOwnership,
    ledgerContention,
    blocked,
  };
}

/**
 * When a step picked now must end (the run's budget, or in its tail the tail's end: runWindow.ts), and when
 * the host's function timeout would stop the run (`hostStopAt`), which bounds a create's own extension.
 */
interface StepTimes {
  readonly deadlineMs: number;
  readonly hostStopMs: number;
}

/**
 * {@link reconcileOrphans}, which handles its own failures; should it throw all the same, the run's due work
 * goes on and the orphans wait for the next run.
 */
async function settleOrphans(deps: PollDeps, deadlineMs: number): Promise<OrphanSummary> {
  try {
    return await reconcileOrphans(deps, deadlineMs);
  } catch (error) {
    deps.logger.warn('orphan webhooks could not be reconciled this run', {
      error: error instanceof Error ? error.message : String(error),
    });
    return { linked: 0, applied: 0, foreign: 0, apiReads: 0 };
  }
}

/**
 * Reads one due record and drives it, holding a submit slot while it drives a create — or, when the submit
 * lane is full, defers it (`deferred`: not worked on yet). A step that throws is bounded here, for every
 * state alike: its failure is counted on the record with a backoff (stepFailure.ts); a run that does not
 * throw removes the count. Only reading the record, or writing that failure, can still throw to the run's
 * catch.
 */
async function workOn(
  deps: PollDeps,
  taken: TakenKey,
  due: DueKeys,
  times: StepTimes,
): Promise<Driven | 'deferred'> {
  let holdsSlot = taken.holdsSubmitSlot;
  try {
    const stored = await deps.ledger.get(taken.key);
    // The tag index can lag writes: trust only the record itself.
    if (!stored?.record.due || Date.parse(stored.record.due) > deps.clock.now())
      return { from: 'not-due', happened: 'skipped', stopsRun: false };
    const record = stored.record;
    const creates = laneOf(record) === 'submit';
    if (holdsSlot && !creates) {
      // Deferred as a create, moved on since (a hand-off's message drove it): the slot is not needed.
      due.leaveSubmit();
      holdsSlot = false;
    } else if (creates && !holdsSlot) {
      if (!due.enterSubmit()) {
        due.defer(taken.key);
        return 'deferred';
      }
      holdsSlot = true;
    }
    return await driveInSpan(deps, record, times);
  } finally {
    if (holdsSlot) due.leaveSubmit();
  }
}

/** {@link workOn} once the record is read, due and in a free lane: drives it in the record's own trace. */
async function driveInSpan(deps: PollDeps, record: LedgerRecord, times: StepTimes): Promise<Driven> {
  // The record's own trace goes on (the one its claim started, in another process), linked to this run.
  const run = activeSpanContext();
  return inSpan(
    SPANS.pollRecord,
    {
      [ATTRIBUTES.blob]: record.source.name,
      [ATTRIBUTES.generation]: record.generation,
      [ATTRIBUTES.fromState]: record.state,
      ...(record.submissionId ? { [ATTRIBUTES.submissionId]: record.submissionId } : {}),
    },
    async (span) => {
      const driven = await workOnRecord(deps, record, times);
      span.setAttribute(ATTRIBUTES.outcome, driven.happened);
      return driven;
    },
    { parent: record.traceParent, ...(run ? { links: [run] } : {}) },
  );
}

/** {@link workOn} once the record is read and due. */
async function workOnRecord(deps: PollDeps, record: LedgerRecord, times: StepTimes): Promise<Driven> {
  let driven: Driven;
  try {
    driven = await driveRecord(deps, record, times);
  } catch (error) {
    const happened = await recordStepFailure(deps, record, error);
    return { from: record.state, happened, stopsRun: false, blob: record.source.name, threw: true };
  }
  if (record.stepFailures) {
    try {
      await clearStepFailures(deps, record);
    } catch (error) {
      // The step itself went through; a count left behind only shortens the way to the next alert.
      deps.logger.warn('could not clear the step failure count', {
        blob: record.source.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return driven;
}

/** Works on one due record according to its state. */
async function driveRecord(deps: PollDeps, record: LedgerRecord, times: StepTimes): Promise<Driven> {
  const { deadlineMs, hostStopMs } = times;
  // A bad key or plan fails every call alike: a blocked record stops the run instead of hammering with it.
  const label = (happened: string): Driven => ({
    from: record.state,
    happened,
    stopsRun: happened === 'blocked',
    blob: record.source.name,
  });

  // Unconfirmed records have their own stuck step (reconcileUnconfirmed), whose alert says what to do.
  if (
    isStalled(deps, record) &&
    record.state !== 'stuck' &&
    record.state !== 'claimed' &&
    record.state !== 'submit-pending' &&
    record.state !== 'submitted-unconfirmed'
  ) {
    deps.logger.error('ALERT: no progress beyond the stuck threshold', {
      blob: record.source.name,
      state: record.state,
      submissionId: record.submissionId,
      since: record.lastProgressAt,
    });
    const stuck = await saveRecord(deps, record, 'stuck', `no progress since ${record.lastProgressAt}`, {});
    return label(stuck.kind === 'saved' ? 'stuck' : stuck.kind);
  }

  switch (record.state) {
    case 'claimed':
    case 'submit-pending':
      return label((await redriveSubmission(deps, record, deadlineMs, hostStopMs)).kind);
    case 'submitted':
    case 'retry-pending':
      return label(await follow(deps, record, deadlineMs));
    case 'submitted-unconfirmed':
      return label((await reconcileUnconfirmed(deps, record, deadlineMs)).kind);
    case 'stuck':
      if (record.submissionId) return label(await follow(deps, record, deadlineMs));
      // No create call was ever made for this generation (the count is written before each one), so none
      // can exist: driving it again is safe, and it is how a record stuck on its source (an archived blob,
      // a storage outage) picks up by itself once the cause is fixed. Reconciling it instead would alert
      // "creation never confirmed" about a submission that was never attempted, and never end.
      if (record.submitAttempts === 0)
        return label((await redriveSubmission(deps, record, deadlineMs, hostStopMs)).kind);
      return label((await reconcileUnconfirmed(deps, record, deadlineMs)).kind);
    case 'blocked':
    case 'rejected':
    case 'complete':
    case 'dead-lettered':
      return label('skipped');
  }
}

/**
 * Follows a submitted record a step: the state it moved to, `blocked`, or how its write was lost. A lost
 * write (`lost-ownership`, `ledger-contention`) is this record's news only — someone else moved it, or it
 * stays due — so it never stops the run (docs/ledger.md, "Who moves a record").
 */
async function follow(deps: PollDeps, record: LedgerRecord, deadlineMs: number): Promise<string> {
  const followed = await followSubmission(deps, record, deadlineMs);
  // The saved record is the ledger's copy after the write: no read back.
  return followed.kind === 'updated' ? followed.record.state : followed.kind;
}

function isStalled(deps: PollDeps, record: LedgerRecord): boolean {
  return deps.clock.now() - Date.parse(record.lastProgressAt) > deps.poll.stuckAfterMs;
}
