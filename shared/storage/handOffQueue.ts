/**
 * Where hand-offs wait for their due time (docs/design.md, "Hand-offs go back on the queue"): the port the
 * queue trigger writes through, and its adapter over a Storage queue — the BlobCreated trigger's own queue
 * (`BLOB_EVENTS_QUEUE`), so the message comes back to the same function when it turns visible.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../clock.js';
import { encodeHandOffMessage, type HandOff } from '../events/handOffMessage.js';

/** Where hand-offs wait for their due time. */
export interface HandOffQueue {
  /** Puts `handOff` on the queue, invisible until `dueMs` (epoch ms). Throws when the queue cannot be written. */
  wakeAt(handOff: HandOff, dueMs: number): Promise<void>;
}

/** The longest a Storage queue message may stay invisible: seven days, less a second. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 7 * 24 * 3600 - 1;

/**
 * Writes hand-off messages to `queue`. The message never expires (a time-to-live of -1): it is only a
 * wake-up, and one that outlives its record is read and dropped. Its invisibility is the time to `due`,
 * rounded up to whole seconds so that it never turns visible before the record is due; a due further away
 * than the queue allows turns visible early, and the handler leaves the record to the timer.
 */
export function createHandOffQueue(queue: QueueClient, clock: Clock): HandOffQueue {
  return {
    async wakeAt(handOff: HandOff, dueMs: number): Promise<void> {
      const seconds = Math.ceil((dueMs - clock.now()) / 1000);
      await queue.sendMessage(encodeHandOffMessage(handOff), {
        visibilityTimeout: Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.max(0, seconds)),
        messageTimeToLive: -1,
      });
    },
  };
}
