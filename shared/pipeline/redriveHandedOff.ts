/**
 * A hand-off message came back to the queue trigger (docs/design.md, "Hand-offs go back on the queue"): if
 * the record it names is still the `submit-pending` generation that was handed off, and due, drive it again
 * — as the timer would, and racing it safely: every drive writes the record with If-Match before each
 * create call, so of two drivers one goes on and the other stops (`lost-ownership`). Anything else means the
 * record moved on (the timer drove it, new content was claimed) or is not due; the message is dropped and the
 * ledger, which the timer follows, stays the truth.
 */
import { hostStopAt } from '../config/functionTimeout.js';
import type { HandOff } from '../events/handOffMessage.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { ProcessResult } from './processSourceBlob.js';
import { redriveSubmission } from './redriveSubmission.js';
import type { SubmitDeps } from './submitDeps.js';

/** What came of a queue message: a drive's result, or a hand-off whose record is not due (the timer has it). */
export type MessageResult = ProcessResult | { readonly kind: 'not-due'; readonly record: LedgerRecord };

/** Re-drives the record `handOff` names when it is still that handed-off generation, and due. */
export async function redriveHandedOff(deps: SubmitDeps, handOff: HandOff): Promise<MessageResult> {
  const stored = await deps.ledger.get(handOff.key);
  if (!stored) {
    deps.logger.info('hand-off for a ledger record that no longer exists; dropped', { key: handOff.key });
    return { kind: 'ignored', reason: `ledger record ${handOff.key} no longer exists` };
  }
  const { record } = stored;
  if (record.generation !== handOff.generation || record.state !== 'submit-pending') {
    deps.logger.info('hand-off already taken over; dropped', {
      blob: record.source.name,
      state: record.state,
      generation: record.generation,
      handedOffGeneration: handOff.generation,
    });
    return { kind: 'duplicate', record };
  }
  const startedAt = deps.clock.now();
  if (record.due === undefined || Date.parse(record.due) > startedAt) {
    // Due later than the message woke (another hand-off since, or a due beyond the queue's 7 days).
    deps.logger.info('hand-off not due yet; left to the timer', {
      blob: record.source.name,
      due: record.due,
    });
    return { kind: 'not-due', record };
  }
  return redriveSubmission(deps, record, startedAt + deps.settings.invocationBudgetMs, hostStopAt(startedAt));
}
