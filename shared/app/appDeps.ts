/**
 * The composition root: reads configuration once, builds the long-lived clients (storage, MediaMagic,
 * resilience state, ledger) once per process, and hands each invocation the deps it needs with its own
 * logger. Every function adapter gets its dependencies from here and nowhere else, loading this module on
 * its first invocation (./lazyAppDeps.ts) rather than when the host loads the app.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import { systemClock, type Clock, type Random } from '../clock.js';
import { loadConfig, type Config } from '../config/loadConfig.js';
import { secretsOf } from '../config/secretsOf.js';
import { copyToUploadUrl } from '../ingest/serverSideCopy.js';
import { BlobLedger } from '../ledger/blobLedger.js';
import { LastPollRunStore } from '../ledger/lastPollRun.js';
import { ReconciliationIndex } from '../ledger/reconciliationIndex.js';
import { Redactor, type Logger } from '../logger.js';
import { MediaMagicClient } from '../mediamagic/client.js';
import { createMediaMagicResilience, type MediaMagicResilience } from '../mediamagic/resilience.js';
import { DEFAULT_POLL_TIMINGS, type PollDeps } from '../pipeline/pollDeps.js';
import { processSourceBlob } from '../pipeline/processSourceBlob.js';
import { DEFAULT_SUBMIT_TIMINGS, type SubmitDeps } from '../pipeline/submitDeps.js';
import type { PoisonDeps } from '../poison/poisonDeps.js';
import { PoisonRecords } from '../poison/poisonRecords.js';
import { logRefusal } from '../resilience/logRefusal.js';
import { createBlobService } from '../storage/blobService.js';
import { BlobFleetNews, type BlobFleetNewsOptions } from '../storage/fleetNewsBlob.js';
import { BlobFleetShares, type BlobFleetSharesOptions } from '../storage/fleetRosterBlobs.js';
import { AzureResultsStore } from '../storage/resultsStore.js';
import type { HandOffQueue } from '../storage/handOffQueue.js';
import { AzureSourceBlobs } from '../storage/sourceBlobs.js';
import { containerPages } from '../sweep/sourcePages.js';
import { blobCursorStore } from '../sweep/sweepCursorStore.js';
import { DEFAULT_SWEEP_LIMITS, type SweepDeps } from '../sweep/sweepDeps.js';
import { observeResilience } from '../telemetry/observeResilience.js';

/** Long-lived, process-wide dependencies. */
export interface AppDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: Random;
  readonly blobService: BlobServiceClient;
  readonly resilience: MediaMagicResilience;
  readonly client: MediaMagicClient;
  readonly ledger: BlobLedger;
  /** Blob-path pointers and orphaned webhooks, for reconciling lost creation responses. */
  readonly reconciliation: ReconciliationIndex;
  /** The polling timer's last run, for the operator's view (`shared/ledger/lastPollRun.ts`). */
  readonly lastPollRun: LastPollRunStore;
  readonly sourceContainer: ContainerClient;
  readonly resultsContainer: ContainerClient;
  readonly redactor: Redactor;
  /** The submission step's deps, logging through `logger` (redacted). */
  submitDeps(logger: Logger): SubmitDeps;
  /** The timer's deps, logging through `logger` (redacted). */
  pollDeps(logger: Logger): PollDeps;
  /**
   * The poison-queue drain's deps (`shared/poison/drainPoisonQueue.ts`), logging through `logger` (redacted).
   * Async: the queue SDK is loaded on first use, so the functions that never drain never load it.
   */
  poisonDeps(logger: Logger): Promise<PoisonDeps>;
  /** The reconciliation sweep's deps (its cursor in the ledger container), logging through `logger`. */
  sweepDeps(logger: Logger): SweepDeps;
  /** Closes network resources (tests and the dev host). */
  close(): Promise<void>;
}

/** Test and dev-host seams. */
export interface BuildOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  /** Where the MediaMagic client logs request failures; default: the console, as JSON lines. */
  readonly clientLogger?: Logger;
  /** Override the timer's built-in timings (tests shorten them). */
  readonly pollTimings?: Partial<Record<keyof typeof DEFAULT_POLL_TIMINGS, number>>;
  /** Override the submit step's built-in timings (tests shorten them). */
  readonly submitTimings?: Partial<Record<keyof typeof DEFAULT_SUBMIT_TIMINGS, number>>;
  /** Override the sweep's built-in limits (tests make them small). */
  readonly sweepLimits?: Partial<Record<keyof typeof DEFAULT_SWEEP_LIMITS, number>>;
  /** Override fleet news's timings when `FLEET_NEWS` is on (tests shorten them). */
  readonly fleetNews?: Partial<BlobFleetNewsOptions>;
  /** Override fleet pacing's timings when `FLEET_PACING` is on (tests shorten them). */
  readonly fleetShares?: Partial<BlobFleetSharesOptions>;
}

/** Builds every long-lived dependency from a validated config and creates the containers it needs. */
export async function buildAppDeps(config: Config, options: BuildOptions = {}): Promise<AppDeps> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const redactor = new Redactor(secretsOf(config));
  const blobService = createBlobService(config.storage);
  const clientLogger = redactor.wrap(options.clientLogger ?? consoleLogger());
  const ledgerContainer = blobService.getContainerClient(config.ledgerContainer);
  // One blob per storage account is one per API key: the app runs against one key per account.
  const fleet = config.fleetNews
    ? new BlobFleetNews(ledgerContainer, clock, clientLogger, options.fleetNews)
    : undefined;
  const shares = config.fleetPacing
    ? new BlobFleetShares(ledgerContainer, clock, clientLogger, options.fleetShares)
    : undefined;
  const resilience = createMediaMagicResilience({
    clock,
    random,
    rateLimits: config.rateLimits,
    onRefusal: logRefusal(clientLogger),
    ...(fleet ? { fleet } : {}),
    ...(shares ? { shares } : {}),
  });
  const apiHost = new URL(config.apiBaseUrl).host;
  // Pace and breaker gauges (no-ops with telemetry off): read when the metrics are collected.
  const stopObserving = observeResilience(resilience.gates, {
    host: apiHost,
    state: () => resilience.breakers.forHost(apiHost).state,
  });
  const client = new MediaMagicClient({
    baseUrl: config.apiBaseUrl,
    apiKey: config.apiKey,
    logger: clientLogger,
    resilience,
    timeouts: config.timeouts,
    extraSecrets: config.webhookSecrets,
  });
  const ledger = new BlobLedger(ledgerContainer, clock);
  const reconciliation = new ReconciliationIndex(ledgerContainer);
  const lastPollRun = new LastPollRunStore(ledgerContainer);
  const sourceContainer = blobService.getContainerClient(config.sourceContainer);
  const resultsContainer = blobService.getContainerClient(config.resultsContainer);
  await Promise.all([ledger.ensureContainer(), resultsContainer.createIfNotExists()]);
  const source = new AzureSourceBlobs(blobService, sourceContainer, clock);
  const results = new AzureResultsStore(resultsContainer);
  const poisonRecords = new PoisonRecords(ledgerContainer);
  let poisonQueue: QueueClient | undefined;
  const handOffs = lazyHandOffQueue(config, clock);
  const submitDeps = (logger: Logger): SubmitDeps => ({
    ledger,
    reconciliation,
    source,
    api: client,
    copy: copyToUploadUrl,
    clock,
    random,
    logger: redactor.wrap(logger),
    settings: {
      sourceContainer: config.sourceContainer,
      ingestMode: config.ingestMode,
      apiBaseUrl: config.apiBaseUrl,
      invocationBudgetMs: config.invocationBudgetSeconds * 1000,
      copyBlockSizeBytes: config.copyBlockSizeMb * 1024 * 1024,
      copyConcurrency: config.copyConcurrency,
      ...DEFAULT_SUBMIT_TIMINGS,
      reconcileDelayMs: config.reconcileDelaySeconds * 1000,
      ...options.submitTimings,
    },
    handOffs,
  });

  return {
    config,
    clock,
    random,
    blobService,
    resilience,
    client,
    ledger,
    reconciliation,
    lastPollRun,
    sourceContainer,
    resultsContainer,
    redactor,
    submitDeps,
    pollDeps: (logger) => ({
      ...submitDeps(logger),
      api: client,
      results,
      poll: {
        ...DEFAULT_POLL_TIMINGS,
        ...(options.pollTimings ?? {}),
        budgetMs: config.pollBudgetSeconds * 1000,
        concurrency: config.pollConcurrency,
        maxAssetRetries: config.maxAssetRetries,
        stuckAfterMs: config.stuckAfterMinutes * 60_000,
      },
    }),
    poisonDeps: async (logger) => {
      const { createPoisonQueue } = await import('../poison/poisonQueue.js');
      poisonQueue ??= createPoisonQueue(config.storage, config.blobEventsQueue);
      return { queue: poisonQueue, records: poisonRecords, submitDeps: submitDeps(logger), redactor };
    },
    sweepDeps: (logger) => {
      const deps = submitDeps(logger);
      return {
        ledger,
        pages: containerPages(sourceContainer),
        cursors: blobCursorStore(ledgerContainer, config.sourceContainer),
        drive: (name) => processSourceBlob(deps, name),
        clock,
        logger: deps.logger,
        settings: {
          ...DEFAULT_SWEEP_LIMITS,
          ...options.sweepLimits,
          budgetMs: config.sweepBudgetSeconds * 1000,
          graceMs: config.sweepGraceMinutes * 60_000,
        },
      };
    },
    close: async () => {
      stopObserving();
      // Leaving the fleet first hands this process's shares to the others at once, not after the lease.
      await shares?.close();
      await client.close();
    },
  };
}

let shared: Promise<AppDeps> | undefined;

/**
 * The process-wide deps, built on first use from `process.env`. A configuration error is thrown on every
 * call (naming each bad setting) until the settings are fixed and the app restarts.
 */
export function getAppDeps(): Promise<AppDeps> {
  shared ??= buildAppDeps(loadConfig(process.env)).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Closes the process-wide deps if they were built (the app's appTerminate hook: a graceful shutdown leaves
 * the fleet at once instead of after the lease); a later {@link getAppDeps} builds them again.
 */
export async function closeAppDeps(): Promise<void> {
  const built = shared;
  shared = undefined;
  const deps = await built?.catch(() => undefined);
  await deps?.close();
}

function consoleLogger(): Logger {
  const line = (level: string, message: string, props?: object): string =>
    JSON.stringify({ level, message, ...props });
  return {
    info: (m, p) => console.log(line('info', m, p)),
    warn: (m, p) => console.warn(line('warn', m, p)),
    error: (m, p) => console.error(line('error', m, p)),
  };
}

/**
 * The BlobCreated trigger's own queue as the place hand-offs wait (docs/design.md, "Hand-offs go back on the
 * queue"); the queue SDK loads with the first hand-off, so a process that never hands off never loads it.
 */
function lazyHandOffQueue(config: Config, clock: Clock): HandOffQueue {
  let queue: HandOffQueue | undefined;
  return {
    async wakeAt(handOff, dueMs) {
      if (queue === undefined) {
        const [{ createHandOffQueue }, { createQueueService }] = await Promise.all([
          import('../storage/handOffQueue.js'),
          import('../storage/queueService.js'),
        ]);
        queue = createHandOffQueue(
          createQueueService(config.storage).getQueueClient(config.blobEventsQueue),
          clock,
        );
      }
      await queue.wakeAt(handOff, dueMs);
    },
  };
}
