/**
 * Starts and stops the MediaMagic sandbox emulator: a real HTTP server on `node:http` that serves the
 * Integrations API contract, backed by its own storage account. Used in-process by tests and
 * benchmarks, and by `npm run emulator` (cli.ts).
 *
 * ```ts
 * const emulator = await startEmulator({ storageConnectionString });
 * await fetch(`${emulator.url}/api/integrations/submissions`, { headers: { 'X-API-Key': emulator.sandboxKey }, … });
 * emulator.stats().submissionsByBlobPath;
 * await emulator.stop();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KeyRing } from './auth.js';
import type { AssetEventInput, Services } from './context.js';
import { createControls, type EmulatorControls } from './controls.js';
import { FaultInjector } from './faults.js';
import { resolveOptions, type EmulatorOptions, type ResolvedOptions } from './options.js';
import { handleRequest } from './pipeline.js';
import { Processor } from './processing.js';
import { RateLimiter } from './rateLimiter.js';
import { StatsRecorder, type BucketCounters, type EmulatorStats } from './stats.js';
import type { Bucket } from '../shared/mediamagic/buckets.js';
import { AssetStorage } from './storage.js';
import { SubmissionStore } from './submissions.js';
import { DeliveryEngine, type WebhookEvent } from './webhookDelivery.js';
import { SubscriptionStore } from './webhooks.js';

export type { EmulatorOptions } from './options.js';
export type { BucketCounters, EmulatorStats } from './stats.js';
export type { EmulatorControls } from './controls.js';

/** A running emulator. */
export interface EmulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:51234` (no trailing slash). */
  readonly url: string;
  /** The first active sandbox (`sk_test_`) key at start, for convenience. */
  readonly sandboxKey: string | undefined;
  /** The first active live (`sk_live_`) key at start. */
  readonly liveKey: string | undefined;
  /** The workspace of `sandboxKey`; blob paths start with it. */
  readonly workspaceId: string | undefined;
  /** Closes the server and every connection, cancels timers and webhook deliveries. Idempotent. */
  stop(): Promise<void>;
  /** A snapshot of the counters (same document as `GET /_emulator/stats`). */
  stats(): EmulatorStats;
  /** Each rate-limit bucket's answers so far (cumulative; cheap to read every second, unlike `stats()`). */
  bucketStats(): Record<Bucket, BucketCounters>;
  readonly controls: EmulatorControls;
}

/** Starts an emulator and resolves once it is listening. */
export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const resolved = resolveOptions(options);
  const storage = await AssetStorage.open(resolved.storageConnectionString);
  const services = createServices(resolved, storage);
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    handleRequest(services, req, res).catch((error: unknown) =>
      resolved.log('unhandled request failure', error),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Malformed HTTP (bad request line, oversized headers) gets a 400 instead of an unhandled socket error.
  server.on('clientError', (_error, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await listen(server, resolved.port, resolved.host);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const sandbox = resolved.keys.find(
    (k) => k.status === 'active' && k.tier === 'api' && k.key.startsWith('sk_test_'),
  );
  const live = resolved.keys.find(
    (k) => k.status === 'active' && k.tier === 'api' && k.key.startsWith('sk_live_'),
  );
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    sandboxKey: sandbox?.key,
    liveKey: live?.key,
    workspaceId: sandbox?.workspaceId,
    stats: () => services.stats.snapshot(),
    bucketStats: () => services.stats.buckets(),
    controls: createControls(services),
    stop: () => (stopping ??= shutdown(server, sockets, services)),
  };
}

function createServices(options: ResolvedOptions, storage: AssetStorage): Services {
  const subscriptions = new SubscriptionStore();
  const deliveries = new DeliveryEngine(options.deliveryPolicy, options.clock, options.random, subscriptions);
  deliveries.setChaos(options.chaos);
  // Processing and stats need `emitAssetEvent`, which needs them: bind late through this holder.
  const services = {} as { -readonly [K in keyof Services]: Services[K] };
  const emitAssetEvent = (input: AssetEventInput): number => {
    const event: WebhookEvent = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      type: input.type,
      timestamp: new Date(options.clock.now()).toISOString(),
      data: {
        submission_id: input.submissionId,
        asset_id: input.assetId,
        workspace_id: input.workspaceId,
        status: input.type === 'asset.processing.completed' ? 'complete' : 'failed',
        ...(input.errorMessage !== undefined ? { error_message: input.errorMessage } : {}),
      },
    };
    services.stats.event(input.sandbox);
    return deliveries.dispatch(event, subscriptions.matching(input.workspaceId, input.type));
  };
  const processor = new Processor(options.clock, options.processing, options.maxRetryAttempts, (asset) => {
    try {
      emitAssetEvent({
        type: asset.status === 'complete' ? 'asset.processing.completed' : 'asset.processing.failed',
        workspaceId: asset.workspaceId,
        submissionId: asset.submissionId,
        assetId: asset.assetId,
        ...(asset.failure ? { errorMessage: asset.failure.message } : {}),
        sandbox: false,
      });
    } catch (error) {
      options.log('failed to emit a webhook event', error);
    }
  });
  Object.assign(services, {
    options,
    keys: new KeyRing(options.keys),
    limiter: new RateLimiter(options.rates, options.clock),
    faults: new FaultInjector(options.faults, options.random),
    storage,
    submissions: new SubmissionStore(),
    processor,
    subscriptions,
    deliveries,
    stats: new StatsRecorder({
      deliveries: () => deliveries.counts(),
      processingPending: () => processor.pendingCount(),
    }),
    emitAssetEvent,
  } satisfies Services);
  return services;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function shutdown(server: Server, sockets: Set<Socket>, services: Services): Promise<void> {
  services.processor.stop();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await Promise.all([closed, services.deliveries.stop()]);
}
