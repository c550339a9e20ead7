/**
 * The poison queue of the BlobCreated trigger: `<BLOB_EVENTS_QUEUE>-poison` in the account that
 * `AzureWebJobsStorage` names (where the Functions host keeps its trigger queues), reached the way the app
 * reaches its blobs.
 */
import { RestError, type QueueClient } from '@azure/storage-queue';
import { poisonQueueName } from '../config/eventsQueueName.js';
import type { StorageSettings } from '../config/storageSettings.js';
import { createQueueService } from '../storage/queueService.js';

/** The poison queue of `eventsQueue` (the `BLOB_EVENTS_QUEUE` setting). */
export function createPoisonQueue(storage: StorageSettings, eventsQueue: string): QueueClient {
  return createQueueService(storage).getQueueClient(poisonQueueName(eventsQueue));
}

/**
 * About how many messages wait in `queue` (the service's approximate count); 0 when the queue does not
 * exist, which is the normal case: the host creates it with the first message it gives up on.
 */
export async function poisonQueueDepth(queue: QueueClient): Promise<number> {
  try {
    return (await queue.getProperties()).approximateMessagesCount ?? 0;
  } catch (error) {
    if (isQueueMissing(error)) return 0;
    throw error;
  }
}

/** The error a queue operation gets when the queue does not exist. */
export function isQueueMissing(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}
