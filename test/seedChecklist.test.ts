import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from './support/memoryLogger.js';
import { MediaMagicClient } from '../shared/mediamagic/client.js';
import { createMediaMagicResilience } from '../shared/mediamagic/resilience.js';
import { validateBlob } from '../shared/validation/validateBlob.js';
import { AutoAdvanceClock } from './support/fakeClock.js';
import { sampleMedia } from './support/media.js';
import { ScriptedServer } from './support/scriptedServer.js';

/**
 * The "Error handling checklist" of MediaMagic's error-handling guide (docs/design.md,
 * "MediaMagic's error table"), one named test per point, each over a real socket.
 * (The pipeline-level proofs of the same points live in test/submission and test/tracking.)
 */
const KEY = 'sk_test_' + '0f'.repeat(32);
let server: ScriptedServer;
let clock: AutoAdvanceClock;
let logger: MemoryLogger;
let client: MediaMagicClient;

beforeEach(async () => {
  server = new ScriptedServer();
  clock = new AutoAdvanceClock();
  logger = new MemoryLogger();
  client = new MediaMagicClient({
    baseUrl: await server.start(),
    apiKey: KEY,
    logger,
    resilience: createMediaMagicResilience({
      clock,
      random: () => 0.5,
      backoff: { baseMs: 1_000, capMs: 30_000 },
    }),
    maxAttempts: 4,
  });
});
afterEach(async () => {
  await client.close();
  await server.stop();
});

describe("MediaMagic's error-handling checklist", () => {
  it('1. branches on response.status_code, then reads detail (or fields for 422)', async () => {
    server.sequence(
      { respond: 404, body: { detail: 'Submission not found' } },
      {
        respond: 422,
        body: { detail: 'Request validation failed', fields: [{ field: 'assets', message: 'required' }] },
      },
    );
    const notFound = await client.getSubmission('s-1');
    const invalid = await client.createSubmission({ assets: [] });
    expect(notFound).toMatchObject({
      ok: false,
      failure: { kind: 'not-found', status: 404, detail: 'Submission not found' },
    });
    expect(invalid).toMatchObject({
      kind: 'failed',
      failure: { kind: 'validation', fields: [{ field: 'assets', message: 'required' }] },
    });
  });

  it('2. retries only 429, 500 and 502 — never another 4xx', async () => {
    const seen: number[] = [];
    for (const status of [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502]) {
      server.seen.length = 0;
      server.sequence(
        { respond: status, body: status === 429 ? { error: 'Rate limit exceeded' } : { detail: 'x' } },
        { respond: 200, body: { submissionId: 's', status: 'complete', assets: [] } },
      );
      await client.getSubmission('s');
      if (server.seen.length > 1) seen.push(status);
    }
    expect(seen).toEqual([429, 500, 502]);
  });

  it('3. respects the Retry-After header on 429 responses', async () => {
    server.sequence(
      { respond: 429, headers: { 'retry-after': '17' }, body: { error: 'Rate limit exceeded' } },
      { respond: 200, body: { submissionId: 's', status: 'complete', assets: [] } },
    );
    await client.getSubmission('s');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(17_000);
  });

  it('4. uses exponential backoff with jitter for retries', async () => {
    server.sequence({ respond: 500, body: { detail: 'Storage error' } });
    await client.getSubmission('s');
    // Full jitter with random()=0.5 over 1 s · 2^n: half of 1, 2, 4 seconds.
    expect(clock.sleeps).toEqual([500, 1_000, 2_000]);
  });

  it('5. validates files client-side before uploading', () => {
    expect(
      validateBlob({
        name: 'clip.mp4',
        contentType: 'video/mp4',
        contentLength: 4096,
        firstBytes: sampleMedia('video/mp4'),
      }).ok,
    ).toBe(true);
    expect(
      validateBlob({
        name: 'clip.exe',
        contentType: 'application/x-msdownload',
        contentLength: 4096,
        firstBytes: sampleMedia('video/mp4'),
      }),
    ).toMatchObject({ ok: false, rejection: { kind: 'unsupported-type' } });
    expect(
      validateBlob({
        name: 'big.png',
        contentType: 'image/png',
        contentLength: 50 * 1024 ** 2 + 1,
        firstBytes: sampleMedia('image/png'),
      }),
    ).toMatchObject({ ok: false, rejection: { kind: 'too-large' } });
  });

  it('6. logs the status code and message with full context (and never the key)', async () => {
    server.sequence({ respond: 403, body: { detail: 'Invalid blob path' } });
    await client.createSubmission({ assets: [{ blobPath: 'other/x.mp4' }] });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.props).toMatchObject({
      status: 403,
      detail: 'Invalid blob path',
      method: 'POST',
      bucket: 'submission_write',
      attempt: 1,
    });
    expect(String(logger.lines[0]?.props?.url)).toMatch(/\/api\/integrations\/submissions$/);
    expect(logger.dump()).not.toContain(KEY);
  });

  it('7. guards against duplicate submissions client-side (no idempotency key)', async () => {
    server.sequence(
      { resetAfterRead: true },
      { respond: 201, body: { submissionId: 's', status: 'submitted', assets: [] } },
    );
    const outcome = await client.createSubmission({ assets: [{ blobPath: 'ws/x.mp4' }] });
    expect(outcome.kind).toBe('unconfirmed');
    expect(server.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('8. implements a circuit breaker for high-volume systems', async () => {
    server.sequence({ respond: 502, body: { detail: 'Failed to load' } });
    // Two calls of four attempts each: eight consecutive 502s, past the breaker's threshold of five.
    for (let i = 0; i < 2; i++) await client.getSubmission('s');
    const sent = server.seen.length;
    const refused = await client.getSubmission('s');
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'circuit-open' } });
    expect(server.seen.length).toBe(sent);
  });
});
