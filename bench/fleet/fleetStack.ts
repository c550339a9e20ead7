/**
 * One fleet run's services, fresh per run so no bucket, news blob or membership carries over: Azurite (in
 * memory), the counting proxy in front of its blob endpoint, the emulator as its own process, and the
 * backlog — files uploaded into the watched container with the local event bridge playing Event Grid, so
 * every file's BlobCreated message is on the queue before the first app process starts.
 *
 * The app processes reach blobs through the proxy and queues directly. The emulator's storage goes through
 * the proxy too: its upload URLs then name the proxy's host, which the app's server-side copy needs (Azurite
 * accepts a Put Block From URL only from a source on the host it was itself reached on).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { AzuriteInstance } from '../../devkit/azurite.js';
import { startEventBridge } from '../../scripts/devHost/eventBridge.js';
import type { Bucket } from '../../shared/mediamagic/buckets.js';
import {
  progress,
  sleep,
  startBenchAzurite,
  startEmulatorProcess,
  uploadSamples,
  waitFor,
  type EmulatorProcess,
} from '../stack.js';
import { fleetRequestLabel, startCountingProxy, type CountingProxy } from './countingProxy.js';

/** The app's containers and queue in every run (their defaults). */
export const FLEET_NAMES = Object.freeze({
  source: 'uploads',
  ledger: 'mediamagic-ledger',
  results: 'mediamagic-results',
  queue: 'blob-created',
});

/** A rate limit as the emulator's `--rate` flag takes it. */
export interface BucketLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** The running services of one run. */
export interface FleetStack {
  readonly azurite: AzuriteInstance;
  readonly proxy: CountingProxy;
  readonly emulator: EmulatorProcess;
  /** `AzureWebJobsStorage` for the app processes: blobs through the proxy, queues direct. */
  readonly appStorage: string;
  stop(): Promise<void>;
  /** Last resort on interrupt: no waiting. */
  killNow(): void;
}

/** Starts Azurite, the proxy and the emulator (with `limits`). */
export async function startFleetStack(
  limits: Readonly<Partial<Record<Bucket, BucketLimit>>>,
): Promise<FleetStack> {
  const azurite = await startBenchAzurite();
  let proxy: CountingProxy | undefined;
  try {
    const blobOrigin = new URL(azurite.blobEndpoint).origin;
    const blobPath = new URL(azurite.blobEndpoint).pathname;
    proxy = await startCountingProxy(blobOrigin, (method, url) =>
      fleetRequestLabel(FLEET_NAMES.ledger, method, url),
    );
    const appStorage = azurite.connectionString.replace(
      /BlobEndpoint=[^;]+/,
      `BlobEndpoint=${proxy.origin}${blobPath}`,
    );
    const flags = Object.entries(limits).flatMap(([bucket, limit]) => [
      '--rate',
      `${bucket}=${limit.ratePerSecond}:${limit.burst}`,
    ]);
    const emulator = await startEmulatorProcess(appStorage, flags);
    const running = proxy;
    return {
      azurite,
      proxy: running,
      emulator,
      appStorage,
      stop: async () => {
        await emulator.stop();
        await running.stop();
        await azurite.stop();
      },
      killNow: () => {
        void emulator.stop();
        void azurite.stop();
      },
    };
  } catch (error) {
    await proxy?.stop();
    await azurite.stop();
    throw error;
  }
}

/**
 * Uploads `names` into the watched container with the event bridge running, and resolves once the bridge
 * has put every file's BlobCreated message on the queue (then stops it: nothing else is uploaded).
 */
export async function uploadBacklog(
  stack: FleetStack,
  names: readonly string[],
  label: string,
): Promise<void> {
  // Our own uploads go straight to Azurite: only the app's traffic passes the proxy.
  const blobs = BlobServiceClient.fromConnectionString(stack.azurite.connectionString);
  const queues = QueueServiceClient.fromConnectionString(stack.azurite.connectionString);
  const source = blobs.getContainerClient(FLEET_NAMES.source);
  const bridge = await startEventBridge(source, queues.getQueueClient(FLEET_NAMES.queue), {
    log: () => undefined,
    pollMs: 500,
  });
  try {
    progress(label, `uploading ${names.length} files`);
    await uploadSamples(source, names);
    await waitFor(
      'the event bridge to enqueue every file',
      () => Promise.resolve(bridge.forwarded() >= names.length ? true : undefined),
      120_000,
      250,
    );
  } finally {
    await Promise.race([bridge.stop(), sleep(5_000)]);
  }
}
