import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from './support/memoryLogger.js';
import { BUCKETS } from '../shared/mediamagic/buckets.js';
import { MediaMagicClient, type MediaMagicClientOptions } from '../shared/mediamagic/client.js';
import type { MediaMagicResilience } from '../shared/mediamagic/resilience.js';
import { BucketGates } from '../shared/resilience/bucketGate.js';
import { CircuitBreakers } from '../shared/resilience/circuitBreaker.js';
import { RetryBudget } from '../shared/resilience/retryBudget.js';
import { AutoAdvanceClock } from './support/fakeClock.js';
import { ScriptedServer } from './support/scriptedServer.js';

const KEY = 'sk_test_' + 'ab12'.repeat(16);
const CREATED = {
  submissionId: '550e8400-e29b-41d4-a716-446655440000',
  workflowId: 'asset-processing-1',
  ablyChannel: 'submission:550e8400-e29b-41d4-a716-446655440000',
  status: 'submitted',
  assets: [{ assetId: 'a1', versionGroupId: 'g1', versionNumber: 1 }],
};
const STATUS = { submissionId: CREATED.submissionId, workflowId: null, status: 'processing', assets: [] };
const SUBMIT = { assets: [{ blobPath: 'ws-1/clip.mp4' }] };

let server: ScriptedServer;
let clock: AutoAdvanceClock;
let logger: MemoryLogger;
let client: MediaMagicClient;

function makeDeps(overrides: Partial<MediaMagicResilience> = {}): MediaMagicResilience {
  return {
    clock,
    random: () => 0.5,
    gates: new BucketGates(BUCKETS, {}, clock),
    breakers: new CircuitBreakers({}, clock),
    budget: new RetryBudget({}, clock),
    backoff: { baseMs: 100, capMs: 2_000 },
    ...overrides,
  };
}

async function makeClient(options: Partial<MediaMagicClientOptions> = {}): Promise<MediaMagicClient> {
  const url = await server.start();
  client = new MediaMagicClient({
    baseUrl: url,
    apiKey: KEY,
    logger,
    resilience: makeDeps(),
    timeouts: { connectMs: 1_000, headersMs: 1_000, bodyMs: 1_000 },
    maxAttempts: 4,
    ...options,
  });
  return client;
}

beforeEach(() => {
  server = new ScriptedServer();
  clock = new AutoAdvanceClock();
  logger = new MemoryLogger();
});

afterEach(async () => {
  await client?.close();
  await server.stop();
});

describe('MediaMagicClient over a real socket', () => {
  it('sends X-API-Key, hits the exact path and parses the body', async () => {
    server.sequence({ respond: 200, body: STATUS });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: true, attempts: 1, value: { status: 'processing' } });
    expect(server.seen[0]).toMatchObject({
      method: 'GET',
      url: `/api/integrations/submissions/${CREATED.submissionId}`,
    });
    expect(server.seen[0]?.headers['x-api-key']).toBe(KEY);
  });

  it('honours Retry-After seconds on 429 as a floor, then succeeds', async () => {
    server.sequence(
      { respond: 429, headers: { 'retry-after': '7' }, body: { error: 'Rate limit exceeded' } },
      { respond: 200, body: STATUS },
    );
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: true, attempts: 2 });
    expect(server.seen).toHaveLength(2);
    const waited = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(7_000);
    expect(waited).toBeLessThanOrEqual(7_000 + 700 + 2_000);
  });

  it("honours Retry-After as an HTTP-date (measured against the server's Date header)", async () => {
    // The server stamps a real Date header, so the client's clock must agree with it for this test.
    clock = new AutoAdvanceClock(Date.now());
    const at = new Date(clock.now() + 12_000).toUTCString();
    server.sequence(
      { respond: 429, headers: { 'retry-after': at }, body: { error: 'Rate limit exceeded' } },
      { respond: 200, body: STATUS },
    );
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r.ok).toBe(true);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(11_000);
  });

  it('retries a 500/502 burst with jittered backoff and succeeds', async () => {
    server.sequence(
      { respond: 500, body: { detail: 'Storage error' } },
      { respond: 502, body: '<html><title>502 Bad Gateway</title></html>' },
      { respond: 200, body: STATUS },
    );
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: true, attempts: 3 });
    // full jitter with random()=0.5: 0.5×100, then 0.5×200
    expect(clock.sleeps).toEqual([50, 100]);
    const lines = logger.lines.filter((l) => l.message === 'MediaMagic request failed');
    expect(lines.map((l) => l.props?.status)).toEqual([500, 502]);
    expect(lines[0]?.props).toMatchObject({
      method: 'GET',
      bucket: 'submission_read',
      attempt: 1,
      detail: 'Storage error',
    });
  });

  it('gives up after maxAttempts on a persistent 500 and returns the classified failure', async () => {
    server.sequence({ respond: 500, body: { detail: 'Storage error' } });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({
      ok: false,
      attempts: 4,
      failure: { kind: 'server-error', detail: 'Storage error' },
    });
    expect(server.seen).toHaveLength(4);
  });

  it.each([
    [400, { detail: 'simulationDelaySeconds is only allowed with sandbox keys' }, 'bad-request'],
    [401, { detail: 'Invalid API key' }, 'unauthorized'],
    [
      402,
      {
        error_code: 'tier_not_authorized_for_integrations_api',
        message: 'No API',
        bucket: 'submission_read',
      },
      'plan-not-authorized',
    ],
    [403, { detail: 'Invalid blob path' }, 'forbidden'],
    [404, { detail: 'Submission not found' }, 'not-found'],
    [409, { detail: 'Asset error is not retryable' }, 'conflict'],
    [413, { detail: 'File too large' }, 'too-large'],
    [415, { detail: 'Unsupported content type' }, 'unsupported-type'],
    [422, { detail: 'Request validation failed', fields: [{ field: 'x', message: 'bad' }] }, 'validation'],
    [503, { detail: 'Service Unavailable' }, 'unexpected-status'],
  ])('never retries %i', async (status, body, kind) => {
    server.sequence({ respond: status, body });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: false, attempts: 1, failure: { kind, status } });
    expect(server.seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('a 200 with malformed JSON is an invalid-response, not a crash and not retried', async () => {
    server.sequence({
      respond: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"submissionId": ',
    });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({
      ok: false,
      failure: { kind: 'invalid-response', detail: 'the body is not JSON' },
    });
    expect(server.seen).toHaveLength(1);
  });

  it('a 201 missing submissionId is a classified schema mismatch', async () => {
    server.sequence({ respond: 201, body: { status: 'submitted', assets: [] } });
    await makeClient();
    const r = await client.createSubmission(SUBMIT);
    expect(r.kind).toBe('failed');
    if (r.kind !== 'failed') return;
    expect(r.failure.kind).toBe('invalid-response');
    expect(r.failure.message).toContain('submissionId');
  });

  it('accepts unknown extra fields and keeps them', async () => {
    server.sequence({ respond: 200, body: { ...STATUS, brandNewField: 42 } });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r.ok && (r.value as Record<string, unknown>).brandNewField).toBe(42);
  });

  it('retries a GET whose socket was reset before the request was read', async () => {
    server.sequence({ resetBeforeRead: true }, { respond: 200, body: STATUS });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: true, attempts: 2 });
  });

  it('retries a GET that hangs past the headers timeout', async () => {
    server.sequence({ hang: true }, { respond: 200, body: STATUS });
    await makeClient({ timeouts: { connectMs: 1_000, headersMs: 200, bodyMs: 1_000 } });
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: true, attempts: 2 });
    const warn = logger.lines.find((l) => l.props?.kind === 'timeout');
    expect(warn?.props).toMatchObject({ reach: 'maybe-sent' });
  });
});

describe('createSubmission — no duplicates without an idempotency key', () => {
  it('does NOT resend a POST whose response was lost after the server read it', async () => {
    server.sequence({ resetAfterRead: true }, { respond: 201, body: CREATED });
    await makeClient();
    const r = await client.createSubmission(SUBMIT);
    expect(r.kind).toBe('unconfirmed');
    expect(server.seen).toHaveLength(1);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual(SUBMIT);
  });

  it('does NOT resend a POST that hung past the headers timeout', async () => {
    server.sequence({ hang: true }, { respond: 201, body: CREATED });
    await makeClient({ timeouts: { connectMs: 1_000, headersMs: 200, bodyMs: 1_000 } });
    const r = await client.createSubmission(SUBMIT);
    expect(r.kind).toBe('unconfirmed');
    expect(server.seen).toHaveLength(1);
  });

  it('a 409 after an ambiguous 500 means our first attempt landed', async () => {
    server.sequence(
      { respond: 500, body: { detail: 'Storage error' } },
      { respond: 409, body: { detail: "Asset with blobPath 'ws-1/clip.mp4' already submitted" } },
    );
    await makeClient();
    const r = await client.createSubmission(SUBMIT);
    expect(r).toMatchObject({
      kind: 'already-submitted',
      ours: true,
      blobPath: 'ws-1/clip.mp4',
      attempts: 2,
    });
  });

  it('a 409 on the first attempt is already-submitted but not provably ours', async () => {
    server.sequence({
      respond: 409,
      body: { detail: "Asset with blobPath 'ws-1/clip.mp4' already submitted" },
    });
    await makeClient();
    const r = await client.createSubmission(SUBMIT);
    expect(r).toMatchObject({ kind: 'already-submitted', ours: false, attempts: 1 });
  });

  it('resends after 429 (not processed) and creates once', async () => {
    server.sequence(
      {
        respond: 429,
        headers: { 'retry-after': '1' },
        body: { error: 'Rate limit exceeded: too many submission writes' },
      },
      { respond: 201, body: CREATED },
    );
    await makeClient();
    const r = await client.createSubmission({ ...SUBMIT, simulationDelaySeconds: 3 });
    expect(r).toMatchObject({
      kind: 'created',
      attempts: 2,
      submission: { submissionId: CREATED.submissionId },
    });
    expect(server.seen[1]?.url).toBe('/api/integrations/submissions?simulationDelaySeconds=3');
  });

  it('resends a POST that was never sent (connection refused) once the server is up', async () => {
    const probe = new ScriptedServer();
    const url = await probe.start();
    const port = Number(new URL(url).port);
    await probe.stop();
    server.sequence({ respond: 201, body: CREATED });
    // The server comes up during the first backoff sleep, on the port that just refused us.
    const startingClock = new (class extends AutoAdvanceClock {
      override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
        await super.sleep(ms, signal);
        if (this.sleeps.length === 1) await server.start(port);
      }
    })();
    clock = startingClock;
    client = new MediaMagicClient({
      baseUrl: url,
      apiKey: KEY,
      logger,
      resilience: makeDeps(),
      timeouts: { connectMs: 1_000, headersMs: 1_000, bodyMs: 1_000 },
    });
    const r = await client.createSubmission(SUBMIT);
    expect(r).toMatchObject({ kind: 'created', attempts: 2 });
    expect(logger.lines[0]?.props).toMatchObject({ kind: 'network', reach: 'not-sent' });
    expect(server.seen).toHaveLength(1);
  });
});

describe('retryAsset', () => {
  it('posts to the retry path and reads 202', async () => {
    server.sequence({ respond: 202, body: CREATED });
    await makeClient();
    const r = await client.retryAsset('s-1', 'a-1');
    expect(r.kind).toBe('accepted');
    expect(server.seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/integrations/submissions/s-1/assets/a-1/retry',
    });
  });

  it('a 409 "retry in progress" after an ambiguous attempt is ours', async () => {
    server.sequence(
      { respond: 502, body: { detail: 'Bad gateway' } },
      { respond: 409, body: { detail: 'A retry is already in progress for this asset' } },
    );
    await makeClient();
    expect(await client.retryAsset('s-1', 'a-1')).toMatchObject({ kind: 'in-progress', ours: true });
  });
});

describe('deadline, breaker and gate', () => {
  it('returns retry-later instead of sleeping past the deadline', async () => {
    server.sequence({
      respond: 429,
      headers: { 'retry-after': '120' },
      body: { error: 'Rate limit exceeded' },
    });
    await makeClient();
    const deadlineMs = clock.now() + 60_000;
    const r = await client.getSubmission(CREATED.submissionId, { deadlineMs });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failure.kind).toBe('retry-later');
    if (r.failure.kind !== 'retry-later') return;
    expect(r.failure.retryAt).toBeGreaterThanOrEqual(clock.now() + 120_000);
    expect(r.failure.last?.kind).toBe('rate-limited');
    expect(server.seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('a 429 pauses the whole bucket for the next caller, but not other buckets', async () => {
    server.handle((req, n) =>
      n === 1
        ? { respond: 429, headers: { 'retry-after': '30' }, body: { error: 'Rate limit exceeded' } }
        : { respond: 200, body: req.url.includes('webhooks') ? [] : STATUS },
    );
    await makeClient({ maxAttempts: 1 });
    const first = await client.getSubmission(CREATED.submissionId);
    expect(first).toMatchObject({ ok: false, failure: { kind: 'rate-limited' } });
    expect(clock.sleeps).toEqual([]);
    // Another bucket goes straight through.
    expect((await client.listWebhookSubscriptions()).ok).toBe(true);
    expect(clock.sleeps).toEqual([]);
    // The same bucket waits out the pause before sending.
    expect((await client.getAsset('s', 'a')).ok).toBe(false);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(29_000);
  });

  it('opens the breaker after consecutive 5xx and fails fast without a request; 429s never trip it', async () => {
    server.sequence({
      respond: 429,
      headers: { 'retry-after': '1' },
      body: { error: 'Rate limit exceeded' },
    });
    const resilience = makeDeps();
    await makeClient({ maxAttempts: 1, resilience });
    for (let i = 0; i < 10; i++)
      await client.listWebhookDeliveries('sub', {}, { deadlineMs: clock.now() + 600_000 });
    expect(server.seen).toHaveLength(10);

    server.sequence({ respond: 500, body: { detail: 'Storage error' } });
    for (let i = 0; i < 5; i++) await client.getSubmission(CREATED.submissionId);
    const before = server.seen.length;
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r).toMatchObject({ ok: false, failure: { kind: 'circuit-open' } });
    expect(server.seen.length).toBe(before);
    // The send slot the gate granted before the breaker refused was handed back.
    expect(resilience.gates.get('submission_read').stats().inFlight).toBe(0);
  });

  it('does not spend the retry budget on retries after a 429 — only on retries after faults', async () => {
    const url = await server.start();
    const budget = new RetryBudget({ minTokens: 0, maxTokens: 1, ratio: 0, refillPerSecond: 0 }, clock);
    const resilience = makeDeps({ budget });
    client = new MediaMagicClient({ baseUrl: url, apiKey: KEY, logger, resilience, maxAttempts: 4 });
    const tooMany = { respond: 429, headers: { 'retry-after': '1' }, body: { error: 'Rate limit exceeded' } };
    server.sequence(tooMany, tooMany, { respond: 201, body: CREATED });
    expect(await client.createSubmission(SUBMIT)).toMatchObject({ kind: 'created', attempts: 3 });

    server.handle((_req, n) =>
      n === 4 ? { respond: 500, body: { detail: 'Storage error' } } : { respond: 201, body: CREATED },
    );
    const outcome = await client.createSubmission(SUBMIT);
    expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'budget-exhausted' } });
    expect(server.seen).toHaveLength(4);
    // Every send the gate granted was settled, including the one the budget then refused.
    expect(resilience.gates.get('submission_write').stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('never lets the API key reach a log line or a failure message, even when the server echoes it', async () => {
    server.sequence({ respond: 401, body: { detail: `Invalid API key ${KEY}` } });
    await makeClient();
    const r = await client.getSubmission(CREATED.submissionId);
    expect(r.ok).toBe(false);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.dump()).not.toContain(KEY);
    expect(JSON.stringify(r)).not.toContain(KEY);
    expect(JSON.stringify(r)).toContain('[REDACTED]');
  });
});

describe('webhook subscriptions and sandbox', () => {
  it('covers every subscription endpoint with the right verbs and paths', async () => {
    const sub = {
      id: 'sub-1',
      endpointUrl: 'https://x.example/hook',
      eventTypes: ['asset.processing.completed'],
      enabled: true,
    };
    server.handle((req) => {
      if (req.method === 'POST' && req.url === '/api/integrations/webhooks/subscriptions')
        return { respond: 201, body: { ...sub, secret: 'whsec_dGVzdA==' } };
      if (req.method === 'DELETE') return { respond: 204 };
      if (req.url.endsWith('/deliveries?status_filter=failed&limit=5'))
        return { respond: 200, body: { attempts: [], total: 0 } };
      if (req.method === 'PATCH') return { respond: 200, body: { ...sub, enabled: false } };
      if (req.url === '/api/integrations/webhooks/subscriptions') return { respond: 200, body: [sub] };
      if (req.url === '/api/integrations/sandbox/events/fire')
        return { respond: 200, body: { dispatched: 2 } };
      return { respond: 200, body: sub };
    });
    await makeClient();
    expect(
      await client.createWebhookSubscription({
        endpointUrl: sub.endpointUrl,
        eventTypes: ['asset.processing.completed'],
      }),
    ).toMatchObject({ ok: true, value: { secret: 'whsec_dGVzdA==' } });
    expect(await client.listWebhookSubscriptions()).toMatchObject({ ok: true, value: [{ id: 'sub-1' }] });
    expect(await client.getWebhookSubscription('sub-1')).toMatchObject({ ok: true, value: { id: 'sub-1' } });
    expect(await client.updateWebhookSubscription('sub-1', { enabled: false })).toMatchObject({
      ok: true,
      value: { enabled: false },
    });
    expect(await client.listWebhookDeliveries('sub-1', { statusFilter: 'failed', limit: 5 })).toMatchObject({
      ok: true,
      value: { total: 0 },
    });
    expect(await client.deleteWebhookSubscription('sub-1')).toMatchObject({ ok: true });
    expect(
      await client.fireSandboxEvent({ eventType: 'asset.processing.failed', submissionId: 's' }),
    ).toMatchObject({ ok: true, value: { dispatched: 2 } });
    expect(server.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /api/integrations/webhooks/subscriptions',
      'GET /api/integrations/webhooks/subscriptions',
      'GET /api/integrations/webhooks/subscriptions/sub-1',
      'PATCH /api/integrations/webhooks/subscriptions/sub-1',
      'GET /api/integrations/webhooks/subscriptions/sub-1/deliveries?status_filter=failed&limit=5',
      'DELETE /api/integrations/webhooks/subscriptions/sub-1',
      'POST /api/integrations/sandbox/events/fire',
    ]);
  });

  it('uploads a small file as multipart with a part named "file"', async () => {
    server.sequence({ respond: 201, body: { blobPath: 'ws-1/a.txt' } });
    await makeClient();
    const r = await client.uploadDirect({
      filename: 'a.txt',
      contentType: 'text/plain',
      data: new TextEncoder().encode('hello'),
    });
    expect(r).toMatchObject({ ok: true, value: { blobPath: 'ws-1/a.txt' } });
    expect(server.seen[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(server.seen[0]?.body).toContain('name="file"; filename="a.txt"');
    expect(server.seen[0]?.body).toContain('hello');
  });
});
