/**
 * Webhook subscriptions, signed deliveries (verified with the independent `standardwebhooks` package),
 * retries, chaos knobs and the sandbox `events/fire` endpoint — over real HTTP, with a local receiver.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useAzurite } from '../test/support/azurite.js';
import { DEFAULT_KEYS, DEFAULT_LIVE_KEY, DEFAULT_SANDBOX_KEY, DEFAULT_WORKSPACE_ID } from './auth.js';
import { startEmulator, type EmulatorHandle } from './server.js';
import { EmulatorClient, pollSubmission } from './testkit.js';

const OTHER_WS = '33333333-4444-4555-8666-777777777777';
const OTHER_KEY = `sk_test_${'7'.repeat(64)}`;
const SUBS = '/api/integrations/webhooks/subscriptions';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

interface SubscriptionBody {
  id: string;
  secret?: string;
  enabled: boolean;
  [key: string]: unknown;
}

interface DeliveryEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** A local webhook receiver whose answers can be scripted per request. */
class Receiver {
  readonly received: Received[] = [];
  /** Status codes to answer, consumed in order; 204 once empty. */
  script: number[] = [];
  /** Delay before answering, in ms. */
  delayMs = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body, at: Date.now() });
        const status = this.script.shift() ?? 204;
        setTimeout(() => res.writeHead(status).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  reset(): void {
    this.received.length = 0;
    this.script = [];
    this.delayMs = 0;
  }

  events(): DeliveryEvent[] {
    return this.received.map((r) => JSON.parse(r.body) as DeliveryEvent);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('emulator: webhooks and sandbox events', () => {
  const azurite = useAzurite();
  const receiver = new Receiver();
  let emulator: EmulatorHandle;
  let client: EmulatorClient;
  let n = 0;

  beforeAll(async () => {
    await receiver.start();
    emulator = await startEmulator({
      storageConnectionString: azurite.current.connectionString,
      keys: [...DEFAULT_KEYS, { key: OTHER_KEY, workspaceId: OTHER_WS, status: 'active', tier: 'api' }],
      allowInsecureWebhookUrls: true,
      maxSubscriptionsPerWorkspace: 3,
      processing: { startDelayMs: 10, durationMs: 40 },
      webhooks: { retryScheduleMs: [50, 100, 150], timeoutMs: 1000 },
    });
    client = new EmulatorClient(emulator.url, DEFAULT_SANDBOX_KEY);
  });
  afterAll(async () => {
    await emulator?.stop();
    await receiver.stop();
  });
  beforeEach(() => receiver.reset());
  afterEach(async () => {
    // Each test starts with no subscriptions and no chaos.
    for (const s of emulator.controls.webhooks.subscriptions()) {
      const key = s.workspaceId === OTHER_WS ? OTHER_KEY : DEFAULT_SANDBOX_KEY;
      await client.request('DELETE', `${SUBS}/${s.id}`, { key });
    }
    emulator.controls.webhooks.setChaos({});
    emulator.controls.webhooks.setPolicy({ retryScheduleMs: [50, 100, 150], timeoutMs: 1000 });
  });

  const subscribe = async (
    eventTypes = ['asset.processing.completed', 'asset.processing.failed'],
    url = receiver.url,
  ) => {
    const response = await client.post<SubscriptionBody>(SUBS, {
      endpointUrl: url,
      eventTypes,
      description: 'tests',
    });
    expect(response.status, response.text).toBe(201);
    return response.body;
  };

  /** Uploads and submits files; waits for processing and deliveries to finish. */
  const submitAndSettle = async (...names: string[]) => {
    const paths: string[] = [];
    for (const name of names)
      paths.push(await client.upload(name.replace(/^([^.]*)/, `$1-${++n}`), 'video/mp4'));
    const created = await client.submit<{ submissionId: string; assets: { assetId: string }[] }>(paths);
    expect(created.status).toBe(201);
    await pollSubmission(client, created.body.submissionId);
    await emulator.controls.webhooks.idle();
    return created.body;
  };

  const verify = (secret: string, r: Received): DeliveryEvent =>
    new Webhook(secret).verify(r.body, {
      'webhook-id': String(r.headers['webhook-id']),
      'webhook-timestamp': String(r.headers['webhook-timestamp']),
      'webhook-signature': String(r.headers['webhook-signature']),
    }) as DeliveryEvent;

  describe('subscription CRUD', () => {
    it('creates with a whsec_ secret that no other response returns', async () => {
      const created = await subscribe(['asset.processing.completed']);
      expect(Object.keys(created).sort()).toEqual(
        [
          'createdAt',
          'description',
          'enabled',
          'endpointUrl',
          'eventTypes',
          'id',
          'secret',
          'updatedAt',
          'workspaceId',
        ].sort(),
      );
      expect(created).toMatchObject({
        workspaceId: DEFAULT_WORKSPACE_ID,
        endpointUrl: receiver.url,
        eventTypes: ['asset.processing.completed'],
        enabled: true,
        description: 'tests',
      });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

      const one = await client.get<SubscriptionBody>(`${SUBS}/${created.id}`);
      expect(one.status).toBe(200);
      expect(one.body.secret).toBeUndefined();
      const list = await client.get<SubscriptionBody[]>(SUBS);
      expect(list.body.map((s) => s.id)).toEqual([created.id]);
      expect(list.body[0]?.secret).toBeUndefined();
      const patched = await client.request<SubscriptionBody>('PATCH', `${SUBS}/${created.id}`, {
        json: { enabled: false },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: created.id, enabled: false });
      expect(patched.body.secret).toBeUndefined();
      const deleted = await client.request('DELETE', `${SUBS}/${created.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await client.get(`${SUBS}/${created.id}`)).status).toBe(404);
    });

    it('requires HTTPS (422) unless the URL is loopback and insecure URLs are allowed', async () => {
      expect(
        (
          await client.post(SUBS, {
            endpointUrl: 'https://hooks.example.com/x',
            eventTypes: ['asset.processing.failed'],
          })
        ).status,
      ).toBe(201);
      for (const endpointUrl of ['http://hooks.example.com/x', 'ftp://127.0.0.1/x', 'not a url']) {
        const response = await client.post(SUBS, { endpointUrl, eventTypes: ['asset.processing.failed'] });
        expect(response.status, endpointUrl).toBe(422);
        expect(response.body).toMatchObject({
          detail: 'Request validation failed',
          fields: [{ field: 'endpointUrl' }],
        });
      }
      const strict = await startEmulator({ storageConnectionString: azurite.current.connectionString });
      try {
        const strictClient = new EmulatorClient(strict.url, DEFAULT_SANDBOX_KEY);
        const loopback = await strictClient.post(SUBS, {
          endpointUrl: receiver.url,
          eventTypes: ['asset.processing.failed'],
        });
        expect(loopback.status).toBe(422);
      } finally {
        await strict.stop();
      }
    });

    it('answers 422 for bad bodies and when the workspace subscription limit is reached', async () => {
      for (const body of [
        {},
        { endpointUrl: receiver.url, eventTypes: [] },
        { endpointUrl: receiver.url, eventTypes: ['asset.created'] },
        { endpointUrl: receiver.url, eventTypes: ['asset.processing.failed'], secret: 'mine' },
      ]) {
        expect((await client.post(SUBS, body)).status, JSON.stringify(body)).toBe(422);
      }
      for (let i = 0; i < 3; i++) {
        expect(
          (
            await client.post(
              SUBS,
              { endpointUrl: receiver.url, eventTypes: ['asset.processing.failed'] },
              { key: OTHER_KEY },
            )
          ).status,
        ).toBe(201);
      }
      const over = await client.post(
        SUBS,
        { endpointUrl: receiver.url, eventTypes: ['asset.processing.failed'] },
        { key: OTHER_KEY },
      );
      expect(over.status).toBe(422);
      expect(over.body).toMatchObject({ detail: 'Request validation failed' });
    });

    it('answers 403 for another workspace, 404 for unknown ids, 422 for bad ids and PATCH bodies', async () => {
      const mine = await subscribe();
      for (const [method, suffix] of [
        ['GET', ''],
        ['PATCH', ''],
        ['DELETE', ''],
        ['GET', '/deliveries'],
      ] as const) {
        const json = method === 'PATCH' ? { json: { enabled: true } } : {};
        const response = await client.request(method, `${SUBS}/${mine.id}${suffix}`, {
          key: OTHER_KEY,
          ...json,
        });
        expect(response.status, `${method} ${suffix}`).toBe(403);
        expect(response.body).toEqual({ detail: 'Subscription belongs to a different workspace' });
      }
      const unknown = await client.get(`${SUBS}/00000000-0000-4000-8000-000000000000`);
      expect(unknown.status).toBe(404);
      expect((await client.get(`${SUBS}/xyz`)).status).toBe(422);
      const badPatch = await client.request('PATCH', `${SUBS}/${mine.id}`, { json: { enabled: 'yes' } });
      expect(badPatch.status).toBe(422);
      expect(badPatch.body).toMatchObject({ fields: [{ field: 'enabled' }] });
      const renamed = await client.request('PATCH', `${SUBS}/${mine.id}`, {
        json: { endpointUrl: 'https://x.example' },
      });
      expect(renamed.status).toBe(422);
    });
  });

  describe('deliveries', () => {
    it('delivers Standard Webhooks signed events that the standardwebhooks package verifies', async () => {
      const sub = await subscribe();
      const created = await submitAndSettle('ok.mp4', 'bad.mmfatal.mp4');
      expect(receiver.received).toHaveLength(2);
      const events = receiver.received.map((r) => verify(sub.secret ?? '', r));
      const completed = events.find((e) => e.type === 'asset.processing.completed');
      const failed = events.find((e) => e.type === 'asset.processing.failed');
      expect(completed?.data).toEqual({
        submission_id: created.submissionId,
        asset_id: created.assets[0]?.assetId,
        workspace_id: DEFAULT_WORKSPACE_ID,
        status: 'complete',
      });
      expect(failed?.data).toMatchObject({ asset_id: created.assets[1]?.assetId, status: 'failed' });
      expect(failed?.data.error_message).toEqual(expect.any(String));
      for (const r of receiver.received) {
        const event = JSON.parse(r.body) as DeliveryEvent;
        expect(r.headers['webhook-id']).toBe(event.id);
        expect(Number(r.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
        expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
        expect(r.headers['content-type']).toBe('application/json');
        expect(Object.keys(event).sort()).toEqual(['data', 'id', 'timestamp', 'type']);
      }
      // A tampered body or another secret fails verification.
      const first = receiver.received[0] as Received;
      expect(() =>
        verify(sub.secret ?? '', { ...first, body: first.body.replace('complete', 'failed') }),
      ).toThrow();
      expect(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, first)).toThrow();
    });

    it('sends only subscribed event types, and nothing to disabled subscriptions', async () => {
      await subscribe(['asset.processing.failed']);
      const off = await subscribe();
      await client.request('PATCH', `${SUBS}/${off.id}`, { json: { enabled: false } });
      await submitAndSettle('good.mp4', 'poor.mmfatal.mp4');
      expect(receiver.events().map((e) => e.type)).toEqual(['asset.processing.failed']);
    });

    it('retries non-2xx answers with backoff and lists attempts newest first', async () => {
      const sub = await subscribe(['asset.processing.completed']);
      receiver.script = [500, 503];
      await submitAndSettle('retry.mp4');
      expect(receiver.received).toHaveLength(3);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      const gaps = receiver.received.slice(1).map((r, i) => r.at - (receiver.received[i]?.at ?? 0));
      expect(gaps[0]).toBeGreaterThanOrEqual(45);
      expect(gaps[1]).toBeGreaterThanOrEqual(95);
      for (const r of receiver.received) verify(sub.secret ?? '', r);

      const all = await client.get<{
        attempts: { status: string; responseStatus: number; eventId: string }[];
        total: number;
      }>(`${SUBS}/${sub.id}/deliveries`);
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(3);
      expect(all.body.attempts.map((a) => [a.status, a.responseStatus])).toEqual([
        ['succeeded', 204],
        ['failed', 503],
        ['failed', 500],
      ]);
      expect(Object.keys(all.body.attempts[0] ?? {}).sort()).toEqual([
        'createdAt',
        'eventId',
        'id',
        'responseStatus',
        'status',
      ]);
      const failedOnly = await client.get<{ total: number }>(
        `${SUBS}/${sub.id}/deliveries?status_filter=failed`,
      );
      expect(failedOnly.body.total).toBe(2);
      const limited = await client.get<{ attempts: unknown[]; total: number }>(
        `${SUBS}/${sub.id}/deliveries?limit=1`,
      );
      expect(limited.body).toMatchObject({ total: 1 });
      for (const query of ['limit=0', 'limit=201', 'limit=x', 'status_filter=maybe']) {
        expect((await client.get(`${SUBS}/${sub.id}/deliveries?${query}`)).status, query).toBe(422);
      }
    });

    it('gives up after the retry schedule, and counts timeouts as responseStatus 0', async () => {
      await subscribe(['asset.processing.completed']);
      receiver.script = [500, 500, 500, 500];
      const before = emulator.stats().webhooks.exhausted;
      await submitAndSettle('never.mp4');
      expect(receiver.received).toHaveLength(4);
      expect(emulator.stats().webhooks.exhausted).toBe(before + 1);

      receiver.reset();
      receiver.delayMs = 400;
      emulator.controls.webhooks.setPolicy({ timeoutMs: 100, retryScheduleMs: [] });
      await submitAndSettle('slow-receiver.mp4');
      const last = emulator.controls.webhooks.deliveries().at(-1);
      expect(last?.state).toBe('failed');
      expect(last?.attempts[0]?.responseStatus).toBe(0);
    });

    it('can duplicate, drop, delay and reorder deliveries', async () => {
      await subscribe(['asset.processing.completed']);
      emulator.controls.webhooks.setChaos({ script: ['duplicate', 'drop'] });
      const before = emulator.stats().webhooks;
      await submitAndSettle('dup.mp4');
      await submitAndSettle('drop.mp4');
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[0]?.headers['webhook-id']).toBe(receiver.received[1]?.headers['webhook-id']);
      const after = emulator.stats().webhooks;
      expect(after.duplicated - before.duplicated).toBe(1);
      expect(after.dropped - before.dropped).toBe(1);

      receiver.reset();
      emulator.controls.webhooks.setChaos({ delayMs: 250 });
      const delayed = await client.upload(`late-${++n}.mp4`, 'video/mp4');
      const created = await client.submit<{ submissionId: string }>([delayed]);
      const done = await pollSubmission<{ status: string; completedAt: string }>(
        client,
        created.body.submissionId,
      );
      await emulator.controls.webhooks.idle();
      expect((receiver.received[0]?.at ?? 0) - Date.parse(done.completedAt)).toBeGreaterThanOrEqual(200);

      receiver.reset();
      emulator.controls.webhooks.setChaos({ reorderWindowMs: 100 });
      const three = await submitAndSettle('r1.mp4', 'r2.mp4', 'r3.mp4');
      const order = receiver.events().map((e) => e.data.asset_id);
      expect(order).toEqual(three.assets.map((a) => a.assetId).reverse());
    });

    it('cancels pending retries when the subscription is deleted', async () => {
      const sub = await subscribe(['asset.processing.completed']);
      emulator.controls.webhooks.setPolicy({ retryScheduleMs: [300] });
      receiver.script = [500];
      const blobPath = await client.upload(`gone-${++n}.mp4`, 'video/mp4');
      const created = await client.submit<{ submissionId: string }>([blobPath]);
      await pollSubmission(client, created.body.submissionId);
      while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await client.request('DELETE', `${SUBS}/${sub.id}`)).status).toBe(204);
      await emulator.controls.webhooks.idle();
      expect(receiver.received).toHaveLength(1);
      expect(emulator.controls.webhooks.deliveries().at(-1)?.state).toBe('cancelled');
    });
  });

  describe('shutdown', () => {
    it('stop() cancels scheduled retries and closes keep-alive connections promptly', async () => {
      const other = await startEmulator({
        storageConnectionString: azurite.current.connectionString,
        allowInsecureWebhookUrls: true,
        processing: { startDelayMs: 0, durationMs: 10 },
        webhooks: { retryScheduleMs: [60_000] },
      });
      const otherClient = new EmulatorClient(other.url, DEFAULT_SANDBOX_KEY);
      await otherClient.post(SUBS, { endpointUrl: receiver.url, eventTypes: ['asset.processing.completed'] });
      receiver.script = [500];
      const blobPath = await otherClient.upload(`stop-${++n}.mp4`, 'video/mp4');
      const created = await otherClient.submit<{ submissionId: string }>([blobPath]);
      await pollSubmission(otherClient, created.body.submissionId);
      while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const started = Date.now();
      await other.stop();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(other.controls.webhooks.deliveries().every((d) => d.state !== 'pending')).toBe(true);
      await expect(fetch(`${other.url}/_emulator/stats`)).rejects.toThrow();
      await other.stop(); // idempotent
    });
  });

  describe('POST /api/integrations/sandbox/events/fire', () => {
    it('dispatches one event per asset per matching subscription and answers {dispatched}', async () => {
      const sub = await subscribe();
      await subscribe(['asset.processing.failed']);
      const created = await submitAndSettle('s1.mp4', 's2.mp4');
      receiver.reset();
      const fired = await client.post('/api/integrations/sandbox/events/fire', {
        eventType: 'asset.processing.failed',
        submissionId: created.submissionId,
      });
      expect(fired.status).toBe(200);
      expect(fired.body).toEqual({ dispatched: 4 });
      await emulator.controls.webhooks.idle();
      expect(receiver.received).toHaveLength(4);
      const own = receiver.received.map((r) => {
        try {
          return verify(sub.secret ?? '', r);
        } catch {
          return undefined;
        }
      });
      expect(own.filter(Boolean)).toHaveLength(2);
      expect(receiver.events().every((e) => e.data.error_message === 'Sandbox simulated failure')).toBe(true);

      receiver.reset();
      const custom = await client.post('/api/integrations/sandbox/events/fire', {
        eventType: 'asset.processing.completed',
        submissionId: created.submissionId,
        errorMessage: 'ignored for completed',
      });
      expect(custom.body).toEqual({ dispatched: 2 });
      await emulator.controls.webhooks.idle();
      expect(
        receiver.events().every((e) => e.data.status === 'complete' && !('error_message' in e.data)),
      ).toBe(true);
      expect(emulator.stats().webhooks.sandboxEvents).toBeGreaterThanOrEqual(4);
    });

    it('answers 403 for a live key, 404 for an unknown submission, 422 for a bad body', async () => {
      const live = await client.post(
        '/api/integrations/sandbox/events/fire',
        { eventType: 'asset.processing.failed', submissionId: '00000000-0000-4000-8000-000000000000' },
        { key: DEFAULT_LIVE_KEY },
      );
      expect(live.status).toBe(403);
      expect(live.body).toEqual({ detail: 'This endpoint is only available with sandbox keys' });
      const unknown = await client.post('/api/integrations/sandbox/events/fire', {
        eventType: 'asset.processing.failed',
        submissionId: '00000000-0000-4000-8000-000000000000',
      });
      expect(unknown.status).toBe(404);
      for (const body of [
        {},
        { eventType: 'nope', submissionId: '00000000-0000-4000-8000-000000000000' },
        { eventType: 'asset.processing.failed', submissionId: 'x' },
      ]) {
        expect((await client.post('/api/integrations/sandbox/events/fire', body)).status).toBe(422);
      }
    });
  });
});
