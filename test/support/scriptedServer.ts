import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the scripted server does with one request. */
export type Action =
  | { readonly respond: number; readonly headers?: Record<string, string>; readonly body?: string | object }
  /** Destroy the socket as soon as the request line arrives, before reading the body. */
  | { readonly resetBeforeRead: true }
  /** Read the whole request, then destroy the socket without answering (the lost-response case). */
  | { readonly resetAfterRead: true }
  /** Never answer (forces the client's headers timeout). */
  | { readonly hang: true };

/** A request the server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * A real `node:http` server on a free loopback port that answers each request from a script — undici's own
 * testing style — so client tests exercise real sockets, resets and timeouts rather than mocks.
 */
export class ScriptedServer {
  readonly seen: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private script: (req: SeenRequest, n: number) => Action = () => ({ respond: 200, body: {} });

  /** Sets the per-request script; `n` counts requests from 1. */
  handle(script: (req: SeenRequest, n: number) => Action): this {
    this.script = script;
    return this;
  }

  /** Answers requests in order from a list; the last entry repeats. */
  sequence(...actions: Action[]): this {
    return this.handle((_r, n) => actions[Math.min(n, actions.length) - 1] ?? { respond: 500 });
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = this.seen.length + 1;
    const peek: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: '',
    };
    const early = this.script(peek, n);
    if ('resetBeforeRead' in early) {
      this.seen.push(peek);
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen = { ...peek, body: Buffer.concat(chunks).toString('utf8') };
    this.seen.push(seen);
    const action = this.script(seen, n);
    if ('resetBeforeRead' in action || 'resetAfterRead' in action) {
      req.socket.destroy();
      return;
    }
    if ('hang' in action) return;
    const body =
      typeof action.body === 'string' ? action.body : action.body ? JSON.stringify(action.body) : '';
    res.writeHead(action.respond, {
      ...(typeof action.body === 'object' ? { 'content-type': 'application/json' } : {}),
      ...action.headers,
    });
    res.end(body);
  }
}
