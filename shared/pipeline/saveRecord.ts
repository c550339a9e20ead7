/**
 * The one way pipeline steps write a record: an ETag-guarded update that applies only if no other step
 * moved the record since it was read, logs each state change once (structured), and mirrors the state
 * onto the source blob's tags so it shows in Storage Explorer.
 */
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import { isoTimestamp, type LedgerPatch, type LedgerRecord, type LedgerState } from '../ledger/record.js';
import type { Logger } from '../logger.js';
import { STATE_TAG, toTagValue, type SourceBlobs } from '../storage/sourceBlobs.js';
import { moveRecord } from './moveRecord.js';

/** What {@link saveRecord} needs. */
export interface SaveDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly source: SourceBlobs;
}

/**
 * Applies `to` + `patch` to the stored record if it is still the one we acted on: same generation, state,
 * submission and attempt count. Webhooks patch assets and event ids meanwhile; those changes are kept,
 * because the patch lands on the current record. Returns undefined when another step got there first.
 */
export async function saveRecord(
  deps: SaveDeps,
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  patch: LedgerPatch,
  progress = false,
): Promise<LedgerRecord | undefined> {
  const nowIso = isoTimestamp(deps.clock.now());
  const result = await deps.ledger.update(record.key, (current) =>
    current.generation === record.generation &&
    current.state === record.state &&
    current.submissionId === record.submissionId &&
    current.submitAttempts === record.submitAttempts
      ? moveRecord(current, to, reason, nowIso, patch, progress)
      : undefined,
  );
  if (result.kind !== 'updated') return undefined;
  if (record.state !== to) {
    deps.logger.info('ledger transition', {
      blob: record.source.name,
      generation: record.generation,
      from: record.state,
      to,
      reason,
      ...(result.record.submissionId ? { submissionId: result.record.submissionId } : {}),
    });
    await deps.source.setStateTags(record.source.name, { [STATE_TAG]: toTagValue(to) });
  }
  return result.record;
}
