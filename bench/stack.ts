/**
 * The pieces every benchmark stands on: Azurite, the MediaMagic emulator as its own process (so the API's
 * event loop never competes with the pipeline being measured), the app's settings pointing at both, sample
 * media, a bounded-concurrency pool, and a storage-operation counter.
 *
 * Everything listens on 127.0.0.1 and is stopped by the caller.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startAzurite, type AzuriteInstance } from '../devkit/azurite.js';
import { stopChild } from '../devkit/stopChild.js';
import { sampleFor } from '../emulator/testkit.js';
import type { EmulatorStats } from '../emulator/stats.js';
import type { Ledger } from '../shared/ledger/ledger.js';
import type { LedgerState } from '../shared/ledger/states.js';
import type { PollDeps } from '../shared/pipeline/pollDeps.js';
import { pollDue } from '../shared/pipeline/pollDue.js';
import { mimeTypesForExtension } from '../shared/validation/mediaTypes.js';

/** The repository root (the compiled file lives in dist/bench/). */
export const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * `startAzurite()` (in memory, free ports) with its extent GC deferred by the bench/azuriteNoGc.ts preload —
 * see there for why. The preload reaches only the Azurite child: NODE_OPTIONS is set just around the call,
 * which spawns the child synchronously before its first await.
 */
export async function startBenchAzurite(): Promise<AzuriteInstance> {
  const previous = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${previous ?? ''} --require ${path.join(__dirname, 'azuriteNoGc.js')}`.trim();
  let starting: Promise<AzuriteInstance>;
  try {
    starting = startAzurite();
  } finally {
    if (previous === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = previous;
  }
  return starting;
}

/** An emulator running as a child process, reached over HTTP like the real API. */
export interface EmulatorProcess {
  readonly url: string;
  readonly sandboxKey: string;
  readonly workspaceId: string;
  /** `GET /_emulator/stats`. */
  stats(): Promise<EmulatorStats>;
  /** `POST /_emulator/stats/reset`: zero the request and submission counters. */
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `dist/emulator/cli.js` on a free port over `storage` with extra CLI flags (e.g. `--rate
 * submission_write=20:20`) and resolves once it printed its URL and key.
 */
export async function startEmulatorProcess(
  storage: string,
  flags: readonly string[] = [],
): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'dist/emulator/cli.js'), '--port', '0', '--storage', storage, ...flags],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = await new Promise<{ url: string; key: string; workspace: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /listening at (http:\/\/\S+)/.exec(output)?.[1];
      const key = /sandbox key:\s+(sk_test_\S+)/.exec(output)?.[1];
      const workspace = /workspace id:\s+(\S+)/.exec(output)?.[1];
      if (url && key && workspace) {
        clearTimeout(timer);
        resolve({ url, key, workspace });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${String(code)}) before it was ready:\n${output}`));
    });
  });
  // Keep draining its output so a chatty emulator can never block on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: ready.url,
    sandboxKey: ready.key,
    workspaceId: ready.workspace,
    stats: async () => (await (await fetch(`${ready.url}/_emulator/stats`)).json()) as EmulatorStats,
    resetStats: async () => {
      const response = await fetch(`${ready.url}/_emulator/stats/reset`, { method: 'POST' });
      await response.arrayBuffer();
    },
    stop: () => stopChild(child, 10_000),
  };
}

/** The app's settings for a local run against `storage` and an emulator; `extra` wins. */
export function appEnv(
  storage: string,
  emulator: { url: string; sandboxKey: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AzureWebJobsStorage: storage,
    MEDIAMAGIC_API_BASE_URL: emulator.url,
    MEDIAMAGIC_API_KEY: emulator.sandboxKey,
    ...extra,
  };
}

/** The allowlisted content type of a file name (`.mp4` → `video/mp4`). */
export function mimeFor(name: string): string {
  const ext = path.extname(name).slice(1).toLowerCase();
  return mimeTypesForExtension(ext)[0] ?? 'application/octet-stream';
}

/**
 * A small valid file for `name`'s extension: the emulator's sample (right magic bytes) padded to `size`.
 * 8 KiB because real media are larger than the 4 KiB sniff window, and because until 57e0c28 the pipeline
 * could not read the head of a shorter blob (docs/benchmarks.md, weakness 6).
 */
export function sampleBytes(name: string, size = 8192): Buffer {
  return sampleFor(name, size);
}

/** Uploads a small valid sample (right magic bytes, right content type) for each name; `onUploaded` after each. */
export async function uploadSamples(
  container: ContainerClient,
  names: readonly string[],
  concurrency = 32,
  onUploaded: () => void = () => undefined,
): Promise<void> {
  await container.createIfNotExists();
  await pool(names, concurrency, async (name) => {
    const bytes = sampleBytes(name);
    await container
      .getBlockBlobClient(name)
      .uploadData(bytes, { blobHTTPHeaders: { blobContentType: mimeFor(name) } });
    onUploaded();
  });
}

/** Runs `work` over `items` with at most `concurrency` in flight; resolves with the results in order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/** Polls `probe` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A plain timer promise. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------
// Counting storage operations

/** Storage requests seen, by a label such as `ledger PUT` or `source GET ?comp=tags`. */
export class StorageOpCounter {
  readonly #byLabel = new Map<string, number>();

  /** Records one request. */
  record(label: string): void {
    this.#byLabel.set(label, (this.#byLabel.get(label) ?? 0) + 1);
  }

  /** Total requests, optionally only those whose label passes `filter`. */
  total(filter: (label: string) => boolean = () => true): number {
    let sum = 0;
    for (const [label, n] of this.#byLabel) if (filter(label)) sum += n;
    return sum;
  }

  /** A copy of the counts, sorted by label. */
  snapshot(): [string, number][] {
    return [...this.#byLabel].sort(([a], [b]) => a.localeCompare(b));
  }

  /** Forgets every count. */
  reset(): void {
    this.#byLabel.clear();
  }
}

/** The parts of `@azure/core-rest-pipeline` the counting policy touches (structural, no extra import). */
interface CorePipeline {
  addPolicy(policy: {
    name: string;
    sendRequest(
      request: { method: string; url: string },
      next: (request: { method: string; url: string }) => Promise<unknown>,
    ): Promise<unknown>;
  }): void;
}

/**
 * Counts every request a storage client (and every container/blob client derived from it) sends, by
 * adding a policy to its HTTP pipeline. The SDK caches one core pipeline per client pipeline and shares it
 * with derived clients, so one policy on the service client sees the ledger, source and results traffic
 * alike. `roles` maps container names to readable labels (`ledger`, `source`, …).
 *
 * The pipeline is reached through the SDK's `storageClientContext`, which is not public API: a bench-only
 * seam. If a future SDK moves it, this throws instead of silently counting nothing.
 */
export function countStorageOps(
  client: BlobServiceClient | ContainerClient | { url: string },
  counter: StorageOpCounter,
  roles: Readonly<Record<string, string>>,
): void {
  const pipeline = (client as unknown as { storageClientContext?: { pipeline?: CorePipeline } })
    .storageClientContext?.pipeline;
  if (!pipeline)
    throw new Error('storage client has no storageClientContext.pipeline; update bench/stack.ts');
  pipeline.addPolicy({
    name: 'benchStorageOpCounter',
    sendRequest: (request, next) => {
      counter.record(labelOf(request.method, request.url, roles));
      return next(request);
    },
  });
}

/** `PUT …/devstoreaccount1/mediamagic-ledger/records/x.json?comp=tags` → `ledger PUT ?comp=tags`. */
export function labelOf(method: string, url: string, roles: Readonly<Record<string, string>>): string {
  const parsed = new URL(url);
  // Azurite puts the account in the path; Azure puts it in the host. Either way the container follows.
  const segments = parsed.pathname.split('/').filter(Boolean);
  const container = segments.find((s) => s in roles) ?? segments[segments.length - 1] ?? '';
  const role = roles[container] ?? container;
  const comp = parsed.searchParams.get('comp');
  const restype = parsed.searchParams.get('restype');
  const query = [restype ? `restype=${restype}` : '', comp ? `comp=${comp}` : ''].filter(Boolean).join('&');
  return `${role} ${method}${query ? ` ?${query}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Driving the pipeline in-process

/** A timer loop like the Functions host's: one `pollDue` run at a time, started every `everyMs`. */
export interface TimerLoop {
  /** Runs completed, and runs whose `pollDue` threw (logged by the caller's deps, never thrown here). */
  readonly runs: () => number;
  readonly failures: () => number;
  stop(): Promise<void>;
}

/**
 * Starts calling `pollDue(deps)` every `everyMs`, never overlapping itself — the host runs a timer as a
 * singleton and skips a tick while the previous run is still going.
 */
export function startTimerLoop(deps: PollDeps, everyMs: number): TimerLoop {
  let stopped = false;
  let runs = 0;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      try {
        await pollDue(deps);
        runs++;
      } catch {
        failures++;
      }
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
  })();
  return {
    runs: () => runs,
    failures: () => failures,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Counts of ledger records by state (one read per record: the body is the truth, not the tag index). */
export async function statesOf(ledger: Ledger): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const record of ledger.list()) counts[record.state] = (counts[record.state] ?? 0) + 1;
  return counts;
}

/** How many records the tag index lists in any of `states` (cheap: one query per state). */
export async function countInStates(ledger: Ledger, states: readonly LedgerState[]): Promise<number> {
  const found = await Promise.all(states.map((state) => ledger.findByState(state, 100_000)));
  return found.reduce((sum, keys) => sum + keys.length, 0);
}

/** A progress line on stderr (tables go to stdout), stamped with seconds since the process started. */
export function progress(label: string, message: string): void {
  process.stderr.write(`[${(performance.now() / 1000).toFixed(1).padStart(6)} s] ${label}: ${message}\n`);
}
