/**
 * A pass-through HTTP proxy in front of Azurite's blob endpoint that counts the requests a predicate picks
 * — for the fleet benchmark, the coordination traffic under the ledger container's `fleet/` prefix. Only the
 * app processes are pointed at it (their connection string's BlobEndpoint), so what it counts is theirs.
 *
 * Requests go upstream unchanged, Host header included: Azurite's Put Block From URL accepts a copy source
 * only on the host the request itself was sent to, and the source URLs the app mints name the proxy.
 */
import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A running proxy. */
export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: the upstream URL's path (e.g. `/devstoreaccount1`) goes after it. */
  readonly origin: string;
  /** Requests the predicate picked, by its label. */
  counts(): ReadonlyMap<string, number>;
  /** Every request passed through, picked or not. */
  total(): number;
  /** Forgets every count. */
  reset(): void;
  stop(): Promise<void>;
}

/** Says whether to count a request, and under what label; undefined = not counted. */
export type RequestLabel = (method: string, pathAndQuery: string) => string | undefined;

/** Starts a proxy on a free loopback port forwarding to `upstream` (scheme, host and port are used). */
export async function startCountingProxy(upstream: string, label: RequestLabel): Promise<CountingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const counts = new Map<string, number>();
  let total = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    total++;
    const picked = label(req.method ?? 'GET', req.url ?? '/');
    if (picked !== undefined) counts.set(picked, (counts.get(picked) ?? 0) + 1);
    const upstreamRequest = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    // Either side going away ends the other: a killed app process must not leave an upstream call open.
    upstreamRequest.once('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.once('error', () => upstreamRequest.destroy());
    res.once('close', () => {
      if (!res.writableFinished) upstreamRequest.destroy();
    });
    req.pipe(upstreamRequest);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    counts: () => new Map(counts),
    total: () => total,
    reset: () => {
      counts.clear();
      total = 0;
    },
    stop: () => close(server, sockets, agent),
  };
}

function close(server: Server, sockets: Set<Socket>, agent: Agent): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  agent.destroy();
  return closed;
}

/**
 * The fleet-coordination label of a blob request, or undefined for any other request: a blob under
 * `<container>/fleet/` (`fleet GET`, `fleet PUT`, `fleet HEAD` …, with `?comp=…` when present), or a
 * listing of `container` whose prefix starts with `fleet/` (`fleet list`). Path-style (Azurite puts the
 * account first) and host-style paths are both read.
 */
export function fleetRequestLabel(
  container: string,
  method: string,
  pathAndQuery: string,
): string | undefined {
  const url = new URL(pathAndQuery, 'http://proxy.invalid');
  const segments = url.pathname.split('/').filter(Boolean).map(safeDecode);
  const at = segments.indexOf(container);
  if (at === -1) return undefined;
  const rest = segments.slice(at + 1);
  const comp = url.searchParams.get('comp');
  if (rest.length === 0) {
    const prefix = url.searchParams.get('prefix') ?? '';
    const listing = comp === 'list' && (prefix === 'fleet' || prefix.startsWith('fleet/'));
    return listing ? 'fleet list' : undefined;
  }
  if (rest[0] !== 'fleet' || rest.length < 2) return undefined;
  return `fleet ${method}${comp ? ` ?comp=${comp}` : ''}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
