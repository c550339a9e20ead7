import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { useAzurite } from './support/azurite.js';

describe('Azurite test harness', () => {
  const azurite = useAzurite();

  it('starts in memory on free ports and accepts create-only writes', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    const container = service.getContainerClient('smoke');
    await container.create();
    const blob = container.getBlockBlobClient('a.txt');
    await blob.upload('x', 1, { conditions: { ifNoneMatch: '*' } });
    await expect(blob.upload('y', 1, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({
      statusCode: 409,
    });
  });
});
