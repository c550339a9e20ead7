/**
 * The Queue service client the poison drain and `status` use, from each form of storage settings: the
 * queues live in the account `AzureWebJobsStorage` names, reached like its blobs.
 */
import { StorageSharedKeyCredential } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_STORAGE_CONNECTION_STRING } from '../../shared/config/connectionString.js';
import { createPoisonQueue } from '../../shared/poison/poisonQueue.js';
import { createQueueService } from '../../shared/storage/queueService.js';

/** The client's credential (protected on queue clients, public on blob clients). */
const credentialOf = (service: object): object | undefined => (service as { credential?: object }).credential;

describe('createQueueService', () => {
  it('uses the connection string: its queue endpoint and shared key', () => {
    const service = createQueueService({
      kind: 'connection-string',
      connectionString: DEVELOPMENT_STORAGE_CONNECTION_STRING,
    });

    expect(service.url).toBe('http://127.0.0.1:10001/devstoreaccount1');
    expect(credentialOf(service)).toBeInstanceOf(StorageSharedKeyCredential);
  });

  it('uses a managed identity (DefaultAzureCredential) against the queue service URI', () => {
    const service = createQueueService({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      clientId: '00000000-0000-0000-0000-000000000001',
    });

    expect(service.url).toBe('https://acct.queue.core.windows.net');
    expect(credentialOf(service)?.constructor.name).toBe('DefaultAzureCredential');
  });

  it('the poison queue is <BLOB_EVENTS_QUEUE>-poison in that account', () => {
    const queue = createPoisonQueue(
      {
        kind: 'identity',
        blobServiceUri: 'https://acct.blob.core.windows.net',
        queueServiceUri: 'https://acct.queue.core.windows.net',
      },
      'blob-created',
    );
    expect(queue.url).toBe('https://acct.queue.core.windows.net/blob-created-poison');
  });
});
