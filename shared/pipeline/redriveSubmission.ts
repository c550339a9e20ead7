/**
 * Re-driving a submission: a claim whose invocation died, or a `submit-pending` record whose `due` came —
 * by the timer (pollDue.ts), or by the queue trigger when a hand-off it queued comes back (redriveHandedOff.ts).
 */
import type { LedgerRecord } from '../ledger/record.js';
import { processSourceBlob, type ProcessResult } from './processSourceBlob.js';
import { saveRecord, type SaveResult } from './saveRecord.js';
import { submitClaimed } from './submitClaimed.js';
import type { SubmitDeps } from './submitDeps.js';

/**
 * A claim whose invocation died, or a submission that must be retried: re-read the source. `hostStopMs` is when
 * the host would stop this run (its start plus the function timeout, less a margin): a copy stops before it. Gone → the
 * record is rejected with that reason (a person sees why nothing happened); new content → a new generation;
 * otherwise drive it again.
 */
export async function redriveSubmission(
  deps: SubmitDeps,
  record: LedgerRecord,
  deadlineMs: number,
  hostStopMs: number,
): Promise<ProcessResult> {
  const props = await deps.source.getProperties(record.source.name);
  if (!props) {
    const failure = {
      kind: 'source-missing',
      detail: `${record.source.name} was deleted before it could be submitted`,
    };
    return rejected(await saveRecord(deps, record, 'rejected', failure.detail, { failure }));
  }
  if (props.etag !== record.sourceEtag) {
    const next = await processSourceBlob(deps, record.source.name, { hostStopMs });
    if (next.kind !== 'ignored') return next;
    // Replaced by something never submitted (an append or page blob): no claim will ever take this record
    // over, so left as it is it would be re-driven on every run, forever, uncounted.
    const failure = {
      kind: 'source-replaced',
      detail: `${record.source.name} was replaced before it could be submitted: ${next.reason}`,
    };
    return rejected(await saveRecord(deps, record, 'rejected', failure.detail, { failure }));
  }
  return submitClaimed(deps, record, props, deadlineMs, hostStopMs);
}

function rejected(saved: SaveResult): ProcessResult {
  return saved.kind === 'saved' ? { kind: 'rejected', record: saved.record } : saved;
}
