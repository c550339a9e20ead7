/**
 * Walks the error-handling guide's own flow against the emulator, written the way the guide's Python
 * samples are: upload through the presigned URL (PUT with `x-ms-blob-type: BlockBlob`), submit, poll,
 * pick failed assets by their per-asset `status`, retry those whose `isRetryable` is true, and retry
 * requests only on 429/500/502 while honouring `Retry-After` on 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAzurite } from '../test/support/azurite.js';
import { DEFAULT_SANDBOX_KEY } from './auth.js';
import { startEmulator, type EmulatorHandle } from './server.js';
import { EmulatorClient, SAMPLES, type ApiResponse } from './testkit.js';

const RETRYABLE = new Set([429, 500, 502]);

interface Asset {
  assetId: string;
  status: string;
  errorMessage: string | null;
  errorType: string | null;
  isRetryable: boolean;
  retryCount: number;
}
interface Submission {
  submissionId: string;
  status: string;
  assets: Asset[];
}

describe('the error-handling guide’s own flow', () => {
  const azurite = useAzurite();
  let emulator: EmulatorHandle;
  let client: EmulatorClient;
  const sleeps: number[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({
      storageConnectionString: azurite.current.connectionString,
      // One submission write per second: the retry right after the create is rate limited.
      rates: { submission_write: { ratePerSecond: 1, burst: 1 } },
      processing: { startDelayMs: 20, durationMs: 60 },
    });
    client = new EmulatorClient(emulator.url, DEFAULT_SANDBOX_KEY);
  });
  afterAll(() => emulator?.stop());

  /** The guide's `request_with_retries`: retry only 429/500/502; Retry-After on 429, else backoff. */
  async function requestWithRetries<T>(
    send: () => Promise<ApiResponse<T>>,
    maxRetries = 4,
  ): Promise<ApiResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      const response = await send();
      if (!RETRYABLE.has(response.status) || attempt === maxRetries - 1) return response;
      const retryAfter = response.headers.get('retry-after');
      const delayMs =
        response.status === 429 && retryAfter
          ? Number(retryAfter) * 1000
          : 50 * 2 ** attempt * (1 + Math.random() * 0.1);
      sleeps.push(delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** The guide's `get_failed_assets`: failed means per-asset `status == "failed"`. */
  async function getFailedAssets(submissionId: string): Promise<Asset[]> {
    const response = await requestWithRetries(() =>
      client.get<Submission>(`/api/integrations/submissions/${submissionId}`),
    );
    expect(response.status).toBe(200);
    return response.body.assets.filter((asset) => asset.status === 'failed');
  }

  async function pollUntilTerminal(submissionId: string): Promise<Submission> {
    for (;;) {
      const response = await requestWithRetries(() =>
        client.get<Submission>(`/api/integrations/submissions/${submissionId}`),
      );
      expect(response.status).toBe(200);
      if (response.body.status === 'complete' || response.body.status === 'failed') return response.body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('uploads, submits, retries the retryable failures and ends with one submission per file', async () => {
    // 1. Presigned upload: POST /uploads/url, then PUT the bytes with x-ms-blob-type: BlockBlob.
    const files = ['campaign-video.mp4', 'flaky-cut.mmfail-1.mp4', 'corrupt.mmfatal.mp4'];
    const blobPaths: string[] = [];
    for (const filename of files) {
      const presign = await requestWithRetries(() =>
        client.post<{ uploadUrl: string; blobPath: string; expiresAt: string }>(
          '/api/integrations/uploads/url',
          {
            filename,
            contentType: 'video/mp4',
          },
        ),
      );
      expect(presign.status).toBe(200);
      const put = await fetch(presign.body.uploadUrl, {
        method: 'PUT',
        headers: { 'x-ms-blob-type': 'BlockBlob' },
        body: SAMPLES['.mp4'] ?? null,
      });
      expect(put.status).toBe(201);
      blobPaths.push(presign.body.blobPath);
    }

    // 2. Submit (a 502 on the first status read exercises the backoff branch).
    emulator.controls.faults.add({ route: 'submissions.get', sequence: [{ kind: 'status', status: 502 }] });
    const created = await requestWithRetries(() =>
      client.post<{ submissionId: string; status: string }>('/api/integrations/submissions', {
        assets: blobPaths.map((blobPath) => ({ blobPath })),
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('submitted');
    const submissionId = created.body.submissionId;

    // 3. Poll, then read failed assets by per-asset status.
    const first = await pollUntilTerminal(submissionId);
    expect(first.status).toBe('failed');
    const failed = await getFailedAssets(submissionId);
    expect(failed).toHaveLength(2);
    for (const asset of failed) {
      expect(asset.errorMessage).toEqual(expect.any(String));
      expect(asset.errorType).toEqual(expect.any(String));
    }

    // 4. Retry only those with isRetryable; the first retry meets the 1/s write limit and waits Retry-After.
    const retryable = failed.filter((asset) => asset.isRetryable);
    expect(retryable).toHaveLength(1);
    for (const asset of retryable) {
      const retried = await requestWithRetries(() =>
        client.post(`/api/integrations/submissions/${submissionId}/assets/${asset.assetId}/retry`),
      );
      expect(retried.status).toBe(202);
    }
    expect(sleeps.some((ms) => ms === 1000)).toBe(true); // honoured Retry-After: 1
    expect(emulator.stats().rateLimited.byBucket.submission_write).toBeGreaterThanOrEqual(1);

    // 5. Converges: the flaky file completes, the corrupt one stays failed and not retryable.
    const final = await pollUntilTerminal(submissionId);
    const [video, flaky, corrupt] = final.assets;
    expect(video).toMatchObject({ status: 'complete' });
    expect(flaky).toMatchObject({ status: 'complete', retryCount: 1 });
    expect(corrupt).toMatchObject({ status: 'failed', isRetryable: false });
    expect(final.status).toBe('failed');

    // 6. The guide's duplicate note: a repeated submission is a 409, which is not retried.
    emulator.controls.rates.set({});
    const again = await requestWithRetries(() => client.submit([blobPaths[0] ?? '']));
    expect(again.status).toBe(409);
    const stats = emulator.stats();
    for (const blobPath of blobPaths) expect(stats.submissionsByBlobPath[blobPath]).toBe(1);
    expect(stats.duplicateBlobPaths).toEqual([]);
  });
});
