/**
 * Contract tests over real HTTP for the cross-cutting behaviour (auth, routing, body parsing, stats) and
 * the two upload endpoints.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAzurite } from '../test/support/azurite.js';
import { AUTH_DETAILS, DEFAULT_WORKSPACE_ID } from './auth.js';
import { startEmulator, type EmulatorHandle } from './server.js';
import { EmulatorClient, SAMPLES } from './testkit.js';

const OTHER_WORKSPACE = '11111111-2222-4333-8444-555555555555';
const KEYS = {
  sandbox: `sk_test_${'a'.repeat(64)}`,
  live: `sk_live_${'b'.repeat(64)}`,
  expired: `sk_test_${'c'.repeat(64)}`,
  revoked: `sk_live_${'d'.repeat(64)}`,
  noApi: `sk_live_${'e'.repeat(64)}`,
};

describe('emulator: auth, routing, uploads', () => {
  const azurite = useAzurite();
  let emulator: EmulatorHandle;
  let client: EmulatorClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      storageConnectionString: azurite.current.connectionString,
      keys: [
        { key: KEYS.sandbox, workspaceId: DEFAULT_WORKSPACE_ID, status: 'active', tier: 'api' },
        { key: KEYS.live, workspaceId: DEFAULT_WORKSPACE_ID, status: 'active', tier: 'api' },
        { key: KEYS.expired, workspaceId: DEFAULT_WORKSPACE_ID, status: 'expired', tier: 'api' },
        { key: KEYS.revoked, workspaceId: DEFAULT_WORKSPACE_ID, status: 'revoked', tier: 'api' },
        { key: KEYS.noApi, workspaceId: OTHER_WORKSPACE, status: 'active', tier: 'no-api' },
      ],
      directUploadMaxBytes: 10 * 1024 * 1024,
      maxJsonBodyBytes: 64 * 1024,
    });
    client = new EmulatorClient(emulator.url, KEYS.sandbox);
  });
  afterAll(() => emulator?.stop());

  describe('authentication', () => {
    it.each([
      ['missing', null, AUTH_DETAILS.missing],
      ['empty', '', AUTH_DETAILS.missing],
      ['unknown', `sk_test_${'f'.repeat(64)}`, AUTH_DETAILS.invalid],
      ['unprefixed', 'not-a-key', AUTH_DETAILS.invalid],
      ['expired', KEYS.expired, AUTH_DETAILS.expired],
      ['revoked', KEYS.revoked, AUTH_DETAILS.revoked],
    ])('answers 401 for a %s key with the exact detail', async (_name, key, detail) => {
      const response = await client.get('/api/integrations/webhooks/subscriptions', { key });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail });
    });

    it('answers 402 naming the gated bucket for a plan without API access', async () => {
      const response = await client.post(
        '/api/integrations/submissions',
        { assets: [] },
        { key: KEYS.noApi },
      );
      expect(response.status).toBe(402);
      expect(response.body).toEqual({
        error_code: 'tier_not_authorized_for_integrations_api',
        message: expect.any(String) as string,
        bucket: 'submission_write',
      });
      const read = await client.get('/api/integrations/webhooks/subscriptions', { key: KEYS.noApi });
      expect(read.body).toMatchObject({ bucket: 'webhook_read' });
      expect(read.headers.get('retry-after')).toBeNull();
    });

    it('accepts the header name in any case (HTTP header names are case-insensitive)', async () => {
      const response = await client.get('/api/integrations/webhooks/subscriptions', {
        key: null,
        headers: { 'X-API-KEY': KEYS.sandbox },
      });
      expect(response.status).toBe(200);
    });
  });

  describe('routing and body handling', () => {
    it('answers 404 {"detail": "Not Found"} for unknown paths, including a /status suffix', async () => {
      for (const path of [
        '/nope',
        '/api/integrations/submissions/x/status',
        '/api/v1/integrations/submissions',
      ]) {
        const response = await client.get(path);
        expect(response.status, path).toBe(404);
        expect(response.body).toEqual({ detail: 'Not Found' });
      }
    });

    it('answers 405 {"detail": "Method Not Allowed"} for a known path with another method', async () => {
      const response = await client.request('PUT', '/api/integrations/submissions');
      expect(response.status).toBe(405);
      expect(response.body).toEqual({ detail: 'Method Not Allowed' });
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('answers 422 with fields for malformed JSON, a wrong content type and an empty body', async () => {
      const cases = [
        { body: '{"assets": [', headers: { 'content-type': 'application/json' } },
        { body: '{"assets": []}', headers: { 'content-type': 'text/plain' } },
        { body: '', headers: { 'content-type': 'application/json' } },
      ];
      for (const c of cases) {
        const response = await client.request('POST', '/api/integrations/submissions', c);
        expect(response.status).toBe(422);
        expect(response.body).toMatchObject({
          detail: 'Request validation failed',
          fields: [{ field: 'body', message: expect.any(String) as string }],
        });
      }
    });

    it('answers 413 for an oversized JSON body', async () => {
      const response = await client.post('/api/integrations/submissions', { padding: 'x'.repeat(100_000) });
      expect(response.status).toBe(413);
      expect(response.body).toEqual({ detail: 'Request body too large' });
    });

    it('survives garbage: binary bodies, huge headers, bad percent-escapes, raw malformed HTTP', async () => {
      const binary = await client.request('POST', '/api/integrations/uploads/url', {
        body: new Uint8Array([0, 255, 1, 254]),
        headers: { 'content-type': 'application/json' },
      });
      expect(binary.status).toBe(422);
      const escape = await client.get('/api/integrations/submissions/%E0%A4%A');
      expect(escape.status).toBe(404);
      const raw = await rawHttp(emulator.url, 'GARBAGE / HTTP/9.9\r\n\r\n');
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect((await client.get('/_emulator/stats')).status).toBe(200);
    });
  });

  describe('hostile input', () => {
    it('answers every random JSON body on every JSON endpoint with a 4xx, never a 500', async () => {
      const endpoints = [
        '/api/integrations/uploads/url',
        '/api/integrations/submissions',
        '/api/integrations/webhooks/subscriptions',
        '/api/integrations/sandbox/events/fire',
      ];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...endpoints), fc.jsonValue(), async (path, value) => {
          const response = await client.post(path, value);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: 120 },
      );
      expect(emulator.stats().requests.byStatus['500']).toBeUndefined();
    });

    it('survives a client that disconnects in the middle of a body', async () => {
      const { connect } = await import('node:net');
      const url = new URL(emulator.url);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            'POST /api/integrations/uploads/direct HTTP/1.1\r\nHost: x\r\n' +
              `X-API-Key: ${KEYS.sandbox}\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
              'Content-Length: 100000\r\n\r\n--b\r\n',
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
      });
      expect((await client.get('/api/integrations/webhooks/subscriptions')).status).toBe(200);
    });
  });

  describe('POST /api/integrations/uploads/url', () => {
    it('returns a write SAS URL into container "assets", the blobPath and expiresAt', async () => {
      const before = Date.now();
      const response = await client.post<{ uploadUrl: string; blobPath: string; expiresAt: string }>(
        '/api/integrations/uploads/url',
        { filename: 'campaign-video.mp4', contentType: 'video/mp4' },
      );
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['blobPath', 'expiresAt', 'uploadUrl']);
      expect(response.body.blobPath).toBe(`${DEFAULT_WORKSPACE_ID}/campaign-video.mp4`);
      expect(response.body.uploadUrl).toContain(`/assets/${DEFAULT_WORKSPACE_ID}/campaign-video.mp4?`);
      expect(response.body.uploadUrl).toMatch(/[?&]sig=/);
      expect(response.body.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const ttl = Date.parse(response.body.expiresAt) - before;
      expect(ttl).toBeGreaterThan(59 * 60 * 1000);
      expect(ttl).toBeLessThanOrEqual(60 * 60 * 1000);

      const put = await fetch(response.body.uploadUrl, {
        method: 'PUT',
        headers: { 'x-ms-blob-type': 'BlockBlob' },
        body: SAMPLES['.mp4'] ?? null,
      });
      expect(put.status).toBe(201);
      const stored = BlobServiceClient.fromConnectionString(azurite.current.connectionString)
        .getContainerClient('assets')
        .getBlobClient(response.body.blobPath);
      expect((await stored.getProperties()).contentLength).toBe(SAMPLES['.mp4']?.length);
      // Create + write (plus read, which Azurite needs for server-side Put Block From URL); never delete.
      const permissions = new URL(response.body.uploadUrl).searchParams.get('sp') ?? '';
      expect(permissions).toContain('c');
      expect(permissions).toContain('w');
      expect(permissions).not.toContain('d');
    });

    it.each(['', '../escape.mp4', 'dir/file.mp4', 'back\\slash.mp4', '..', ' padded.mp4', 'nul\u0000.mp4'])(
      'answers 403 "Invalid filename" for %j',
      async (filename) => {
        const response = await client.post('/api/integrations/uploads/url', {
          filename,
          contentType: 'video/mp4',
        });
        expect(response.status).toBe(403);
        expect(response.body).toEqual({ detail: 'Invalid filename' });
      },
    );

    it('answers 415 for a type outside the allowlist, and for a type that does not match the extension', async () => {
      const unlisted = await client.post('/api/integrations/uploads/url', {
        filename: 'x.exe',
        contentType: 'application/x-msdownload',
      });
      expect(unlisted.status).toBe(415);
      expect(unlisted.body).toEqual({ detail: 'Unsupported content type' });
      const mismatched = await client.post('/api/integrations/uploads/url', {
        filename: 'x.png',
        contentType: 'video/mp4',
      });
      expect(mismatched.status).toBe(415);
    });

    it('accepts every allowlisted type with its extension', async () => {
      const pairs: [string, string][] = [
        ['a.mp4', 'video/mp4'],
        ['a.mov', 'video/quicktime'],
        ['a.avi', 'video/x-msvideo'],
        ['a.mkv', 'video/x-matroska'],
        ['a.mp3', 'audio/mpeg'],
        ['a.wav', 'audio/wav'],
        ['b.wav', 'audio/x-wav'],
        ['a.aac', 'audio/aac'],
        ['a.ogg', 'audio/ogg'],
        ['a.jpg', 'image/jpeg'],
        ['a.png', 'image/png'],
        ['a.gif', 'image/gif'],
        ['a.webp', 'image/webp'],
        ['a.svg', 'image/svg+xml'],
        ['a.pdf', 'application/pdf'],
        ['a.doc', 'application/msword'],
        ['a.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
        ['a.txt', 'text/plain'],
      ];
      for (const [filename, contentType] of pairs) {
        const response = await client.post('/api/integrations/uploads/url', { filename, contentType });
        expect(response.status, filename).toBe(200);
      }
    });

    it('answers 422 with fields for a missing or mistyped field and for unknown fields', async () => {
      const missing = await client.post('/api/integrations/uploads/url', { filename: 'a.mp4' });
      expect(missing.status).toBe(422);
      expect(missing.body).toEqual({
        detail: 'Request validation failed',
        fields: [{ field: 'contentType', message: 'Field required' }],
      });
      const typed = await client.post('/api/integrations/uploads/url', {
        filename: 1,
        contentType: 'video/mp4',
      });
      expect(typed.body).toMatchObject({ fields: [{ field: 'filename' }] });
      const extra = await client.post('/api/integrations/uploads/url', {
        filename: 'a.mp4',
        contentType: 'video/mp4',
        content_type: 'video/mp4',
      });
      expect(extra.status).toBe(422);
    });
  });

  describe('POST /api/integrations/uploads/direct', () => {
    const direct = (form: FormData) =>
      client.request('POST', '/api/integrations/uploads/direct', { body: form });
    const fileForm = (data: Uint8Array, filename: string, type?: string): FormData => {
      const form = new FormData();
      form.append('file', new Blob([data], type ? { type } : {}), filename);
      return form;
    };

    it('stores the file and answers 201 {blobPath, filename, contentType, size}', async () => {
      const data = SAMPLES['.png'] as Buffer;
      const response = await direct(fileForm(data, 'logo.png', 'image/png'));
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        blobPath: `${DEFAULT_WORKSPACE_ID}/logo.png`,
        filename: 'logo.png',
        contentType: 'image/png',
        size: data.length,
      });
      const stored = BlobServiceClient.fromConnectionString(azurite.current.connectionString)
        .getContainerClient('assets')
        .getBlobClient(`${DEFAULT_WORKSPACE_ID}/logo.png`);
      expect((await stored.getProperties()).contentType).toBe('image/png');
    });

    it('accepts exactly 10 MiB and answers 413 pointing at the presigned flow one byte above', async () => {
      const limit = 10 * 1024 * 1024;
      const atLimit = Buffer.alloc(limit, 0x61);
      expect((await direct(fileForm(atLimit, 'big.txt', 'text/plain'))).status).toBe(201);
      const over = await direct(fileForm(Buffer.alloc(limit + 1, 0x61), 'big.txt', 'text/plain'));
      expect(over.status).toBe(413);
      expect(over.body).toEqual({ detail: 'File too large; use the presigned upload URL' });
    });

    it('answers 415 for a missing, unlisted or mismatched content type, and for bytes that do not match', async () => {
      const png = SAMPLES['.png'] as Buffer;
      const noType = await client.request('POST', '/api/integrations/uploads/direct', {
        body: multipartWithoutType(png, 'logo.png'),
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      });
      expect(noType.status).toBe(415);
      expect((await direct(fileForm(png, 'logo.png', 'application/x-msdownload'))).status).toBe(415);
      expect((await direct(fileForm(png, 'logo.png', 'image/gif'))).status).toBe(415);
      expect((await direct(fileForm(SAMPLES['.pdf'] as Buffer, 'logo.png', 'image/png'))).status).toBe(415);
    });

    it('answers 403 for an invalid filename and 422 without a file part or multipart body', async () => {
      expect((await direct(fileForm(SAMPLES['.png'] as Buffer, '..', 'image/png'))).status).toBe(403);
      const form = new FormData();
      form.append('other', 'value');
      const noFile = await direct(form);
      expect(noFile.status).toBe(422);
      expect(noFile.body).toMatchObject({ fields: [{ field: 'file', message: 'Field required' }] });
      const json = await client.post('/api/integrations/uploads/direct', { file: 'x' });
      expect(json.status).toBe(422);
    });
  });

  describe('stats', () => {
    it('serves per-route and per-status counts at GET /_emulator/stats without a key', async () => {
      const response = await client.get<Record<string, unknown>>('/_emulator/stats', { key: null });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(emulator.stats());
      const stats = emulator.stats();
      expect(stats.routes['POST /api/integrations/uploads/url']?.byStatus['200']).toBeGreaterThan(0);
      expect(stats.routes.unmatched?.byStatus['404']).toBeGreaterThan(0);
      expect(stats.requests.byStatus['401']).toBeGreaterThan(0);
    });
  });
});

/** A multipart body whose file part has no Content-Type header (fetch's FormData always adds one). */
function multipartWithoutType(data: Buffer, filename: string): Buffer {
  return Buffer.concat([
    Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`),
    data,
    Buffer.from('\r\n--XyZ--\r\n'),
  ]);
}

/** Sends raw bytes over TCP and returns the first response text. */
async function rawHttp(baseUrl: string, request: string): Promise<string> {
  const { connect } = await import('node:net');
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}
