/**
 * The app's Blob service client from each form of storage settings. `@azure/identity` is loaded only for
 * the identity form (a lazy require, docs/benchmarks.md "Cold start"), so that path gets its own check.
 */
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_STORAGE_CONNECTION_STRING } from '../../shared/config/connectionString.js';
import { createBlobService } from '../../shared/storage/blobService.js';

describe('createBlobService', () => {
  it('uses the connection string: its blob endpoint and shared key', () => {
    const service = createBlobService({
      kind: 'connection-string',
      connectionString: DEVELOPMENT_STORAGE_CONNECTION_STRING,
    });

    expect(service.url).toBe('http://127.0.0.1:10000/devstoreaccount1');
    expect(service.credential).toBeInstanceOf(StorageSharedKeyCredential);
  });

  it('uses a managed identity (DefaultAzureCredential) against the blob service URI', () => {
    const service = createBlobService({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      clientId: '00000000-0000-0000-0000-000000000001',
    });

    expect(service.url).toBe('https://acct.blob.core.windows.net/');
    // By name: the test's own import of @azure/identity could resolve to its ESM build, a different class.
    expect(service.credential.constructor.name).toBe('DefaultAzureCredential');
    expect(typeof (service.credential as { getToken?: unknown }).getToken).toBe('function');
  });
});
