/**
 * The BlobCreated trigger's use case for one queue message: a BlobCreated event is claimed and driven
 * (processSourceBlob.ts); a hand-off message the trigger queued earlier re-drives its record
 * (redriveHandedOff.ts). Either way, a drive that ends handed off — a 429's pause or the breaker past the
 * invocation's deadline — is put back on the queue for its due time (docs/design.md, "Hand-offs go back on
 * the queue"), so the trigger's instances pick it up again rather than the timer alone.
 */
import { decodeQueueMessage } from '../events/decodeQueueMessage.js';
import { readHandOffMessage } from '../events/handOffMessage.js';
import { parseBlobCreatedMessage } from '../events/parseBlobCreated.js';
import type { LedgerRecord } from '../ledger/record.js';
import { processSourceBlob } from './processSourceBlob.js';
import { redriveHandedOff, type MessageResult } from './redriveHandedOff.js';
import type { SubmitDeps } from './submitDeps.js';

export type { MessageResult } from './redriveHandedOff.js';

/**
 * Handles one queue message. A message that is neither a committed block blob in the source container nor a
 * well-formed hand-off is logged and completed (returned as `ignored`): never a crash, never a poison loop.
 */
export async function handleBlobCreatedMessage(deps: SubmitDeps, message: unknown): Promise<MessageResult> {
  const result = await driveMessage(deps, message);
  if (result.kind === 'pending') await queueHandOff(deps, result.record);
  return result;
}

async function driveMessage(deps: SubmitDeps, message: unknown): Promise<MessageResult> {
  // Decoded once (base64, JSON): both readers take a decoded value as it is. One that does not decode goes
  // to the event parser as it came, for its reason.
  const decoded = decodeQueueMessage(message);
  const value = decoded.ok ? decoded.value : message;
  const handOff = readHandOffMessage(value);
  if (handOff.kind === 'hand-off') return redriveHandedOff(deps, handOff.handOff);
  if (handOff.kind === 'malformed') return ignored(deps, 'malformed-hand-off', handOff.reason);
  const parsed = parseBlobCreatedMessage(value, { sourceContainer: deps.settings.sourceContainer });
  if (parsed.kind === 'ignored') return ignored(deps, parsed.code, parsed.reason);
  const eventTimeMs = parsed.event.eventTime === undefined ? undefined : Date.parse(parsed.event.eventTime);
  return processSourceBlob(deps, parsed.event.blobName, {
    ...(eventTimeMs !== undefined ? { uploadedAtMs: eventTimeMs } : {}),
  });
}

/** A message completed without acting on it, with a warning that names why. */
function ignored(deps: SubmitDeps, code: string, reason: string): MessageResult {
  deps.logger.warn('queue message ignored', { code, reason });
  return { kind: 'ignored', reason };
}

/**
 * Puts a handed-off record back on the queue for its `due`. Nothing depends on it: the record is due in the
 * ledger, and the timer re-drives it then if this message never comes — so a queue that cannot be written
 * costs a warning, not the file.
 */
async function queueHandOff(deps: SubmitDeps, record: LedgerRecord): Promise<void> {
  if (deps.handOffs === undefined || record.due === undefined) return;
  const handOff = { key: record.key, generation: record.generation };
  try {
    await deps.handOffs.wakeAt(handOff, Date.parse(record.due));
  } catch (error) {
    deps.logger.warn('hand-off not queued; the timer re-drives the record when it is due', {
      blob: record.source.name,
      due: record.due,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
