/**
 * A pass-through HTTP proxy in front of Azurite's blob endpoint that can fail the requests a test picks —
 * answer 503 ServerBusy (storage throttling), 403 (an identity without the permission) or never answer (a
 * hung account) — so code that must carry on when storage misbehaves is tested over real sockets against a
 * real Azurite, not a mock.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with a request the test's filter picks. */
export type StorageFault = 'pass' | 'throttle' | 'refuse' | 'hang';

/** The proxy; `fault` applies to requests for which `affects(url)` is true, the rest pass through. */
export class FaultyStorageProxy {
  fault: StorageFault = 'pass';
  /** Requests the fault was applied to. */
  faulted = 0;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  readonly #target: URL;
  readonly #affects: (url: string) => boolean;

  private constructor(target: URL, affects: (url: string) => boolean) {
    this.#target = target;
    this.#affects = affects;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts a proxy on a free loopback port for the blob endpoint `target` (e.g. Azurite's). */
  static async start(target: string, affects: (url: string) => boolean): Promise<FaultyStorageProxy> {
    const proxy = new FaultyStorageProxy(new URL(target), affects);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's blob endpoint: the target's path (the account name) on the proxy's port. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.#target.pathname}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (this.fault !== 'pass' && this.#affects(decodeURIComponent(url))) {
      this.faulted += 1;
      if (this.fault === 'hang') return; // never answered; the socket is destroyed on stop
      req.resume();
      if (this.fault === 'refuse') {
        const code = 'AuthorizationPermissionMismatch';
        const message = 'This request is not authorized to perform this operation using this permission.';
        res.writeHead(403, { 'x-ms-error-code': code, 'content-type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
        );
        return;
      }
      res.writeHead(503, { 'x-ms-error-code': 'ServerBusy', 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code></Error>');
      return;
    }
    const upstream = request(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method: req.method,
        path: url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
