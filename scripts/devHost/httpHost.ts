/**
 * The dev host's HTTP side: serves every registered HTTP function at `/api/<route>` (the host's default
 * prefix), turning each Node request into the library's real `HttpRequest` and the returned
 * `HttpResponseInit` back into a response. Like the host, it answers 404 both for a path no function
 * serves and for a method the function does not allow.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RegisteredFunction } from './loadApp.js';

/** A running HTTP host. */
export interface HttpHost {
  readonly url: string;
  stop(): Promise<void>;
}

/** What the host needs to know. */
export interface HttpHostOptions {
  readonly port: number;
  readonly host?: string;
  /** Request body cap, like the host's 100 MB default (`FUNCTIONS_REQUEST_BODY_SIZE_LIMIT`). */
  readonly maxBodyBytes?: number;
  readonly log: (functionName: string, level: string, message: string) => void;
}

/** Starts serving the HTTP-triggered functions among `functions`. */
export async function startHttpHost(
  functions: readonly RegisteredFunction[],
  options: HttpHostOptions,
): Promise<HttpHost> {
  const routes = functions
    .filter((f) => f.trigger.type === 'httpTrigger')
    .map((f) => ({
      fn: f,
      path: `/api/${(typeof f.trigger.route === 'string' ? f.trigger.route : f.name).replace(/^\/+/, '')}`,
      methods: ((f.trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
    }));
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void serve(req, res).catch((error: unknown) => {
      options.log(
        'http',
        'error',
        `request failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    // The host registers each route together with its methods, so a method the function does not list
    // finds no route at all: 404 like an unknown path, never 405.
    const route = routes.find((r) => r.path === url.pathname && r.methods.includes(req.method ?? ''));
    if (!route) return void res.writeHead(404).end();
    const body = await readBody(req, options.maxBodyBytes ?? 100 * 1024 * 1024);
    if (body === undefined) return void res.writeHead(413).end();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const request = new HttpRequest({
      method: req.method ?? 'GET',
      url: url.toString(),
      headers,
      ...(body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD' ? { body: { bytes: body } } : {}),
    });
    const context = new InvocationContext({
      functionName: route.fn.name,
      invocationId: crypto.randomUUID(),
      logHandler: (level, ...args) => options.log(route.fn.name, level, args.map(String).join(' ')),
    });
    const result = (await route.fn.handler(request, context)) as
      | {
          status?: number;
          jsonBody?: unknown;
          body?: string;
          headers?: Record<string, string>;
        }
      | undefined;
    const status = result?.status ?? 200;
    if (result?.jsonBody !== undefined) {
      res
        .writeHead(status, { 'content-type': 'application/json', ...result.headers })
        .end(JSON.stringify(result.jsonBody));
    } else {
      res.writeHead(status, { ...result?.headers }).end(result?.body ?? '');
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
