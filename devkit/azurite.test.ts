import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT, startAzurite, type AzuriteInstance } from './azurite.js';

describe('startAzurite', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it('starts in memory on free ports and names all three services in its connection string', () => {
    for (const endpoint of [azurite.blobEndpoint, azurite.queueEndpoint, azurite.tableEndpoint]) {
      expect(endpoint).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${AZURITE_ACCOUNT}$`));
    }
    expect(new Set([azurite.blobEndpoint, azurite.queueEndpoint, azurite.tableEndpoint]).size).toBe(3);
    expect(azurite.connectionString).toContain(`BlobEndpoint=${azurite.blobEndpoint};`);
    expect(azurite.connectionString).toContain(`QueueEndpoint=${azurite.queueEndpoint};`);
  });

  it('accepts create-only writes (the ledger relies on If-None-Match: *)', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient('smoke');
    await container.create();
    const blob = container.getBlockBlobClient('a.txt');
    await blob.upload('x', 1, { conditions: { ifNoneMatch: '*' } });
    await expect(blob.upload('y', 1, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('stops for good, and a second stop is harmless', async () => {
    const other = await startAzurite();
    await other.stop();
    await other.stop();
    const blobs = BlobServiceClient.fromConnectionString(other.connectionString, {
      retryOptions: { maxTries: 1 },
    });
    await expect(blobs.getProperties()).rejects.toThrow();
  });
});
