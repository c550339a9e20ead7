import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPANS } from '../../shared/telemetry/names.js';
import { useBuiltApp } from '../support/builtApp.js';

/**
 * The switch, as the Functions worker loads the compiled app: with APPLICATIONINSIGHTS_CONNECTION_STRING
 * absent nothing of the distro is loaded (cold start); with it set, the app's spans are exported — here to a
 * loopback "ingestion endpoint" (HTTPS with a throw-away certificate: the exporter upgrades http:// to
 * https://), nothing leaves the machine — and carry no secret.
 */

/** Loads the built app like the worker, runs one invocation of submitOnBlobCreated, then reports. */
const CHILD = `
const path = require('node:path');
const root = process.argv[1];
const { loadLikeWorker } = require(path.join(root, 'dist/devkit/loadLikeWorker.js'));
(async () => {
  const loaded = loadLikeWorker(root);
  const apiAtLoad = Object.keys(require.cache).some((m) => m.includes('@opentelemetry/api'));
  const handler = loaded.exports.get('submitOnBlobCreated');
  await handler('not an event', { log() {}, error() {}, warn() {}, info() {} }).catch(() => undefined);
  const modules = Object.keys(require.cache);
  const report = {
    registrations: loaded.registrations.map((r) => r.metadata.name),
    apiAtLoad,
    distro: modules.some((m) => m.includes('@azure/monitor-opentelemetry')),
    instrumentation: modules.some((m) => m.includes('functions-opentelemetry-instrumentation')),
    sdk: modules.some((m) => m.includes('@opentelemetry/sdk-')),
  };
  if (report.distro) await require(path.join(root, 'dist/shared/telemetry/setup.js')).stopTelemetry().catch((e) => {
    report.flushError = e.message;
  });
  console.log('REPORT ' + JSON.stringify(report));
})();
`;

interface Report {
  registrations: string[];
  flushError?: string;
  /** `@opentelemetry/api` was loaded with the app, before the first invocation. */
  apiAtLoad: boolean;
  distro: boolean;
  instrumentation: boolean;
  sdk: boolean;
}

const API_KEY = 'sk_test_telemetry0probe0key0must0not0leave';
const WEBHOOK_SECRET = `whsec_${Buffer.from('telemetry-probe-webhook-secret-bytes').toString('base64')}`;
const ACCOUNT_KEY = Buffer.from('telemetry-probe-storage-account-key-0123456789').toString('base64');

function run(root: string, env: Record<string, string>, caFile: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD, root],
      // A dead loopback proxy for anything HTTPS the distro might try (its settings poll): nothing leaves.
      {
        env: {
          PATH: process.env.PATH ?? '',
          HTTPS_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '127.0.0.1',
          NODE_EXTRA_CA_CERTS: caFile,
          ...env,
        },
      },
      (error, stdout) => {
        const line = stdout.split('\n').find((l) => l.startsWith('REPORT '));
        if (!line) reject(error ?? new Error(`no report: ${stdout}`));
        else resolve(JSON.parse(line.slice('REPORT '.length)) as Report);
      },
    );
  });
}

describe('telemetry switch (the compiled app, loaded as the worker loads it)', () => {
  const app = useBuiltApp();
  const received: { url: string; body: string }[] = [];
  let ingestion: Server;
  let port = 0;
  const certDir = mkdtempSync(path.join(tmpdir(), 'mm-ingest-'));
  const cert = path.join(certDir, 'cert.pem');
  const key = path.join(certDir, 'key.pem');

  beforeAll(async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    );
    ingestion = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        received.push({ url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((resolve) => ingestion.listen(0, '127.0.0.1', resolve));
    port = (ingestion.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => ingestion.close(() => resolve()));
    rmSync(certDir, { recursive: true, force: true });
  });

  it('setting absent: the distro, the Functions instrumentation and the SDK are never loaded (nor the API before the first invocation)', async () => {
    const report = await run(app.root, { MEDIAMAGIC_API_KEY: API_KEY }, cert);
    expect(report.registrations).toEqual(
      expect.arrayContaining(['submitOnBlobCreated', 'receiveWebhook', 'pollSubmissions', 'sweepSource']),
    );
    expect(report).toMatchObject({ apiAtLoad: false, distro: false, instrumentation: false, sdk: false });
    expect(received).toEqual([]);
  }, 60_000);

  it('setting present (loopback endpoint): the app span is exported, with no secret in what is sent', async () => {
    const report = await run(
      app.root,
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:${port}/`,
        MEDIAMAGIC_API_KEY: API_KEY,
        AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=probe;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:9/probe;QueueEndpoint=http://127.0.0.1:9/probe`,
        MEDIAMAGIC_WEBHOOK_SECRETS: WEBHOOK_SECRET,
        // An invalid setting: the invocation fails at its settings check (recorded on its span), before any I/O.
        POLL_CONCURRENCY: 'many',
      },
      cert,
    );
    expect(report).toMatchObject({ distro: true, instrumentation: true });
    expect(report.flushError).toBeUndefined();
    expect([...report.registrations].sort()).toEqual([
      'pollSubmissions',
      'receiveWebhook',
      'submitOnBlobCreated',
      'sweepSource',
    ]);

    const sent = received.map((r) => r.body).join('\n');
    expect(received.every((r) => r.url.includes('/v2.1/track'))).toBe(true);
    expect(sent).toContain(SPANS.blobCreated);
    for (const secret of [API_KEY, ACCOUNT_KEY, WEBHOOK_SECRET])
      expect(sent.includes(secret), 'a secret was sent').toBe(false);
    expect(sent).not.toMatch(/sig=|x-api-key/i);
  }, 60_000);
});
