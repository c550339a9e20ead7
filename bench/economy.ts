/**
 * Benchmark 3 — call economy. How many MediaMagic API calls one completed asset costs, and how many storage
 * operations one file costs, with webhooks on and with webhooks off (polling alone), over the real pipeline:
 * `processSourceBlob` per blob (what the queue trigger runs), the timer (`pollDue`, every second), and —
 * with webhooks on — the real `receiveWebhook` function behind an HTTP server the emulator delivers to.
 *
 * How it counts:
 * - API calls: the emulator's own request counters (every answered request, any status), reset after setup
 *   (the webhook subscription is a one-off, not a per-asset cost).
 * - Storage operations: a counting policy in the app's storage client pipeline (bench/stack.ts) — every
 *   request the ledger, source and results clients send — plus one on the client the server-side copy
 *   writes to MediaMagic's upload URL with. Not counted: the BlobCreated queue message itself (in
 *   production add one receive and one delete per file) and the timer's own queries ("what is due?", "which
 *   webhooks found no record?"), one request each per timer run whatever the number of files, shown on
 *   their own row.
 *
 * Production timings throughout (first status poll 30 s after submission), so the polling-only run takes
 * about half a minute longer: that latency is part of what webhooks buy.
 */
import { BlobServiceClient, BlockBlobClient } from '@azure/storage-blob';
import { startHttpHost, type HttpHost } from '../scripts/devHost/httpHost.js';
import type { RegisteredFunction } from '../scripts/devHost/loadApp.js';
import type { AzuriteInstance } from '../devkit/azurite.js';
import { buildAppDeps, type AppDeps } from '../shared/app/appDeps.js';
import { systemClock } from '../shared/clock.js';
import { loadConfig } from '../shared/config/loadConfig.js';
import { copyToUploadUrl } from '../shared/ingest/serverSideCopy.js';
import { BlobLedger } from '../shared/ledger/blobLedger.js';
import { silentLogger } from '../shared/logger.js';
import { processSourceBlob } from '../shared/pipeline/processSourceBlob.js';
import { makeReceiveWebhookHandler } from '../shared/webhooks/receiveWebhookHandler.js';
import { webhookDepsFrom } from '../shared/app/webhookDeps.js';
import { figure, num, secs, type BenchSection, type PlainTable } from './report.js';
import {
  appEnv,
  countInStates,
  countStorageOps,
  pool,
  progress,
  startBenchAzurite,
  startEmulatorProcess,
  startTimerLoop,
  StorageOpCounter,
  uploadSamples,
  waitFor,
  type EmulatorProcess,
} from './stack.js';

/** Inputs of the call-economy benchmark. */
export interface EconomyOptions {
  readonly files: number;
  readonly quick: boolean;
}

/** Full run: 100 files per mode. */
export const FULL_ECONOMY: EconomyOptions = { files: 100, quick: false };
/** Quick run: 20 files per mode. */
export const QUICK_ECONOMY: EconomyOptions = { files: 20, quick: true };

/** What one mode measured. */
interface ModeResult {
  readonly completed: number;
  readonly apiCalls: number;
  readonly apiByRoute: Record<string, number>;
  readonly storageOps: StorageOpCounter;
  readonly timerRuns: number;
  readonly webhookAttempts: number;
  readonly wallMs: number;
  /** Webhooks kept as orphans (no record knew their submission when they arrived) still in the ledger. */
  readonly orphansLeft: number;
}

/**
 * Requests each timer run makes once, whatever the number of files: the "what is due?" query (Find Blobs by
 * Tags) and the listing of orphaned webhooks (List Blobs under `orphans/`).
 */
const PER_RUN = new Set([
  'ledger GET ?restype=container&comp=blobs',
  'ledger GET ?restype=container&comp=list',
]);
const perRun = (label: string): boolean => PER_RUN.has(label);

/** Runs polling-only first (so no subscription exists yet), then webhooks on. */
export async function runEconomy(options: EconomyOptions): Promise<BenchSection> {
  const azurite = await startBenchAzurite();
  const emulator = await startEmulatorProcess(azurite.connectionString, ['--allow-insecure-webhooks']);
  try {
    const off = await runMode('off', azurite, emulator, options);
    const on = await runMode('on', azurite, emulator, options);
    return section(options, on, off);
  } finally {
    await emulator.stop();
    await azurite.stop();
  }
}

async function runMode(
  mode: 'on' | 'off',
  azurite: AzuriteInstance,
  emulator: EmulatorProcess,
  options: EconomyOptions,
): Promise<ModeResult> {
  const label = `economy/webhooks-${mode}`;
  const containers = {
    source: `econ-${mode}-uploads`,
    ledger: `econ-${mode}-ledger`,
    results: `econ-${mode}-results`,
  };
  // The receiver is up before the subscription exists (its URL goes into it); it gets its deps once built.
  const built: { deps?: AppDeps } = {};
  let receiver: HttpHost | undefined;
  let secret: string | undefined;
  if (mode === 'on') {
    receiver = await startHttpHost([webhookFunction(() => built.deps)], { port: 0, log: () => undefined });
    secret = await subscribe(emulator, `${receiver.url}/api/webhooks/mediamagic`);
  }
  const deps = await buildAppDeps(
    loadConfig(
      appEnv(azurite.connectionString, emulator, {
        SOURCE_CONTAINER: containers.source,
        LEDGER_CONTAINER: containers.ledger,
        RESULTS_CONTAINER: containers.results,
        ...(secret ? { MEDIAMAGIC_WEBHOOK_SECRETS: secret } : {}),
      }),
    ),
    { clientLogger: silentLogger },
  );
  built.deps = deps;
  // Our own checks go through a separate, uncounted client.
  const ledgerContainer = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    containers.ledger,
  );
  const monitor = new BlobLedger(ledgerContainer, systemClock);
  try {
    const names = Array.from({ length: options.files }, (_, i) => `econ/${sampleName(i)}`);
    await uploadSamples(deps.sourceContainer, names);

    const counter = new StorageOpCounter();
    const roles = {
      [containers.source]: 'source',
      [containers.ledger]: 'ledger',
      [containers.results]: 'results',
      assets: 'upload URL',
    };
    countStorageOps(deps.blobService, counter, roles);
    const copy: typeof copyToUploadUrl = (source, size, uploadUrl, copyOptions) => {
      const target = new BlockBlobClient(uploadUrl);
      countStorageOps(target, counter, roles);
      return copyToUploadUrl(source, size, uploadUrl, { ...copyOptions, target });
    };
    const before = await emulator.stats();
    await emulator.resetStats();

    progress(label, `${options.files} files`);
    const started = Date.now();
    const timer = startTimerLoop({ ...deps.pollDeps(silentLogger), copy }, 1000);
    // A host runs a handful of queue messages at once; 8 is the Functions default's order of magnitude.
    await pool(names, 8, (name) => processSourceBlob({ ...deps.submitDeps(silentLogger), copy }, name));
    await waitFor(
      'every file to reach a terminal state',
      async () =>
        (await countInStates(monitor, ['complete', 'dead-lettered', 'rejected'])) >= options.files
          ? true
          : undefined,
      5 * 60_000,
      250,
    );
    const wallMs = Date.now() - started;
    await timer.stop();

    const stats = await emulator.stats();
    const completed = await countInStates(monitor, ['complete']);
    let orphansLeft = 0;
    for await (const _ of ledgerContainer.listBlobsFlat({ prefix: 'orphans/' })) orphansLeft++;
    const apiByRoute = Object.fromEntries(Object.entries(stats.routes).map(([route, r]) => [route, r.count]));
    progress(label, `${completed} complete in ${secs(wallMs)}`);
    return {
      completed,
      apiCalls: stats.requests.total,
      apiByRoute,
      storageOps: counter,
      timerRuns: timer.runs(),
      webhookAttempts: stats.webhooks.attempts - before.webhooks.attempts,
      wallMs,
      orphansLeft,
    };
  } finally {
    await receiver?.stop();
    await deps.close();
  }
}

/**
 * The `receiveWebhook` function's handler over the app's deps — exactly what functions/receiveWebhook.ts
 * runs once its deps are built — served by the dev host's HTTP side. (Importing functions/ itself would
 * register the functions with the `@azure/functions` library, which is not what a benchmark process wants.)
 */
function webhookFunction(getDeps: () => AppDeps | undefined): RegisteredFunction {
  const handler: RegisteredFunction['handler'] = (request, context) => {
    const deps = getDeps();
    if (!deps) return Promise.resolve({ status: 503, jsonBody: { detail: 'starting' } });
    return makeReceiveWebhookHandler(webhookDepsFrom(deps))(
      request as Parameters<ReturnType<typeof makeReceiveWebhookHandler>>[0],
      context as Parameters<ReturnType<typeof makeReceiveWebhookHandler>>[1],
    );
  };
  return {
    name: 'receiveWebhook',
    trigger: { type: 'httpTrigger', direction: 'in', route: 'webhooks/mediamagic', methods: ['POST'] },
    handler,
  };
}

/** Creates the webhook subscription (both event types) and returns its signing secret. */
async function subscribe(emulator: EmulatorProcess, endpointUrl: string): Promise<string> {
  const response = await fetch(`${emulator.url}/api/integrations/webhooks/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': emulator.sandboxKey },
    body: JSON.stringify({
      endpointUrl,
      eventTypes: ['asset.processing.completed', 'asset.processing.failed'],
    }),
  });
  const body = (await response.json()) as { secret?: string };
  if (!response.ok || !body.secret) throw new Error(`webhook subscription failed: ${response.status}`);
  return body.secret;
}

/** A mix of the common types: video, image, audio, document. */
function sampleName(i: number): string {
  const ext = ['mp4', 'png', 'mp3', 'pdf', 'jpg'][i % 5] as string;
  return `file-${String(i).padStart(4, '0')}.${ext}`;
}

function section(options: EconomyOptions, on: ModeResult, off: ModeResult): BenchSection {
  const modes = [on, off];
  const perFile = (m: ModeResult): number => m.storageOps.total((l) => !perRun(l)) / options.files;
  return {
    id: 'economy',
    title: 'Call economy',
    mode: options.quick ? 'quick' : 'full',
    comparison: {
      sides: ['Webhooks on', 'Webhooks off (polling only)'],
      rows: [
        {
          metric: 'MediaMagic API calls per completed asset',
          target: { text: '≤ 4 with webhooks', met: (v) => v <= 4 },
          figures: modes.map((m) => figure(m.completed ? m.apiCalls / m.completed : NaN, (v) => num(v, 2))),
          judged: [true, false],
        },
        {
          metric: 'storage operations per file (blob service)',
          figures: modes.map((m) => figure(perFile(m), (v) => num(v, 1))),
        },
        {
          metric: 'timer queries (due records + orphan listing, per timer run)',
          figures: modes.map((m) => ({
            value: m.storageOps.total(perRun),
            text: `${num(m.storageOps.total(perRun))} in ${num(m.timerRuns)} runs`,
          })),
        },
        {
          metric: 'webhook delivery attempts per asset',
          figures: modes.map((m) =>
            figure(m.completed ? m.webhookAttempts / m.completed : 0, (v) => num(v, 2)),
          ),
        },
        {
          metric: 'webhooks kept as orphans and still in the ledger at the end',
          figures: modes.map((m) => figure(m.orphansLeft, (v) => num(v))),
        },
        {
          metric: `files completed (of ${options.files})`,
          target: { text: `${options.files}`, met: (v) => v === options.files },
          figures: modes.map((m) => figure(m.completed, (v) => num(v))),
        },
        {
          metric: 'time until every file was complete',
          figures: modes.map((m) => figure(m.wallMs, (v) => secs(v))),
        },
      ],
    },
    breakdowns: [apiBreakdown(on, off), storageBreakdown(options.files, on, off)],
    notes: [
      `${options.files} small files (mp4, png, mp3, pdf, jpg) per mode through processSourceBlob (8 at a time), ` +
        'the timer every second, production timings. API calls counted by the emulator; storage operations ' +
        "by a counting policy on the app's storage clients (bench/stack.ts `countStorageOps`), including the " +
        'Put Block From URL / Put Block List the server-side copy sends to the upload URL.',
      'Not in the per-file figure: the BlobCreated queue message (one receive + one delete per file in ' +
        "production) and the timer's two queries (due records, orphaned webhooks), which are per timer run (once a " +
        'minute in production), not per file.',
    ],
  };
}

function apiBreakdown(on: ModeResult, off: ModeResult): PlainTable {
  const routes = [...new Set([...Object.keys(on.apiByRoute), ...Object.keys(off.apiByRoute)])].sort();
  return {
    caption: 'API calls per completed asset, by route:',
    headers: ['Route', 'Webhooks on', 'Webhooks off'],
    rows: routes.map((route) => [
      route,
      num((on.apiByRoute[route] ?? 0) / Math.max(1, on.completed), 2),
      num((off.apiByRoute[route] ?? 0) / Math.max(1, off.completed), 2),
    ]),
  };
}

function storageBreakdown(files: number, on: ModeResult, off: ModeResult): PlainTable {
  const a = new Map(on.storageOps.snapshot());
  const b = new Map(off.storageOps.snapshot());
  const labels = [...new Set([...a.keys(), ...b.keys()])].sort();
  return {
    caption: 'Storage operations per file, by container role and request (method, query):',
    headers: ['Operation', 'Webhooks on', 'Webhooks off'],
    rows: labels.map((label) => [
      perRun(label) ? `${label} (per timer run, not per file)` : label,
      num((a.get(label) ?? 0) / files, 2),
      num((b.get(label) ?? 0) / files, 2),
    ]),
  };
}
