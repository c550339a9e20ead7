/**
 * Bounds a timer step that throws instead of returning a classified failure (docs/design.md, decision 13):
 * the record gets a growing `due` and a count of failures in a row (`stepFailures`), and after
 * {@link STEP_FAILURE_LIMIT} it goes `stuck` with an `ALERT:` line naming the blob and the reason. The next
 * run that works the record without throwing removes the count. Before this, a throw left the record due in
 * the past, so it was tried — and cost API reads — on every run, without limit and without an alert.
 */
import { isoTimestamp, type LedgerRecord, type LedgerStepFailures } from '../ledger/record.js';
import { Redactor } from '../logger.js';
import { moveRecord } from './moveRecord.js';
import type { PollDeps } from './pollDeps.js';
import { saveRecord } from './saveRecord.js';
import { STEP_FAILURE_LIMIT, stepFailureWaitMs } from './stepFailureWait.js';

/** How much of an error's message the record keeps: enough to act on, not a stack trace. */
const LAST_ERROR_LIMIT = 300;

/** Removes SAS signatures; the record is read by operators and tools, not only by the redacting logger. */
const redactor = new Redactor([]);

/**
 * Writes the failure of `record`'s step (read before the step ran) through {@link saveRecord}, so it lands
 * only if no other writer moved the record on meanwhile. Returns what happened, for the run summary:
 * `step-failed` (backoff written), `stuck` (the limit was reached) or how the write was lost — never
 * throwing for a lost write, so the run goes on.
 */
export async function recordStepFailure(
  deps: PollDeps,
  record: LedgerRecord,
  error: unknown,
): Promise<string> {
  const now = deps.clock.now();
  const count = (record.stepFailures?.count ?? 0) + 1;
  const stepFailures: LedgerStepFailures = {
    count,
    lastError: describe(error),
    lastAt: isoTimestamp(now),
  };
  const due = isoTimestamp(now + stepFailureWaitMs(count, deps.poll));
  const props = {
    blob: record.source.name,
    generation: record.generation,
    state: record.state,
    failures: count,
    due,
    error: stepFailures.lastError,
  };
  // `stuck` already alerted; it keeps its backoff and is followed again at `due`.
  if (count >= STEP_FAILURE_LIMIT && record.state !== 'stuck') {
    const reason = `its step failed ${count} timer runs in a row: ${stepFailures.lastError}`;
    deps.logger.error(`ALERT: ${record.source.name} is stuck: ${reason}`, props);
    const saved = await saveRecord(deps, record, 'stuck', reason, { stepFailures, due });
    return saved.kind === 'saved' ? 'stuck' : saved.kind;
  }
  deps.logger.warn('record step failed; it waits and is tried again', props);
  const saved = await saveRecord(deps, record, record.state, 'step failed', { stepFailures, due });
  return saved.kind === 'saved' ? 'step-failed' : saved.kind;
}

/**
 * Removes the count after a run worked `record` without throwing — whatever state the step left it in, as
 * long as it is the same generation. Returns whether it wrote.
 */
export async function clearStepFailures(deps: PollDeps, record: LedgerRecord): Promise<boolean> {
  const nowIso = isoTimestamp(deps.clock.now());
  const result = await deps.ledger.update(record.key, (current) =>
    current.generation === record.generation && current.stepFailures
      ? moveRecord(current, current.state, 'step succeeded', nowIso, { stepFailures: undefined })
      : undefined,
  );
  return result.kind === 'updated';
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redactor.text(text).slice(0, LAST_ERROR_LIMIT);
}
