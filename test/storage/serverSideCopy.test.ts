/**
 * The server-side copy against a real Azurite: pinned to the claimed source ETag, and stopped at once when
 * its drive aborts it — in both cases with nothing committed (docs/design.md, decision 4).
 */
import {
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  ContainerClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyToUploadUrl } from '../../shared/ingest/serverSideCopy.js';
import { AzureSourceBlobs } from '../../shared/storage/sourceBlobs.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type AzuriteInstance } from '../../devkit/azurite.js';
import { AutoAdvanceClock } from '../support/fakeClock.js';
import { ScriptedServer } from '../support/scriptedServer.js';

const BLOCK = 1024;
const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);

/** A SAS URL on `blob` in `container` with `permissions`, valid for an hour. */
function sasUrl(container: ContainerClient, blob: string, permissions: string): string {
  const url = container.getBlobClient(blob).url;
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container.containerName,
      blobName: blob,
      permissions: BlobSASPermissions.parse(permissions),
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + 3600_000),
      protocol: SASProtocol.HttpsAndHttp,
    },
    credential,
  );
  return `${url}?${sas.toString()}`;
}

describe('server-side copy over Azurite', () => {
  let azurite: AzuriteInstance;
  let source: ContainerClient;
  let target: ContainerClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    source = service.getContainerClient('source');
    target = service.getContainerClient('upload');
    await source.create();
    await target.create();
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  async function upload(name: string, fill: number, size = 4 * BLOCK): Promise<string> {
    const res = await source.getBlockBlobClient(name).uploadData(Buffer.alloc(size, fill));
    return res.etag ?? '';
  }

  it('copies every block and commits when the source still has the claimed ETag', async () => {
    const etag = await upload('same.bin', 1);
    const clock = new AutoAdvanceClock();

    const result = await copyToUploadUrl(
      sasUrl(source, 'same.bin', 'r'),
      4 * BLOCK,
      sasUrl(target, 'same.bin', 'cw'),
      {
        contentType: 'application/octet-stream',
        blockSizeBytes: BLOCK,
        sourceEtag: etag,
        deadlineMs: clock.now() + 60_000,
        clock,
        random: () => 0.5,
      },
    );

    expect(result).toEqual({ ok: true, blocks: 4, bytes: 4 * BLOCK });
    expect((await target.getBlobClient('same.bin').getProperties()).contentLength).toBe(4 * BLOCK);
  });

  it('sends the claimed ETag as x-ms-source-if-match on every Put Block From URL, and not on the commit', async () => {
    const server = new ScriptedServer().handle(() => ({ respond: 201 }));
    const origin = await server.start();
    try {
      const clock = new AutoAdvanceClock();
      const result = await copyToUploadUrl(
        `${origin}/source/x.bin?sig=y`,
        2 * BLOCK,
        `${origin}/${AZURITE_ACCOUNT}/upload/x.bin?sv=2024-08-04&sp=cw&sig=x`,
        {
          contentType: 'application/octet-stream',
          blockSizeBytes: BLOCK,
          concurrency: 1,
          sourceEtag: '"0xCLAIMED"',
          deadlineMs: clock.now() + 60_000,
          clock,
          random: () => 0.5,
        },
      );

      expect(result.ok).toBe(true);
      expect(server.seen.map((r) => r.headers['x-ms-source-if-match'])).toEqual([
        '"0xCLAIMED"',
        '"0xCLAIMED"',
        undefined,
      ]);
    } finally {
      await server.stop();
    }
  });

  it('an overwrite after the claim: the copy stops as source-changed and commits nothing', async () => {
    const claimed = await upload('overwritten.bin', 1);
    await upload('overwritten.bin', 2);
    const clock = new AutoAdvanceClock();

    const result = await copyToUploadUrl(
      sasUrl(source, 'overwritten.bin', 'r'),
      4 * BLOCK,
      sasUrl(target, 'overwritten.bin', 'cw'),
      {
        contentType: 'application/octet-stream',
        blockSizeBytes: BLOCK,
        concurrency: 1,
        sourceEtag: claimed,
        deadlineMs: clock.now() + 60_000,
        clock,
        random: () => 0.5,
      },
    );

    expect(result).toMatchObject({ ok: false, failure: { kind: 'source-changed', blocksStaged: 0 } });
    expect(await target.getBlobClient('overwritten.bin').exists()).toBe(false);
  });

  it('an abort mid-copy stops it at once: no further block is staged and nothing is committed', async () => {
    const etag = await upload('aborted.bin', 3);
    const clock = new AutoAdvanceClock();
    const controller = new AbortController();
    const real = new BlockBlobClient(sasUrl(target, 'aborted.bin', 'rcw'));
    // The drive's claim is lost once the first block has been staged.
    const stageBlockFromURL: BlockBlobClient['stageBlockFromURL'] = async (...args) => {
      const staged = await real.stageBlockFromURL(...args);
      controller.abort(new Error('the claim went to another drive'));
      return staged;
    };
    const watched = Object.assign(Object.create(real) as BlockBlobClient, { stageBlockFromURL });

    const result = await copyToUploadUrl(
      sasUrl(source, 'aborted.bin', 'r'),
      4 * BLOCK,
      sasUrl(target, 'aborted.bin', 'cw'),
      {
        contentType: 'application/octet-stream',
        blockSizeBytes: BLOCK,
        concurrency: 1,
        sourceEtag: etag,
        deadlineMs: clock.now() + 60_000,
        clock,
        random: () => 0.5,
        signal: controller.signal,
        target: watched,
      },
    );

    expect(result).toMatchObject({ ok: false, failure: { kind: 'aborted', blocksStaged: 1 } });
    if (!result.ok) expect(result.failure.message).toContain('the claim went to another drive');
    expect(await target.getBlobClient('aborted.bin').exists()).toBe(false);
    const blocks = await real.getBlockList('all');
    expect(blocks.uncommittedBlocks?.length).toBe(1);
    expect(blocks.committedBlocks?.length ?? 0).toBe(0);
  });

  it('the sniff read is pinned to the claimed ETag: an overwritten blob reads as changed', async () => {
    const claimed = await upload('sniffed.bin', 1, 64);
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const blobs = new AzureSourceBlobs(service, source, new AutoAdvanceClock());
    expect(await blobs.readHead('sniffed.bin', 16, claimed)).toEqual(new Uint8Array(16).fill(1));

    await upload('sniffed.bin', 2, 64);

    expect(await blobs.readHead('sniffed.bin', 16, claimed)).toBeUndefined();
    expect(await blobs.readHead('sniffed.bin', 16)).toEqual(new Uint8Array(16).fill(2));
  });
});
