import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { buildAppDeps } from '../../shared/app/appDeps.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { ScriptedServer } from '../support/scriptedServer.js';
import { useStack } from '../support/stack.js';

const UPLOAD_SIG = 'dXBsb2FkLXNpZ25hdHVyZQ';

/**
 * The server-side copy sends our source blob's read SAS in `x-ms-copy-source` to whatever host the upload URL
 * names, so an upload URL that is not https (or loopback http with a local API) or not blob-shaped must fail
 * the file before any copy (docs/design.md, decision 4, "Upload URLs are checked"). A scripted MediaMagic
 * hands out the URLs; a second server is the host they lead to, and records whatever reaches it.
 */
describe('upload URLs from the API are checked before our SAS goes anywhere', () => {
  const api = new ScriptedServer();
  const uploadHost = new ScriptedServer();
  let apiUrl = '';
  let uploadPort = '';
  beforeAll(async () => {
    apiUrl = await api.start();
    uploadPort = new URL(await uploadHost.start()).port;
  });
  afterAll(async () => {
    await api.stop();
    await uploadHost.stop();
  });
  const stack = useStack();

  /** Drives `name` through the queue trigger against the scripted API, which hands out `uploadUrl`. */
  async function submitWith(name: string, uploadUrl: string) {
    api.seen.length = 0;
    uploadHost.seen.length = 0;
    api.handle((req) =>
      req.url.endsWith('/uploads/url')
        ? {
            respond: 200,
            body: { uploadUrl, blobPath: `ws-1/${name}`, expiresAt: '2099-01-01T00:00:00Z' },
          }
        : { respond: 500, body: { detail: 'not scripted' } },
    );
    uploadHost.handle(() => ({ respond: 403, body: 'AuthorizationFailure' }));
    const clientLog = new MemoryLogger();
    const deps = await buildAppDeps(loadConfig({ ...stack.current.env, MEDIAMAGIC_API_BASE_URL: apiUrl }), {
      clientLogger: clientLog,
    });
    try {
      await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
      const { context, lines } = stack.current.invocation('submitOnBlobCreated');
      const result = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(deps))(
        stack.current.eventFor(name),
        context,
      );
      return { result, logs: [...lines, clientLog.dump()].join('\n') };
    } finally {
      await deps.close();
    }
  }

  const copyRequests = () => uploadHost.seen.filter((r) => r.headers['x-ms-copy-source'] !== undefined);

  it.each([
    ['an ftp:// upload URL', (port: string) => `ftp://127.0.0.1:${port}`, 'uses ftp; only https is accepted'],
    [
      'a plain http:// upload URL on a host that is not loopback',
      // 0.0.0.0 is not a loopback address, yet a connection to it reaches this machine's loopback server:
      // without the check, the copy would land on uploadHost.
      (port: string) => `http://0.0.0.0:${port}`,
      'is plain http; only https is accepted',
    ],
  ])(
    '%s: the file is rejected naming the URL without its SAS, and nothing is sent there',
    async (_l, origin, words) => {
      const name = `trust/${Math.random().toString(16).slice(2)}.mp4`;
      const base = `${origin(uploadPort)}/mmstore/uploads/ws-1/clip.mp4`;

      const { result, logs } = await submitWith(name, `${base}?sv=2025-01-05&sr=b&sp=cw&sig=${UPLOAD_SIG}`);

      expect(result.kind).toBe('rejected');
      const record = await stack.current.record(name);
      expect(record?.state).toBe('rejected');
      expect(record?.failure?.kind).toBe('untrusted-upload-url');
      expect(record?.failure?.detail).toContain(`MediaMagic's upload URL "${base}" ${words}`);
      expect(record?.failure?.detail).not.toContain('sig=');
      expect((await stack.current.tags(name))['mediamagic-state']).toBe('rejected');
      expect(uploadHost.seen).toEqual([]);
      expect(api.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/integrations/uploads/url']);
      expect(logs).toContain('ALERT: MediaMagic returned an upload URL the copy may not write to');
      expect(logs).not.toContain(UPLOAD_SIG);
      expect(logs).not.toMatch(/sig=(?!\[REDACTED\])/);
    },
  );

  it('control: a loopback http upload URL with a local API is copied to, so the host above would have seen it', async () => {
    const name = `trust/${Math.random().toString(16).slice(2)}.mp4`;
    const uploadUrl = `http://127.0.0.1:${uploadPort}/mmstore/uploads/ws-1/clip.mp4?sv=1&sig=${UPLOAD_SIG}`;

    const { result, logs } = await submitWith(name, uploadUrl);

    expect(result.kind).toBe('pending');
    expect(copyRequests().length).toBeGreaterThan(0);
    expect(logs).not.toContain(UPLOAD_SIG);
  });
});
