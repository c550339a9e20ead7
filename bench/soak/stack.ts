/**
 * The soak's stack, all on 127.0.0.1, and how it is started and stopped:
 * - Azurite (in memory) — storage for the app and for the emulator;
 * - the MediaMagic emulator, in this process, with real rate limits (its faults are bench/soak/chaos.ts);
 * - the local event bridge (scripts/devHost/eventBridge.ts), playing Event Grid;
 * - the settings of the function host's processes (started, killed and restarted by bench/soak/
 *   hostSupervisor.ts): the three real functions, driven by queue, timer (every 2 s) and HTTP (webhooks), with
 *   short invocation budgets, and the port the webhook subscription points at.
 *
 * The shared process helpers the soak needs (Azurite's launcher, a child's stop, a free port) are used here
 * and nowhere else in the soak, so moving them is one edit. (The operator's CLI run is its own spawn, in
 * bench/soak/operator.ts.)
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import { EmulatorClient } from '../../emulator/testkit.js';
import { startEventBridge, type EventBridge, type EventRoute } from '../../scripts/devHost/eventBridge.js';
import type { AzuriteInstance } from '../../devkit/azurite.js';
import { freePort } from '../../devkit/freePort.js';
import { systemClock } from '../../shared/clock.js';
import { PoisonRecords } from '../../shared/poison/poisonRecords.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { appEnv, progress, sleep, startBenchAzurite } from '../stack.js';
import type { HostSupervisor } from './hostSupervisor.js';

/** The app's containers and queue (the settings' defaults). */
const SOURCE = 'uploads';
const LEDGER = 'mediamagic-ledger';
const RESULTS = 'mediamagic-results';
const QUEUE = 'blob-created';

/** The running services, the clients the soak watches them through, and the host's settings. */
export interface SoakStack {
  readonly azurite: AzuriteInstance;
  readonly emulator: EmulatorHandle;
  readonly bridge: EventBridge;
  /** The watched container files are uploaded into. */
  readonly source: ContainerClient;
  readonly results: ContainerClient;
  /** Our own reads of the ledger, through a client of our own. */
  readonly ledger: BlobLedger;
  /** Where the Functions host moves a queue message that failed too often. */
  readonly poisonQueue: QueueClient;
  /** What the app's poison drain recorded (the ledger container's `poison/`). */
  readonly poisonRecords: PoisonRecords;
  readonly hostEnv: Record<string, string>;
  readonly hostPort: number;
  /** Messages the emulator logged about its own internal failures (kept off the terminal; not asserted). */
  readonly emulatorErrors: string[];
  stop(): Promise<void>;
  /** Last resort on interrupt: SIGKILL to Azurite, no waiting. */
  killNow(): void;
}

/**
 * Azurite, the emulator (no faults yet), the webhook subscription, the event bridge. `fleet` turns on
 * `FLEET_NEWS` and `FLEET_PACING` in the host's settings (the soak's Flex shape, bench/soak/options.ts).
 */
export async function startStack(
  seed: number,
  route: (blobName: string) => EventRoute,
  fleet = false,
): Promise<SoakStack> {
  const azurite = await startBenchAzurite();
  const emulatorErrors: string[] = [];
  const emulator = await startEmulator({
    storageConnectionString: azurite.connectionString,
    allowInsecureWebhookUrls: true,
    seed,
    // Real limits as well as injected bursts, so the pacer has something to learn.
    rates: {
      submission_write: { ratePerSecond: 10, burst: 10 },
      upload: { ratePerSecond: 20, burst: 20 },
      submission_read: { ratePerSecond: 40, burst: 40 },
    },
    log: (message, error) => emulatorErrors.push(`${message} ${error instanceof Error ? error.message : ''}`),
  });
  const hostPort = await freePort();
  const api = new EmulatorClient(emulator.url, emulator.sandboxKey ?? '');
  const subscription = await api.post<{ secret: string }>('/api/integrations/webhooks/subscriptions', {
    endpointUrl: `http://127.0.0.1:${hostPort}/api/webhooks/mediamagic`,
    eventTypes: ['asset.processing.completed', 'asset.processing.failed'],
  });
  if (subscription.status !== 201) throw new Error(`webhook subscription failed: ${subscription.text}`);

  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  const source = blobs.getContainerClient(SOURCE);
  const ledger = new BlobLedger(blobs.getContainerClient(LEDGER), systemClock);
  const results = blobs.getContainerClient(RESULTS);
  // The app creates these on its first invocation; our watching starts before that.
  await Promise.all([ledger.ensureContainer(), results.createIfNotExists()]);
  // Started before any upload: the bridge (like Event Grid) only reports blobs created after it started.
  // Some events are dropped or poisoned on the way (bench/soak/files.ts): only the sweep finds those files.
  const poisonQueue = queues.getQueueClient(`${QUEUE}-poison`);
  const bridge = await startEventBridge(source, queues.getQueueClient(QUEUE), {
    log: () => undefined,
    route,
    poisonQueue,
  });

  return {
    azurite,
    emulator,
    bridge,
    source,
    results,
    ledger,
    poisonQueue,
    poisonRecords: new PoisonRecords(blobs.getContainerClient(LEDGER)),
    hostPort,
    emulatorErrors,
    hostEnv: appEnv(
      azurite.connectionString,
      { url: emulator.url, sandboxKey: emulator.sandboxKey ?? '' },
      {
        MEDIAMAGIC_WEBHOOK_SECRETS: subscription.body.secret,
        // Short timings, so a few minutes cover many timer runs, hand-offs and lease expiries.
        POLL_SCHEDULE: '*/2 * * * * *',
        INVOCATION_BUDGET_SECONDS: '10',
        POLL_BUDGET_SECONDS: '20',
        POLL_CONCURRENCY: '16',
        // A lost creation response is probed 15 s later and, if no webhook names it, handed to a person after
        // 2 minutes without progress — so the operator's part fits in the run. Other records past 2 minutes
        // are marked stuck too and keep being followed; they must still end complete.
        RECONCILE_DELAY_SECONDS: '15',
        STUCK_AFTER_MINUTES: '2',
        // The recovery run every 15 s, for files uploaded over a minute ago that no event brought in.
        SWEEP_SCHEDULE: '*/15 * * * * *',
        SWEEP_GRACE_MINUTES: '1',
        SWEEP_BUDGET_SECONDS: '20',
        // The processes of a fleet share 429 pauses and breaker openings, and the pace itself, through blobs
        // under fleet/ in the ledger container (a setting the app does not know yet is ignored).
        ...(fleet ? { FLEET_NEWS: 'true', FLEET_PACING: 'true' } : {}),
      },
    ),
    async stop() {
      // The bridge's loop may sit in a storage call; it is told to stop, but not waited on forever.
      await Promise.race([bridge.stop(), sleep(5_000)]);
      await emulator.stop();
      await azurite.stop();
    },
    killNow() {
      void azurite.stop();
    },
  };
}

/**
 * On Ctrl-C or a CI timeout, stops the host, the emulator and Azurite rather than leave them running, then
 * exits 130.
 */
export function stopOnInterrupt(stack: SoakStack, host: HostSupervisor): void {
  const interrupt = (signal: string): void => {
    progress('soak', `${signal}: stopping`);
    // A storage call that hangs must not keep the children alive: after 40 s, kill them outright.
    setTimeout(() => {
      host.killNow();
      stack.killNow();
      process.exit(130);
    }, 40_000).unref();
    void host
      .stop()
      .then(() => stack.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
}
