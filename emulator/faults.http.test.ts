/**
 * Fault injection and rate limiting over real HTTP: injected 500/502/429/latency, connection resets
 * before and after processing (the lost-response case must leave exactly one submission), token
 * buckets per key and per bucket with `Retry-After`, and the runtime admin endpoints.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoAdvanceClock } from '../test/support/fakeClock.js';
import { useAzurite } from '../test/support/azurite.js';
import { DEFAULT_KEYS, DEFAULT_LIVE_KEY, DEFAULT_SANDBOX_KEY } from './auth.js';
import { burst } from './faults.js';
import { startEmulator, type EmulatorHandle } from './server.js';
import { EmulatorClient } from './testkit.js';

const SUBS = '/api/integrations/webhooks/subscriptions';
const UNKNOWN_SUBMISSION = '/api/integrations/submissions/00000000-0000-4000-8000-000000000000';

const azurite = useAzurite();

describe('emulator: fault injection', () => {
  let emulator: EmulatorHandle;
  let client: EmulatorClient;
  let n = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ storageConnectionString: azurite.current.connectionString, seed: 42 });
    client = new EmulatorClient(emulator.url, DEFAULT_SANDBOX_KEY);
  });
  afterAll(() => emulator?.stop());
  beforeEach(() => emulator.controls.faults.clear());

  it('injects scripted 500 and 502 answers with a {detail} body, then behaves normally', async () => {
    emulator.controls.faults.set([
      {
        route: 'webhooks.list',
        sequence: [{ kind: 'status', status: 500 }, { kind: 'status', status: 502 }, null],
      },
    ]);
    const first = await client.get(SUBS);
    expect(first.status).toBe(500);
    expect(first.body).toEqual({ detail: expect.any(String) as string });
    expect((await client.get(SUBS)).status).toBe(502);
    expect((await client.get(SUBS)).status).toBe(200);
    expect((await client.get(SUBS)).status).toBe(200);
    expect(emulator.controls.faults.list()[0]?.used).toBe(3);
  });

  it('injects a 429 burst with the bucket message and Retry-After, counted as injected 429s', async () => {
    const before = emulator.stats().rateLimited;
    emulator.controls.faults.add({
      route: 'submissions.get',
      sequence: burst({ kind: 'rateLimit', retryAfterSeconds: 2 }, 3),
    });
    for (let i = 0; i < 3; i++) {
      const response = await client.get(UNKNOWN_SUBMISSION);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.body).toEqual({ error: 'Rate limit exceeded: too many submission reads' });
    }
    expect((await client.get(UNKNOWN_SUBMISSION)).status).toBe(404);
    const after = emulator.stats().rateLimited;
    expect(after.injected - before.injected).toBe(3);
    expect(after.total - before.total).toBe(3);
  });

  it('adds latency and still answers', async () => {
    emulator.controls.faults.add({ route: '*', fault: { kind: 'latency', ms: 200 }, times: 1 });
    const started = Date.now();
    expect((await client.get(SUBS)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('applies probability rules with the seeded random, capped by times', async () => {
    emulator.controls.faults.add({
      route: 'webhooks.list',
      fault: { kind: 'status', status: 503 },
      probability: 0.5,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await client.get(SUBS)).status);
    expect(statuses).toContain(503);
    expect(statuses).toContain(200);
    emulator.controls.faults.set([
      { route: 'webhooks.list', fault: { kind: 'status', status: 500 }, times: 2 },
    ]);
    const capped = [];
    for (let i = 0; i < 4; i++) capped.push((await client.get(SUBS)).status);
    expect(capped).toEqual([500, 500, 200, 200]);
  });

  it('resets the connection before processing: nothing is created and a retry succeeds', async () => {
    const blobPath = await client.upload(`before-${++n}.mp4`, 'video/mp4');
    emulator.controls.faults.add({ route: 'submissions.create', sequence: [{ kind: 'resetBefore' }] });
    await expect(client.submit([blobPath])).rejects.toThrow();
    expect(emulator.stats().submissionsByBlobPath[blobPath]).toBeUndefined();
    const retried = await client.submit<{ submissionId: string }>([blobPath]);
    expect(retried.status).toBe(201);
    expect(emulator.stats().submissionsByBlobPath[blobPath]).toBe(1);
    const id = retried.body.submissionId;
    // Handed to the client; the time is when it was, for the soak's verdict (bench/soak/handOver.ts).
    await vi.waitFor(() => expect(emulator.stats().creationsAnsweredAt[id]).toBeGreaterThan(0));
  });

  it('resets the connection after creating: the submission exists once and a blind retry gets 409', async () => {
    const blobPath = await client.upload(`after-${++n}.mp4`, 'video/mp4');
    const before = emulator.stats();
    emulator.controls.faults.add({ route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] });
    await expect(client.submit([blobPath])).rejects.toThrow();
    const afterReset = emulator.stats();
    expect(afterReset.submissionsByBlobPath[blobPath]).toBe(1);
    expect(afterReset.submissions.created - before.submissions.created).toBe(1);
    expect(afterReset.routes['POST /api/integrations/submissions']?.byStatus.reset).toBeGreaterThanOrEqual(1);
    const lost = afterReset.lostCreations.filter((id) => !before.lostCreations.includes(id));
    const created = emulator.controls.processing
      .submissions()
      .find((s) => s.assets.some((a) => a.blobPath === blobPath));
    expect(lost).toEqual([created?.submissionId]);
    // Lost, so never counted as handed to the client.
    expect(afterReset.creationsAnsweredAt[created?.submissionId ?? '']).toBeUndefined();

    const retried = await client.submit([blobPath]);
    expect(retried.status).toBe(409);
    const final = emulator.stats();
    expect(final.submissionsByBlobPath[blobPath]).toBe(1);
    expect(final.duplicates409 - before.duplicates409).toBe(1);
    expect(final.duplicateBlobPaths).toEqual([]);
    expect(final.faults.byKind.resetAfter).toBeGreaterThanOrEqual(1);
  });

  it('lets the admin endpoints replace faults and rates at runtime, rejecting bad rules with 422', async () => {
    const put = (path: string, json: unknown) => client.request('PUT', path, { json, key: null });
    expect(
      (
        await put('/_emulator/faults', [
          { route: 'webhooks.list', sequence: [{ kind: 'status', status: 502 }] },
        ])
      ).status,
    ).toBe(204);
    expect((await client.get(SUBS)).status).toBe(502);
    expect((await put('/_emulator/faults', [{ route: 'nope', fault: { kind: 'resetBefore' } }])).status).toBe(
      422,
    );
    expect((await put('/_emulator/faults', [{ route: '*', fault: { kind: 'boom' } }])).status).toBe(422);
    expect((await put('/_emulator/rates', { webhook_read: { ratePerSecond: 1, burst: 1 } })).status).toBe(
      204,
    );
    expect((await client.get(SUBS)).status).toBe(200);
    expect((await client.get(SUBS)).status).toBe(429);
    expect((await put('/_emulator/rates', {})).status).toBe(204);
    expect((await client.get(SUBS)).status).toBe(200);
    expect((await client.get('/_emulator/nope', { key: null })).status).toBe(404);
  });
});

describe('emulator: rate limiting (token bucket per key per bucket)', () => {
  const clock = new AutoAdvanceClock();
  let emulator: EmulatorHandle;
  let sandbox: EmulatorClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      storageConnectionString: azurite.current.connectionString,
      keys: DEFAULT_KEYS,
      clock,
      rates: {
        submission_read: { ratePerSecond: 0.5, burst: 2 },
        webhook_read: { ratePerSecond: 10, burst: 1 },
      },
    });
    sandbox = new EmulatorClient(emulator.url, DEFAULT_SANDBOX_KEY);
  });
  afterAll(() => emulator?.stop());

  it('allows the burst, then answers 429 with the bucket message and a whole-second Retry-After', async () => {
    expect((await sandbox.get(UNKNOWN_SUBMISSION)).status).toBe(404);
    expect((await sandbox.get(UNKNOWN_SUBMISSION)).status).toBe(404);
    const limited = await sandbox.get(UNKNOWN_SUBMISSION);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'Rate limit exceeded: too many submission reads' });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-limit')).toBeNull();

    // Buckets and keys are independent.
    expect((await sandbox.get(SUBS)).status).toBe(200);
    expect((await sandbox.get(UNKNOWN_SUBMISSION, { key: DEFAULT_LIVE_KEY })).status).toBe(404);

    // Waiting Retry-After seconds (on the emulator's clock) refills one token.
    clock.advance(1000);
    expect((await sandbox.get(UNKNOWN_SUBMISSION)).headers.get('retry-after')).toBe('1');
    clock.advance(1000);
    expect((await sandbox.get(UNKNOWN_SUBMISSION)).status).toBe(404);
    expect(emulator.stats().rateLimited.byBucket.submission_read).toBe(2);
  });

  it('rounds sub-second waits up to Retry-After: 1 and refills at the configured rate', async () => {
    expect((await sandbox.get(SUBS)).status).toBe(200);
    const limited = await sandbox.get(SUBS);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toEqual({ error: 'Rate limit exceeded: too many webhook reads' });
    clock.advance(100);
    expect((await sandbox.get(SUBS)).status).toBe(200);
  });

  it('checks auth before the rate limit (a 401 does not consume or report 429)', async () => {
    emulator.controls.rates.set({ webhook_read: { ratePerSecond: 1, burst: 1 } });
    for (let i = 0; i < 3; i++) expect((await sandbox.get(SUBS, { key: null })).status).toBe(401);
    expect((await sandbox.get(SUBS)).status).toBe(200);
  });
});
