import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientAbortedError, onUndelivered, readBody, writeReply } from './http.js';

/** A real server on a free port whose handler is `handle`. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<string> {
  const server = createServer((req, res) => void handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('onUndelivered (how the emulator knows a 201 never reached its client)', () => {
  it('reports a reply whose client gave up while it was being worked out', async () => {
    const lost = vi.fn();
    const delivered = vi.fn();
    let received = (): void => undefined;
    const requestRead = new Promise<void>((resolve) => (received = resolve));
    const url = await serve(async (req, res) => {
      await readBody(req, 1024);
      received();
      await sleep(150); // the work; the client gives up meanwhile
      onUndelivered(res, lost, delivered);
      writeReply(res, { status: 201, body: { submissionId: 'x' } });
    });
    // The client gives up once the server has its request (a fixed client timeout would, on a loaded
    // machine, sometimes give up before the request even arrived, and then nothing is undelivered).
    const controller = new AbortController();
    const request = fetch(url, { method: 'POST', body: '{}', signal: controller.signal });
    await requestRead;
    controller.abort();
    await expect(request).rejects.toThrow();
    await vi.waitFor(() => expect(lost).toHaveBeenCalledTimes(1), { timeout: 5_000 });
    expect(delivered).not.toHaveBeenCalled();
  });

  it('does not report a reply the client received, and says when it was handed over', async () => {
    const lost = vi.fn();
    const delivered = vi.fn();
    let onClose = (): void => undefined;
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    const url = await serve(async (req, res) => {
      await readBody(req, 1024);
      res.once('close', onClose);
      onUndelivered(res, lost, delivered);
      writeReply(res, { status: 201, body: { submissionId: 'x' } });
    });
    const response = await fetch(url, { method: 'POST', body: '{}' });
    expect(await response.json()).toEqual({ submissionId: 'x' });
    await closed;
    expect(lost).not.toHaveBeenCalled();
    expect(delivered).toHaveBeenCalledTimes(1);
  });
});

describe('readBody', () => {
  it('rejects at once for a request whose client left before the body was read (it used to wait forever)', async () => {
    let settle = (_: unknown): void => undefined;
    const outcome = new Promise<unknown>((resolve) => (settle = resolve));
    const url = await serve(async (req) => {
      await sleep(150); // a latency fault outlasting the client
      await readBody(req, 1024).then(settle, settle);
    });
    await expect(
      fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(30) }),
    ).rejects.toThrow();
    expect(await outcome).toBeInstanceOf(ClientAbortedError);
  });
});
