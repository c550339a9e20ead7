/**
 * The app's Blob service client, from either form of storage settings, with each try of every request
 * bounded on the client (./tryTimeout.ts).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { StorageSettings } from '../config/storageSettings.js';
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
  const { DefaultAzureCredential } = loadIdentity();
  const credential = new DefaultAzureCredential(
    storage.clientId ? { managedIdentityClientId: storage.clientId } : {},
  );
  return boundedStorageClient(
    (options) => new BlobServiceClient(storage.blobServiceUri, credential, options),
    tries,
  );
}

/**
 * Only identity deployments load `@azure/identity` (150–270 ms of imports, docs/benchmarks.md). A
 * `require`, not `import()`: `import()` picks the package's ESM build, which brings a second copy of the
 * Azure core packages the storage SDK already loaded (measured 600–800 ms instead of ~150 ms).
 */
function loadIdentity(): typeof import('@azure/identity') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the comment above
  return require('@azure/identity') as typeof import('@azure/identity');
}
