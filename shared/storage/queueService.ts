/**
 * A Queue service client for the app's storage account (the one `AzureWebJobsStorage` names, where the
 * Functions host keeps its trigger queues), from either form of storage settings, each try bounded like the
 * Blob client's (./tryTimeout.ts).
 */
import { QueueServiceClient } from '@azure/storage-queue';
import type { StorageSettings } from '../config/storageSettings.js';
import { storageCredential } from './loadIdentity.js';
import { boundedStorageClient, DEFAULT_STORAGE_TRIES, type StorageTries } from './tryTimeout.js';

/** A client for the queues of the storage account `storage` names; `tries` is a test seam. */
export function createQueueService(
  storage: StorageSettings,
  tries: StorageTries = DEFAULT_STORAGE_TRIES,
): QueueServiceClient {
  if (storage.kind === 'connection-string') {
    return boundedStorageClient(
      (options) => QueueServiceClient.fromConnectionString(storage.connectionString, options),
      tries,
    );
  }
  const credential = storageCredential(storage);
  return boundedStorageClient(
    (options) => new QueueServiceClient(storage.queueServiceUri, credential, options),
    tries,
  );
}
