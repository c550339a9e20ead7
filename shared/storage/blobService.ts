/**
 * The app's Blob service client, from either form of storage settings, with each try of every request
 * bounded on the client (./tryTimeout.ts).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { StorageSettings } from '../config/storageSettings.js';
import { storageCredential } from './loadIdentity.js';
import { boundedStorageClient, DEFAULT_STORAGE_TRIES, type StorageTries } from './tryTimeout.js';

/** A client for the storage account `storage` names; `tries` is a test seam. */
export function createBlobService(
  storage: StorageSettings,
  tries: StorageTries = DEFAULT_STORAGE_TRIES,
): BlobServiceClient {
  if (storage.kind === 'connection-string') {
    return boundedStorageClient(
      (options) => BlobServiceClient.fromConnectionString(storage.connectionString, options),
      tries,
    );
  }
  const credential = storageCredential(storage);
  return boundedStorageClient(
    (options) => new BlobServiceClient(storage.blobServiceUri, credential, options),
    tries,
  );
}
