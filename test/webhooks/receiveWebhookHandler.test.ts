/**
 * The webhook receiver end to end below the Functions host: real `HttpRequest` / `InvocationContext`
 * objects, deliveries signed by the `standardwebhooks` reference library, and a `BlobLedger` on a real
 * (in-memory) Azurite. Every test also checks that no log line carries a secret or a signature.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { LedgerStorageError } from '../../shared/ledger/errors.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import type { LedgerRecord } from '../../shared/ledger/record.js';
import { ReconciliationIndex } from '../../shared/ledger/reconciliationIndex.js';
import { MAX_BLOB_NAME_CHARS } from '../../shared/validation/blobAddress.js';
import {
  INVALID_SIGNATURE_BODY,
  makeReceiveWebhookHandler,
  type ReceiveWebhookDeps,
} from '../../shared/webhooks/receiveWebhookHandler.js';
import { useAzurite } from '../support/azurite.js';
import { AutoAdvanceClock } from '../support/fakeClock.js';
import {
  NOW_ISO,
  NOW_MS,
  eventPayload,
  newSecret,
  signedRequest,
  streamedRequest,
  claimedRecord,
  submittedRecord,
  type DeliveryOptions,
  type EventSpec,
} from './fixtures.js';

const SECRET = newSecret();
const MAX_BODY_BYTES = 4096;
const FIVE_MINUTES_MS = 5 * 60_000;

describe('receiveWebhook handler (Azurite + BlobLedger)', () => {
  const azurite = useAzurite();
  let ledger: BlobLedger;
  let container: ContainerClient;
  let logs: { level: string; line: string }[];
  let signaturesSent: string[];
  let containerCount = 0;

  beforeEach(async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    container = service.getContainerClient(`webhooks-${++containerCount}-${Date.now()}`);
    ledger = new BlobLedger(container, systemClock);
    await ledger.ensureContainer();
    logs = [];
    signaturesSent = [];
  });

  afterEach(() => {
    const everything = JSON.stringify(logs);
    const secrets = [SECRET, SECRET.slice('whsec_'.length)];
    for (const secret of secrets) expect(everything).not.toContain(secret);
    for (const signature of signaturesSent) {
      expect(everything).not.toContain(signature);
      expect(everything).not.toContain(signature.slice('v1,'.length));
    }
  });

  // --- helpers --------------------------------------------------------------------------------------------

  function context(): InvocationContext {
    return new InvocationContext({
      functionName: 'receiveWebhook',
      logHandler: (level, ...args) => logs.push({ level, line: args.map(String).join(' ') }),
    });
  }

  function handler(overrides: Partial<ReceiveWebhookDeps> = {}) {
    return makeReceiveWebhookHandler({
      ledger,
      secrets: [SECRET],
      maxBodyBytes: MAX_BODY_BYTES,
      clock: new AutoAdvanceClock(NOW_MS),
      ...overrides,
    });
  }

  async function send(
    options: Partial<DeliveryOptions> & { body: DeliveryOptions['body'] },
    deps: Partial<ReceiveWebhookDeps> = {},
  ): Promise<HttpResponseInit> {
    const { request, signature } = signedRequest({ secret: SECRET, ...options });
    signaturesSent.push(signature);
    return handler(deps)(request, context());
  }

  /** Delivers one event; the webhook id is derived from the event id, as a redelivery keeps both. */
  function deliver(
    spec: EventSpec,
    options: Partial<DeliveryOptions> = {},
    deps: Partial<ReceiveWebhookDeps> = {},
  ): Promise<HttpResponseInit> {
    return send({ body: JSON.stringify(eventPayload(spec)), webhookId: `msg_${spec.id}`, ...options }, deps);
  }

  async function seed(record: LedgerRecord): Promise<LedgerRecord> {
    await ledger.claim(record);
    if (record.submissionId) await ledger.linkSubmission(record.submissionId, record.key);
    return record;
  }

  async function stored(key: string): Promise<{ record: LedgerRecord; etag: string }> {
    const read = await ledger.get(key);
    if (!read) throw new Error(`no record ${key}`);
    return read;
  }

  function logged(message: string): Record<string, unknown>[] {
    return logs
      .filter((l) => l.line.startsWith(message))
      .map((l) => JSON.parse(l.line.slice(message.length).trim() || '{}') as Record<string, unknown>);
  }

  /** Azurite stores names Azure refuses; Azure counts the (decoded) name, at most 1,024 characters. */
  async function expectNamesWithinAzureLimit(): Promise<void> {
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => name.length > MAX_BLOB_NAME_CHARS)).toEqual([]);
  }

  function assetStatuses(record: LedgerRecord): Record<string, string | undefined> {
    return Object.fromEntries(record.assets.map((a) => [a.assetId, a.status]));
  }

  // --- applied and duplicate ------------------------------------------------------------------------------

  it('applies a verified completion: 200 applied, asset complete, due now, event id remembered', async () => {
    const record = await seed(submittedRecord('videos/a.mp4', 'sub_1', ['a1', 'a2']));

    const response = await deliver({ id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' });

    expect(response).toEqual({ status: 200, jsonBody: { status: 'applied' } });
    const after = (await stored(record.key)).record;
    expect(assetStatuses(after)).toEqual({ a1: 'complete', a2: 'submitted' });
    expect(after.due).toBe(NOW_ISO);
    expect(after.seenEventIds).toEqual(['evt_1']);
    expect(logged('webhook asset status')).toEqual([
      {
        blob: 'videos/a.mp4',
        submissionId: 'sub_1',
        assetId: 'a1',
        from: 'submitted',
        to: 'complete',
        reason: 'webhook asset.processing.completed',
        eventId: 'evt_1',
      },
    ]);
  });

  it('records a failure with its error message', async () => {
    const record = await seed(submittedRecord('b.mp4', 'sub_1', ['a1']));
    const failed = { id: 'evt_f', submissionId: 'sub_1', assetId: 'a1', errorMessage: 'Unsupported codec' };
    const response = await deliver({ ...failed, type: 'asset.processing.failed' });
    expect(response.status).toBe(200);
    expect((await stored(record.key)).record.assets[0]).toMatchObject({
      status: 'failed',
      errorMessage: 'Unsupported codec',
    });
  });

  it('answers a replayed event id 200 duplicate and leaves the ledger untouched (same ETag)', async () => {
    const record = await seed(submittedRecord('c.mp4', 'sub_1', ['a1']));
    const spec = { id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' };
    expect((await deliver(spec)).jsonBody).toEqual({ status: 'applied' });
    const before = await stored(record.key);

    const replay = await deliver(spec);

    expect(replay).toEqual({ status: 200, jsonBody: { status: 'duplicate' } });
    expect((await stored(record.key)).etag).toBe(before.etag);
  });

  it('answers an event about an earlier submission of the blob 200 duplicate, asset untouched', async () => {
    const record = await seed(submittedRecord('d.mp4', 'sub_2', ['a1']));
    await ledger.linkSubmission('sub_1', record.key);
    const response = await deliver({ id: 'evt_old', submissionId: 'sub_1', assetId: 'a1' });
    expect(response).toEqual({ status: 200, jsonBody: { status: 'duplicate' } });
    const after = (await stored(record.key)).record;
    expect(assetStatuses(after)).toEqual({ a1: 'submitted' });
    expect(after.seenEventIds).toEqual(['evt_old']);
  });

  it('asks for redelivery (503, Retry-After) when the event overtakes our own write of the submission id', async () => {
    const record = await seed(claimedRecord('overtaken.mp4'));
    await ledger.linkSubmission('sub_fast', record.key);
    const before = await stored(record.key);

    const response = await deliver({ id: 'evt_fast', submissionId: 'sub_fast', assetId: 'a1' });

    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '1' });
    expect((await stored(record.key)).etag).toBe(before.etag);
  });

  it('answers 202 for a submission the ledger does not know, logged at warn for reconciliation', async () => {
    const response = await deliver({ id: 'evt_1', submissionId: 'sub_unknown', assetId: 'a7' });
    expect(response).toEqual({ status: 202, jsonBody: { status: 'unknown-submission' } });
    const warnings = logs.filter((l) => l.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.line).toContain('"submissionId":"sub_unknown"');
    expect(warnings[0]?.line).toContain('"assetId":"a7"');
  });

  it('keeps ids of 256 multibyte characters (encoded well over 1,024) under storage names Azure accepts', async () => {
    // docs/ledger.md, "Names built from ids": 256 × "中" encodes to 2,304 characters, past Azure's 1,024.
    const longId = '中'.repeat(256);
    const orphans = new ReconciliationIndex(container);
    const spec = { id: longId, submissionId: longId, assetId: longId };
    const options = { webhookId: 'msg_long' }; // a header carries ASCII only
    const first = await deliver(spec, options, { orphans });
    expect(first).toEqual({ status: 202, jsonBody: { status: 'unknown-submission' } });
    expect(await orphans.listOrphans(10)).toEqual([
      expect.objectContaining({ submissionId: longId, eventId: longId }),
    ]);
    await expectNamesWithinAzureLimit();
    await orphans.removeOrphan(longId);
    expect(await orphans.listOrphans(10)).toEqual([]);

    const record = await seed(submittedRecord('clip.mp4', longId, [longId]));
    expect(await ledger.findBySubmission(longId)).toBe(record.key);
    expect(await deliver(spec, options, { orphans })).toMatchObject({
      status: 200,
      jsonBody: { status: 'applied' },
    });
    expect(await deliver(spec, options, { orphans })).toMatchObject({
      status: 200,
      jsonBody: { status: 'duplicate' },
    });
    expect(assetStatuses((await stored(record.key)).record)).toEqual({ [longId]: 'complete' });
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    await expectNamesWithinAzureLimit();
  });

  // --- refusals -------------------------------------------------------------------------------------------

  describe('refuses, leaving the ledger unchanged', () => {
    const spec = { id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' };
    const body = JSON.stringify(eventPayload(spec));
    let key: string;
    let etag: string;

    beforeEach(async () => {
      key = (await seed(submittedRecord('refused.mp4', 'sub_1', ['a1']))).key;
      etag = (await stored(key)).etag;
    });

    afterEach(async () => {
      expect((await stored(key)).etag).toBe(etag);
    });

    it.each([
      ['forged (signed with another secret)', { secret: newSecret() }],
      ['stale (signed more than 5 minutes ago)', { signedAtMs: NOW_MS - FIVE_MINUTES_MS - 1000 }],
      ['from the future (more than 5 minutes ahead)', { signedAtMs: NOW_MS + FIVE_MINUTES_MS + 1000 }],
      ['tampered (one byte of the body changed)', { sentBody: body.replace('"a1"', '"a2"') }],
      ['without a signature header', { headers: { 'webhook-signature': null } }],
      ['without an id header', { headers: { 'webhook-id': null } }],
      ['with a malformed signature list', { headers: { 'webhook-signature': 'v1' } }],
    ])(
      '401 for a delivery %s, with the same generic body',
      async (_label, options: Partial<DeliveryOptions>) => {
        const response = await send({ body, ...options });
        expect(response).toEqual({ status: 401, jsonBody: INVALID_SIGNATURE_BODY });
        expect(logs.some((l) => l.level === 'warning' && l.line.includes('signature check failed'))).toBe(
          true,
        );
      },
    );

    it('401 when no signing secret is configured, logged as an error', async () => {
      const response = await send({ body }, { secrets: [] });
      expect(response).toEqual({ status: 401, jsonBody: INVALID_SIGNATURE_BODY });
      expect(logs.some((l) => l.level === 'error' && l.line.includes('"reason":"no-secrets"'))).toBe(true);
    });

    it('400 for a verified body that is not JSON', async () => {
      const response = await send({ body: '{"id": "evt_1", ' });
      expect(response.status).toBe(400);
      expect(response.jsonBody).toEqual({ detail: expect.stringContaining('JSON') as string });
    });

    it('400 for a verified body that fails the schema, naming the problem', async () => {
      const { asset_id: _a, ...data } = eventPayload(spec).data;
      const response = await send({ body: JSON.stringify({ ...eventPayload(spec), data }) });
      expect(response.status).toBe(400);
      expect(response.jsonBody).toEqual({ detail: expect.stringContaining('data.asset_id') as string });
    });

    it('413 when content-length announces more than the limit', async () => {
      const response = await send({ body, headers: { 'content-length': String(MAX_BODY_BYTES + 1) } });
      expect(response.status).toBe(413);
    });

    it('413 when the bytes read exceed the limit (no or a lying content-length)', async () => {
      const padded = JSON.stringify({ ...eventPayload(spec), padding: 'x'.repeat(MAX_BODY_BYTES) });
      expect((await send({ body: padded })).status).toBe(413);
      expect((await send({ body: padded, headers: { 'content-length': '10' } })).status).toBe(413);
    });

    it('413 for a chunked body past the limit without pulling the rest of it (no content-length)', async () => {
      const CHUNK = 1024;
      const TOTAL_CHUNKS = 1000; // ~1 MB, far past MAX_BODY_BYTES (4 KiB)
      let pulled = 0;
      function* chunks(): Generator<Uint8Array> {
        for (let i = 0; i < TOTAL_CHUNKS; i++) {
          pulled++;
          yield new Uint8Array(CHUNK).fill(0x20);
        }
      }
      const { request, signature } = signedRequest({ secret: SECRET, body });
      signaturesSent.push(signature);
      const streamed = streamedRequest(request, chunks());
      expect(streamed.headers.get('content-length')).toBeNull();

      const response = await handler()(streamed, context());

      expect(response).toEqual({
        status: 413,
        jsonBody: { detail: `The body exceeds ${MAX_BODY_BYTES} bytes` },
      });
      // The read stops at the first chunk past the limit: 5 KiB pulled, not 1 MB.
      expect(pulled).toBe(MAX_BODY_BYTES / CHUNK + 1);
      expect(logs.some((l) => l.line.includes('body too large') && l.line.includes('"bytes":5120'))).toBe(
        true,
      );
    });

    it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/jsonp'], [null]])(
      '415 for the content type %j',
      async (contentType) => {
        expect((await send({ body, contentType })).status).toBe(415);
      },
    );

    it('405 with Allow: POST for another method', async () => {
      const request = new HttpRequest({
        method: 'GET',
        url: 'http://localhost:7071/api/webhooks/mediamagic',
      });
      const response = await handler()(request, context());
      expect(response).toMatchObject({ status: 405, headers: { Allow: 'POST' } });
    });

    it('checks the method before the content type, and the size before the signature', async () => {
      expect((await send({ body, method: 'PUT', contentType: 'text/plain' })).status).toBe(405);
      const huge = { 'content-length': '999999', 'webhook-signature': 'v1,forged' };
      expect((await send({ body, headers: huge })).status).toBe(413);
    });
  });

  it('reassembles a chunked body within the limit and verifies it (no content-length)', async () => {
    await seed(submittedRecord('chunked.mp4', 'sub_1', ['a1']));
    const payload = JSON.stringify(eventPayload({ id: 'evt_chunked', submissionId: 'sub_1', assetId: 'a1' }));
    const { request, signature } = signedRequest({ secret: SECRET, body: payload });
    signaturesSent.push(signature);
    const bytes = Buffer.from(payload, 'utf8');
    const pieces = [bytes.subarray(0, 7), bytes.subarray(7, 100), bytes.subarray(100)];

    const response = await handler()(streamedRequest(request, pieces.values()), context());

    expect(response).toEqual({ status: 200, jsonBody: { status: 'applied' } });
  });

  it('accepts application/*+json with parameters', async () => {
    await seed(submittedRecord('ct.mp4', 'sub_1', ['a1']));
    const contentType = 'application/webhook+json; charset=utf-8';
    const response = await deliver({ id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' }, { contentType });
    expect(response.status).toBe(200);
  });

  it('answers 500 (so MediaMagic redelivers) when storage fails, and logs the error', async () => {
    const failing = {
      findBySubmission: () =>
        Promise.reject(new LedgerStorageError('storage', 'ledger could not read submissions/sub_1.json')),
    } as unknown as Ledger; // only the method the handler reaches first
    const broken = await deliver(
      { id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' },
      {},
      { ledger: failing },
    );
    expect(broken.status).toBe(500);
    expect(logs.some((l) => l.level === 'error' && l.line.includes('"code":"storage"'))).toBe(true);
  });

  // --- convergence ----------------------------------------------------------------------------------------

  describe('duplicated, reordered and dropped deliveries converge', () => {
    it('duplicated: the same delivery three times is applied once', async () => {
      const record = await seed(submittedRecord('dup.mp4', 'sub_1', ['a1']));
      const spec = { id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' };
      const answers = [await deliver(spec), await deliver(spec), await deliver(spec)];
      expect(answers.map((a) => (a.jsonBody as { status: string }).status)).toEqual([
        'applied',
        'duplicate',
        'duplicate',
      ]);
      expect(logged('webhook asset status')).toHaveLength(1);
      expect((await stored(record.key)).record.seenEventIds).toEqual(['evt_1']);
    });

    it('reordered: a failure delivered after the completion that followed it leaves the asset complete', async () => {
      const record = await seed(submittedRecord('reorder.mp4', 'sub_1', ['a1']));
      const failed = {
        id: 'evt_failed',
        submissionId: 'sub_1',
        assetId: 'a1',
        type: 'asset.processing.failed' as const,
      };
      const completed = { id: 'evt_completed', submissionId: 'sub_1', assetId: 'a1' };

      expect((await deliver(completed)).status).toBe(200);
      expect((await deliver(failed)).status).toBe(200);

      const after = (await stored(record.key)).record;
      expect(after.assets[0]).toMatchObject({ status: 'complete' });
      expect(after.assets[0]?.errorMessage).toBeUndefined();
      expect(after.seenEventIds).toEqual(['evt_completed', 'evt_failed']);
    });

    it('in order: failure, then completion after a retry, ends complete too', async () => {
      const record = await seed(submittedRecord('inorder.mp4', 'sub_1', ['a1']));
      await deliver({
        id: 'evt_failed',
        submissionId: 'sub_1',
        assetId: 'a1',
        type: 'asset.processing.failed',
      });
      await deliver({ id: 'evt_completed', submissionId: 'sub_1', assetId: 'a1' });
      expect((await stored(record.key)).record.assets[0]).toMatchObject({ status: 'complete' });
    });

    it('dropped: undelivered news stays for the timer (record due now); a later redelivery completes it', async () => {
      const record = await seed(submittedRecord('drop.mp4', 'sub_1', ['a1', 'a2', 'a3']));
      await deliver({ id: 'evt_a1', submissionId: 'sub_1', assetId: 'a1' });
      await deliver({ id: 'evt_a3', submissionId: 'sub_1', assetId: 'a3' });

      const partial = (await stored(record.key)).record;
      expect(assetStatuses(partial)).toEqual({ a1: 'complete', a2: 'submitted', a3: 'complete' });
      expect(partial.due).toBe(NOW_ISO); // the timer polls it now and finds a2's status itself

      await deliver({ id: 'evt_a2', submissionId: 'sub_1', assetId: 'a2' });
      expect(assetStatuses((await stored(record.key)).record)).toEqual({
        a1: 'complete',
        a2: 'complete',
        a3: 'complete',
      });
    });
  });

  it('loses nothing when 10 different events for one record arrive concurrently', async () => {
    const assets = Array.from({ length: 10 }, (_, i) => `a${i}`);
    const record = await seed(submittedRecord('burst.mp4', 'sub_1', assets));

    const answers = await Promise.all(
      assets.map((assetId) => deliver({ id: `evt_${assetId}`, submissionId: 'sub_1', assetId })),
    );

    expect(answers.map((a) => a.status)).toEqual(assets.map(() => 200));
    const after = (await stored(record.key)).record;
    expect([...after.seenEventIds].sort()).toEqual(assets.map((a) => `evt_${a}`).sort());
    expect(after.assets.every((a) => a.status === 'complete')).toBe(true);
    expect(logged('webhook asset status')).toHaveLength(10);
  });
});
