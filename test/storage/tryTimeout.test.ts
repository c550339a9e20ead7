/**
 * The client-side bound on each storage try, across real sockets: a server that accepts every request and
 * never answers (what a frozen Azurite looks like). Without the bound these calls never settle and the
 * tests time out.
 */
import { BlockBlobClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { copyToUploadUrl } from '../../shared/ingest/serverSideCopy.js';
import { createBlobService } from '../../shared/storage/blobService.js';
import {
  boundedStorageClient,
  TRY_TIMEOUT_CODE,
  type StorageTries,
} from '../../shared/storage/tryTimeout.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../devkit/azurite.js';
import { ScriptedServer } from '../support/scriptedServer.js';

/** Short tries, two of them, no retry delay to speak of. */
const TRIES: StorageTries = {
  tryTimeoutMs: 200,
  retry: { maxTries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
};

describe('storage tries are bounded on the client', () => {
  let server: ScriptedServer;
  let origin: string;

  beforeEach(async () => {
    server = new ScriptedServer().handle(() => ({ hang: true }));
    origin = await server.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  function connectionString(): string {
    return (
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${origin}/${AZURITE_ACCOUNT};`
    );
  }

  it('the app blob service (and clients derived from it) fails a silent server with ETIMEDOUT after retrying', async () => {
    const service = createBlobService(
      { kind: 'connection-string', connectionString: connectionString() },
      TRIES,
    );

    const error = await service
      .getContainerClient('ledger')
      .getProperties()
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'RestError', code: TRY_TIMEOUT_CODE });
    expect((error as Error).message).toMatch(
      /timed out.*within 200 ms \(GET http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/ledger\)/,
    );
    // The storage retry policy retried the timed-out try: the server saw both.
    expect(server.seen.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /devstoreaccount1/ledger',
      'GET /devstoreaccount1/ledger',
    ]);
  });

  it('keeps a SAS signature out of the timeout message', async () => {
    const url = `${origin}/${AZURITE_ACCOUNT}/upload/file.mp4?sv=2024-08-04&sp=cw&sig=SECRETSIGNATURE`;
    const blob = boundedStorageClient((options) => new BlockBlobClient(url, undefined, options), TRIES);

    const error = await blob.getProperties().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: TRY_TIMEOUT_CODE });
    expect(String((error as Error).message)).not.toContain('SECRETSIGNATURE');
  });

  it("leaves a caller's own abort an abort, not a timeout", async () => {
    const service = createBlobService(
      { kind: 'connection-string', connectionString: connectionString() },
      { ...TRIES, tryTimeoutMs: 20_000 },
    );

    const call = service
      .getContainerClient('ledger')
      .getProperties({ abortSignal: AbortSignal.timeout(100) });

    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.seen).toHaveLength(1);
  });

  it('a server-side copy to a silent upload URL fails as a retryable copy failure instead of hanging', async () => {
    const uploadUrl = `${origin}/${AZURITE_ACCOUNT}/upload/file.mp4?sv=2024-08-04&sp=cw&sig=x`;

    const result = await copyToUploadUrl(`${origin}/source/file.mp4?sig=y`, 1024, uploadUrl, {
      contentType: 'video/mp4',
      sourceEtag: '"0x1"',
      maxAttempts: 1,
      deadlineMs: Date.now() + 60_000,
      clock: systemClock,
      random: Math.random,
      tries: TRIES,
    });

    expect(result).toMatchObject({
      ok: false,
      failure: { kind: 'copy-failed', retryable: true, code: TRY_TIMEOUT_CODE },
    });
    expect(server.seen.map((r) => r.method)).toEqual(['PUT', 'PUT']);
  });

  it('bounds storage-queue clients the same way (the dev host and the event bridge use them)', async () => {
    const queues = boundedStorageClient(
      (options) =>
        QueueServiceClient.fromConnectionString(
          `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
            `QueueEndpoint=${origin}/${AZURITE_ACCOUNT};`,
          options,
        ),
      TRIES,
    );

    const error = await queues
      .getQueueClient('blob-created')
      .receiveMessages()
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: TRY_TIMEOUT_CODE });
    expect(server.seen).toHaveLength(2);
  });
});
