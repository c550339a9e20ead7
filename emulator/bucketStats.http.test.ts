/**
 * `handle.bucketStats()` over real HTTP: every route's answers counted in its rate-limit bucket, split into
 * accepted (any answer but 429), refused by the bucket's limit, and refused by an injected 429 — what the
 * chaos soak samples every second to measure paced throughput per bucket (bench/soak/pacedThroughput.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAzurite } from '../test/support/azurite.js';
import { DEFAULT_SANDBOX_KEY } from './auth.js';
import { burst } from './faults.js';
import { startEmulator, type EmulatorHandle } from './server.js';
import { EmulatorClient } from './testkit.js';

const UNKNOWN_SUBMISSION = '/api/integrations/submissions/00000000-0000-4000-8000-000000000000';

const azurite = useAzurite();

describe('emulator: answers per rate-limit bucket', () => {
  let emulator: EmulatorHandle;
  let client: EmulatorClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      storageConnectionString: azurite.current.connectionString,
      seed: 7,
      // Two reads, then one token every 1,000 s: the third read within the test is refused by the limit.
      rates: { submission_read: { ratePerSecond: 0.001, burst: 2 } },
    });
    client = new EmulatorClient(emulator.url, DEFAULT_SANDBOX_KEY);
  });
  afterAll(() => emulator?.stop());

  it('starts at zero for every bucket', () => {
    const buckets = emulator.bucketStats();
    expect(Object.keys(buckets).sort()).toEqual(
      ['sandbox', 'submission_read', 'submission_write', 'upload', 'webhook_read', 'webhook_write'].sort(),
    );
    for (const counters of Object.values(buckets))
      expect(counters).toEqual({ answered: 0, accepted: 0, refusedByLimit: 0, refusedByFault: 0 });
  });

  it('counts accepted answers, limit 429s and injected 429s apart, in the route\u2019s own bucket', async () => {
    // Two injected 429s first (the limiter is not consulted for them), then a 500 fault: not a 429, so it
    // counts as accepted — the caller spent its turn on it.
    emulator.controls.faults.set([
      {
        route: 'submissions.get',
        sequence: [...burst({ kind: 'rateLimit' }, 2), { kind: 'status', status: 500 }],
      },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await client.get(UNKNOWN_SUBMISSION)).status);
    // 429 429 (injected), 500 (injected), 404 404 (two tokens), 429 (the limit).
    expect(statuses).toEqual([429, 429, 500, 404, 404, 429]);
    // An upload-bucket call and a request no route matches (counted nowhere by bucket).
    expect(
      (await client.post('/api/integrations/uploads/url', { filename: 'a.mp4', contentType: 'video/mp4' }))
        .status,
    ).toBe(200);
    expect((await client.get('/api/integrations/nowhere')).status).toBe(404);

    const buckets = emulator.bucketStats();
    expect(buckets.submission_read).toEqual({
      answered: 6,
      accepted: 3,
      refusedByLimit: 1,
      refusedByFault: 2,
    });
    expect(buckets.upload).toEqual({ answered: 1, accepted: 1, refusedByLimit: 0, refusedByFault: 0 });
    expect(buckets.submission_write.answered).toBe(0);
    // The same 429s as the stats document counts them, bucket by bucket.
    const stats = emulator.stats();
    expect(stats.rateLimited.byBucket.submission_read).toBe(1);
    expect(stats.rateLimited.injected).toBe(2);
  });

  it('counts a connection reset after processing as accepted, and restarts from zero on reset', async () => {
    const blobPath = await client.upload('reset.mp4', 'video/mp4');
    emulator.controls.faults.set([{ route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] }]);
    await expect(client.submit([blobPath])).rejects.toThrow();
    expect(emulator.bucketStats().submission_write).toEqual({
      answered: 1,
      accepted: 1,
      refusedByLimit: 0,
      refusedByFault: 0,
    });
    emulator.controls.stats.reset();
    expect(emulator.bucketStats().submission_write.answered).toBe(0);
  });
});
