import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { readJsonBlob } from '../../shared/storage/readJsonBlob.js';
import { useAzurite } from '../support/azurite.js';

describe('readJsonBlob (against Azurite)', () => {
  const azurite = useAzurite();

  it('tells an absent blob, a blob that is not JSON and a JSON document apart', async () => {
    const container = BlobServiceClient.fromConnectionString(
      azurite.current.connectionString,
    ).getContainerClient('json-docs');
    await container.createIfNotExists();
    await container.getBlockBlobClient('good.json').upload('{"a":[1,2]}', 11);
    await container.getBlockBlobClient('bad.json').upload('{"a":', 5);

    expect(await readJsonBlob(container, 'none.json')).toEqual({ kind: 'absent' });
    expect(await readJsonBlob(container, 'bad.json')).toEqual({ kind: 'not-json' });
    expect(await readJsonBlob(container, 'good.json')).toEqual({ kind: 'json', value: { a: [1, 2] } });
  });
});
