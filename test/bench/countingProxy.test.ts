import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fleetRequestLabel,
  startCountingProxy,
  type CountingProxy,
} from '../../bench/fleet/countingProxy.js';

/** What the upstream saw of one request. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('counting proxy', () => {
  let upstream: Server;
  let proxy: CountingProxy;
  const seen: Seen[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(req.url?.includes('missing') ? 404 : 201, { etag: '"e1"', 'x-ms-request-id': 'r1' });
        res.end(`echo:${body}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const { port } = upstream.address() as AddressInfo;
    proxy = await startCountingProxy(`http://127.0.0.1:${port}`, (method, url) =>
      fleetRequestLabel('mediamagic-ledger', method, url),
    );
  });

  afterAll(async () => {
    await proxy?.stop();
    await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  });

  it('passes requests through unchanged, Host included, and counts only the fleet/ ones', async () => {
    const base = `${proxy.origin}/devstoreaccount1/mediamagic-ledger`;
    const put = await fetch(`${base}/fleet/members/p1.json`, { method: 'PUT', body: 'member' });
    const list = await fetch(
      `${base}?restype=container&comp=list&prefix=fleet%2Fmembers%2F&include=metadata`,
    );
    const news = await fetch(`${base}/fleet/news.json`);
    const record = await fetch(`${base}/records/ab.json`, { method: 'PUT', body: 'record' });
    const otherList = await fetch(`${base}?restype=container&comp=list&prefix=records%2F`);
    const missing = await fetch(`${proxy.origin}/devstoreaccount1/uploads/missing.mp4`);

    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBe('"e1"');
    expect(await put.text()).toBe('echo:member');
    expect(await record.text()).toBe('echo:record');
    expect(missing.status).toBe(404);
    for (const r of [list, news, otherList, missing]) await r.arrayBuffer();

    expect(seen.map((s) => `${s.method} ${s.url}`)).toContain(
      'PUT /devstoreaccount1/mediamagic-ledger/fleet/members/p1.json',
    );
    expect(seen.find((s) => s.method === 'PUT')?.headers.host).toBe(new URL(proxy.origin).host);
    expect(Object.fromEntries(proxy.counts())).toEqual({ 'fleet PUT': 1, 'fleet list': 1, 'fleet GET': 1 });
    expect(proxy.total()).toBe(6);
    proxy.reset();
    expect(proxy.counts().size).toBe(0);
  });

  it('labels blob operations by method and comp, and ignores other containers and prefixes', () => {
    const label = (method: string, url: string): string | undefined =>
      fleetRequestLabel('mediamagic-ledger', method, url);
    expect(label('HEAD', '/devstoreaccount1/mediamagic-ledger/fleet/news.json')).toBe('fleet HEAD');
    expect(label('PUT', '/devstoreaccount1/mediamagic-ledger/fleet/members/a?comp=metadata')).toBe(
      'fleet PUT ?comp=metadata',
    );
    expect(label('GET', '/mediamagic-ledger?restype=container&comp=list&prefix=fleet/')).toBe('fleet list');
    expect(label('GET', '/devstoreaccount1/mediamagic-ledger?restype=container&comp=list')).toBeUndefined();
    expect(label('GET', '/devstoreaccount1/uploads/fleet/x.mp4')).toBeUndefined();
    expect(label('GET', '/devstoreaccount1/mediamagic-ledger/fleet')).toBeUndefined();
    expect(label('GET', '/devstoreaccount1/mediamagic-ledger/records/fleet/x')).toBeUndefined();
  });
});
