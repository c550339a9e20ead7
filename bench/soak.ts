/**
 * `npm run soak`: the chaos soak. Files are uploaded into the watched container while everything that can
 * go wrong does, at once, and the function host process is killed (SIGKILL) and restarted twice mid-run.
 * At the end every file must be in a terminal state with the right reason, nothing may have been submitted
 * twice, and the host must not have crashed on its own. Exits non-zero on any violation.
 *
 * The stack, all on 127.0.0.1:
 * - Azurite (in memory) — storage for the app and for the emulator;
 * - the MediaMagic emulator, in this process, with every fault on: 10 % of API calls answered 500/502;
 *   a burst of 429s every 10 s (the next 20 calls, within 3 s) on top of real limits (submission_write
 *   10/s, upload 20/s, submission_read 40/s); 2 % of submission creations processed but their response
 *   lost (connection reset); scripted asset outcomes (5 % fail retryably via `.mmfail-N.`, 2 % fail for
 *   good via `.mmfatal.`); webhook chaos (5 % dropped, 5 % duplicated, all reordered in 250 ms windows);
 * - the local event bridge (scripts/devHost/eventBridge.ts), playing Event Grid;
 * - the function host as its own process (`dist/scripts/devHost/main.js`): the three real functions,
 *   driven by queue, timer (every 2 s) and HTTP (webhooks), with short invocation budgets.
 *
 * Usage: node dist/bench/soak.js [--quick] [--files N] [--seed N] [--drain-minutes M] [--app-root DIR]
 *                                [--no-write]
 * One case needs a person by design — a lost creation response whose every webhook was dropped (nothing can tell
 * the app the submission id): the record goes `stuck`, and the soak plays the operator with the real CLI
 * (`link`, bench/soak/operator.ts), checking against the emulator's evidence that the link was needed.
 *
 * `--quick` = 100 files (CI); default 1,000. `--app-root` runs the host from another built tree (its
 * dist/scripts/devHost/main.js and dist/functions), e.g. a candidate fix. Logs of each host process go to a
 * temporary folder, printed at the end. The drain gives up after `--drain-minutes` (12 quick, 20 full), or
 * when no file has reached a terminal state for 4 minutes (longer than any built-in wait: the reconcile probe
 * 15 s after a lost response, `stuck` 2 minutes without progress), and the assertions then name what is left.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { burst, type FaultRule } from '../emulator/faults.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { EmulatorClient } from '../emulator/testkit.js';
import { startEventBridge, type EventBridge } from '../scripts/devHost/eventBridge.js';
import type { AzuriteInstance } from '../scripts/lib/azurite.js';
import { systemClock } from '../shared/clock.js';
import { BlobLedger } from '../shared/ledger/blobLedger.js';
import {
  LEDGER_STATES,
  TERMINAL_STATES,
  type LedgerRecord,
  type LedgerState,
} from '../shared/ledger/record.js';
import { resultPath } from '../shared/storage/resultsStore.js';
import {
  figure,
  num,
  percentile,
  printSection,
  runContext,
  secs,
  writeSection,
  type BenchSection,
  type MetricRow,
} from './report.js';
import {
  mimeFor,
  pool,
  progress,
  REPO_ROOT,
  sampleBytes,
  sleep,
  startBenchAzurite,
  stopChild,
} from './stack.js';
import { actAsOperator, type OperatorLink, type SoakOperator } from './soak/operator.js';

/** What the soak is asked to do. */
interface SoakOptions {
  readonly files: number;
  readonly quick: boolean;
  readonly seed: number;
  /** Give up waiting for the drain after this long (the assertions then name what is left). */
  readonly drainMs: number;
  /** Where the host's built app lives (default: this checkout). */
  readonly appRoot: string;
  readonly write: boolean;
}

/** One uploaded file and the terminal state it must reach. */
interface PlannedFile {
  readonly name: string;
  readonly expect: 'complete' | 'dead-lettered';
  readonly script: 'plain' | 'mmfail-1' | 'mmfail-2' | 'mmfatal';
}

/** The app's containers and queue (the settings' defaults). */
const SOURCE = 'uploads';
const LEDGER = 'mediamagic-ledger';
const RESULTS = 'mediamagic-results';
const QUEUE = 'blob-created';
/** Longer than any wait built into the app under the soak's settings (see `hostEnv`). */
const STALL_MS = 4 * 60_000;
/** How often the soak's operator looks for files that need a person. */
const OPERATOR_EVERY_MS = 5_000;
/** Records described in full when the check fails; the rest are summarised by state and last reason. */
const DETAILED_RECORDS = 20;

async function main(): Promise<void> {
  const options = parseOptions();
  const logDir = mkdtempSync(path.join(tmpdir(), 'mm-soak-'));
  progress('soak', `${options.files} files, seed ${options.seed}; host logs in ${logDir}`);
  const stack = await startStack(options);
  const host = new HostSupervisor(stack.hostEnv, stack.hostPort, logDir, options.appRoot);
  // Ctrl-C or a CI timeout: stop the host, the emulator and Azurite rather than leave them running.
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
  let violations: string[];
  try {
    await host.start();
    stack.startChaos();
    const files = planFiles(options.files, options.seed);
    const startedAt = Date.now();
    await uploadFiles(stack.source, files);
    progress('soak', `${files.length} files uploaded in ${secs(Date.now() - startedAt)}`);

    const operator: SoakOperator = {
      appRoot: options.appRoot,
      env: stack.hostEnv,
      links: new Map<string, OperatorLink>(),
    };
    const drain = await driveUntilDrained(stack, host, files.length, startedAt, options.drainMs, operator);
    stack.stopChaos();
    await host.stop();
    const findings = await verify(stack, host, files, [...operator.links.values()]);
    violations = findings.violations;
    const section = soakSection(options, files, drain, findings, stack.emulator, host);
    const context = runContext();
    printSection(section, context);
    for (const line of findings.details) console.log(line);
    if (options.write) writeSection(section, context);
  } finally {
    await host.stop();
    await stack.stop();
  }
  console.log(
    violations.length === 0
      ? `SOAK PASSED (host logs: ${logDir})`
      : `SOAK FAILED: ${violations.length} violation(s) (host logs: ${logDir})\n${violations.map((v) => `  - ${v}`).join('\n')}`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
}

function parseOptions(): SoakOptions {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      files: { type: 'string' },
      seed: { type: 'string' },
      'drain-minutes': { type: 'string' },
      'app-root': { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const files = values.files ? Number(values.files) : quick ? 100 : 1000;
  if (!Number.isInteger(files) || files < 10) throw new Error('--files must be a whole number >= 10');
  return {
    files,
    quick,
    seed: values.seed ? Number(values.seed) : Math.floor(Math.random() * 1e9),
    drainMs: Number(values['drain-minutes'] ?? (quick ? 12 : 20)) * 60_000,
    appRoot: path.resolve(values['app-root'] ?? REPO_ROOT),
    write: !values['no-write'],
  };
}

// ---------------------------------------------------------------------------------------------------
// The stack

interface SoakStack {
  readonly azurite: AzuriteInstance;
  readonly emulator: EmulatorHandle;
  readonly bridge: EventBridge;
  readonly source: ContainerClient;
  readonly results: ContainerClient;
  /** Our own reads of the ledger, through a client of our own. */
  readonly ledger: BlobLedger;
  readonly queues: QueueServiceClient;
  readonly hostEnv: Record<string, string>;
  readonly hostPort: number;
  /** Messages the emulator logged about its own internal failures. */
  readonly emulatorErrors: string[];
  startChaos(): void;
  stopChaos(): void;
  stop(): Promise<void>;
  /** Last resort on interrupt: SIGKILL to Azurite, no waiting. */
  killNow(): void;
}

/** Azurite, the emulator (faults off until `startChaos`), the webhook subscription, the event bridge. */
async function startStack(options: SoakOptions): Promise<SoakStack> {
  const azurite = await startBenchAzurite();
  const emulatorErrors: string[] = [];
  const emulator = await startEmulator({
    storageConnectionString: azurite.connectionString,
    allowInsecureWebhookUrls: true,
    seed: options.seed,
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
  const bridge = await startEventBridge(source, queues.getQueueClient(QUEUE), { log: () => undefined });
  let bursts: NodeJS.Timeout | undefined;
  let burstEnd: NodeJS.Timeout | undefined;

  return {
    azurite,
    emulator,
    bridge,
    source,
    results,
    ledger,
    queues,
    hostPort,
    emulatorErrors,
    hostEnv: {
      AzureWebJobsStorage: azurite.connectionString,
      MEDIAMAGIC_API_BASE_URL: emulator.url,
      MEDIAMAGIC_API_KEY: emulator.sandboxKey ?? '',
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
    },
    startChaos() {
      // First, so its 2 % is of all creations: the submission is created, the answer never arrives.
      const steady: FaultRule[] = [
        { route: 'submissions.create', fault: { kind: 'resetAfter' }, probability: 0.02 },
        { route: '*', fault: { kind: 'status', status: 500 }, probability: 0.05 },
        { route: '*', fault: { kind: 'status', status: 502 }, probability: 0.05 / 0.95 },
      ];
      emulator.controls.faults.set(steady);
      emulator.controls.webhooks.setChaos({
        dropProbability: 0.05,
        duplicateProbability: 0.05,
        reorderWindowMs: 250,
      });
      // Every 10 s, a burst: the next 20 API calls answer 429 — but only within 3 s. Bounded in time as well
      // as in count, so a quiet tail of the run is not starved by bursts that nobody consumed.
      bursts = setInterval(() => {
        emulator.controls.faults.set([
          ...steady,
          { route: '*', sequence: burst({ kind: 'rateLimit', retryAfterSeconds: 1 }, 20) },
        ]);
        burstEnd = setTimeout(() => emulator.controls.faults.set(steady), 3_000);
      }, 10_000);
    },
    stopChaos() {
      clearInterval(bursts);
      clearTimeout(burstEnd);
    },
    async stop() {
      clearInterval(bursts);
      clearTimeout(burstEnd);
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// The function host process: started, killed, restarted; its output kept and scanned

/** One run of the host process. */
interface HostRun {
  readonly child: ChildProcess;
  readonly out: string;
  readonly err: string;
  /** Set when we killed it on purpose. */
  killedByUs: boolean;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** Starts, kills and restarts `node dist/scripts/devHost/main.js`, keeping each run's output in files. */
class HostSupervisor {
  readonly runs: HostRun[] = [];
  kills = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly port: number,
    private readonly logDir: string,
    private readonly appRoot: string,
  ) {}

  /** Spawns a host and resolves once it printed DEV_HOST_READY. */
  async start(): Promise<void> {
    const n = this.runs.length + 1;
    const out = path.join(this.logDir, `host-${n}.out.log`);
    const err = path.join(this.logDir, `host-${n}.err.log`);
    const child = spawn(
      process.execPath,
      [path.join(this.appRoot, 'dist/scripts/devHost/main.js'), '--port', String(this.port)],
      {
        cwd: this.appRoot,
        env: { PATH: process.env.PATH ?? '', ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const run: HostRun = { child, out, err, killedByUs: false };
    this.runs.push(run);
    const outFile: WriteStream = createWriteStream(out);
    const errFile: WriteStream = createWriteStream(err);
    child.stdout?.pipe(outFile);
    child.stderr?.pipe(errFile);
    child.once('exit', (code, signal) => (run.exit = { code, signal }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the host did not start within 60 s')), 60_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('DEV_HOST_READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the host exited before it was ready; see ${err}`));
      });
    });
    progress('soak', `host #${n} ready (pid ${child.pid ?? '?'})`);
  }

  /** SIGKILL — no shutdown hooks, in-flight invocations die mid-step — then a fresh host. */
  async killAndRestart(why: string): Promise<void> {
    const run = this.runs.at(-1);
    if (!run || run.exit) return;
    run.killedByUs = true;
    const exited = new Promise<void>((resolve) => run.child.once('exit', () => resolve()));
    run.child.kill('SIGKILL');
    await exited;
    this.kills++;
    progress('soak', `host #${this.runs.length} killed (SIGKILL): ${why}`);
    await sleep(1000);
    await this.start();
  }

  /** SIGKILL to the current host, no waiting (interrupt handling). */
  killNow(): void {
    const run = this.runs.at(-1);
    if (run && !run.exit) run.child.kill('SIGKILL');
  }

  /** Graceful stop of the current host (SIGTERM, as at the end of a deployment slot). */
  async stop(): Promise<void> {
    const run = this.runs.at(-1);
    if (run && !run.exit) await stopChild(run.child, 15_000);
  }

  /** Runs that ended other than by our SIGKILL or a clean exit. */
  crashes(): string[] {
    return this.runs
      .filter((r) => r.exit && !r.killedByUs && r.exit.code !== 0)
      .map(
        (r) =>
          `host run ${path.basename(r.out)} exited code=${String(r.exit?.code)} signal=${String(r.exit?.signal)}`,
      );
  }

  /** Lines in any run's output that mean an error escaped the code that should have handled it. */
  unhandledErrors(): string[] {
    const pattern =
      /Unhandled|unhandled rejection|uncaught|FATAL ERROR|triggerUncaughtException|dev host failed|^\s+at .+:\d+:\d+\)?$/m;
    return this.runs.flatMap((r) =>
      [r.err, r.out].flatMap((file) =>
        readLines(file)
          .filter((line) => pattern.test(line))
          .map((line) => `${path.basename(file)}: ${line.slice(0, 300)}`),
      ),
    );
  }

  /**
   * Warning- and error-level lines the host logged (handled: a retry, or the record stayed due), grouped by
   * message. Two shapes reach stderr: the client's JSON lines (`{"level":"warn","message":…}`) and the dev
   * host's `[time] fn error: message {props}`.
   */
  loggedProblems(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.runs) {
      for (const line of readLines(r.err)) {
        const key = problemKey(line);
        if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts;
  }
}

/** `warn: MediaMagic answered 500 …` — the level and message of one stderr line, without variable props. */
function problemKey(line: string): string | undefined {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as { level?: string; message?: string };
      return `${parsed.level ?? '?'}: ${parsed.message ?? ''}`.slice(0, 160);
    } catch {
      return line.slice(0, 160);
    }
  }
  const m = /^\[[^\]]+\] (\S+) (\w+): (.*?)(?:\s*\{.*)?$/.exec(line);
  return m ? `${m[2] ?? ''} (${m[1] ?? ''}): ${m[3] ?? ''}`.slice(0, 160) : line.slice(0, 160) || undefined;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------
// The files

/**
 * N files of the common types; by a seeded shuffle, 4 % fail once and 1 % twice before completing (5 %
 * retryable), and 2 % fail for good. Markers sit between base name and extension, where the emulator reads
 * them, and survive the pipeline's upload-name rewrite (`name--<key>-g1.ext`).
 */
function planFiles(count: number, seed: number): PlannedFile[] {
  const scripts: PlannedFile['script'][] = Array.from({ length: count }, (_, i) => {
    if (i < Math.round(count * 0.04)) return 'mmfail-1';
    if (i < Math.round(count * 0.05)) return 'mmfail-2';
    if (i < Math.round(count * 0.07)) return 'mmfatal';
    return 'plain';
  });
  shuffle(scripts, seed);
  const types = ['mp4', 'png', 'mp3', 'pdf', 'jpg'];
  return scripts.map((script, i) => {
    const marker = script === 'plain' ? '' : `.${script}`;
    return {
      name: `soak/f-${String(i).padStart(5, '0')}${marker}.${types[i % types.length] ?? 'mp4'}`,
      expect: script === 'mmfatal' ? 'dead-lettered' : 'complete',
      script,
    };
  });
}

/** Fisher–Yates with a small seeded generator (mulberry32), so a seed reproduces the same file mix. */
function shuffle<T>(items: T[], seed: number): void {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

async function uploadFiles(container: ContainerClient, files: readonly PlannedFile[]): Promise<void> {
  await pool(files, 16, async (file) => {
    await container
      .getBlockBlobClient(file.name)
      .uploadData(sampleBytes(file.name), { blobHTTPHeaders: { blobContentType: mimeFor(file.name) } });
  });
}

// ---------------------------------------------------------------------------------------------------
// Driving: watch the ledger, kill the host twice, stop when everything is terminal (or time is up)

/** How the drain went. */
interface Drain {
  readonly drained: boolean;
  /** First upload → every record terminal (or → the give-up time). */
  readonly elapsedMs: number;
  readonly killsAt: string[];
}

async function driveUntilDrained(
  stack: SoakStack,
  host: HostSupervisor,
  total: number,
  startedAt: number,
  drainMs: number,
  operator: SoakOperator,
): Promise<Drain> {
  const killsAt: string[] = [];
  let lastKillAt = startedAt;
  let lastLine = 0;
  let lastTerminal = -1;
  let lastProgressAt = startedAt;
  let lastRequests = { at: Date.now(), total: 0, limited: 0 };
  let lastOperatorAt = 0;
  for (;;) {
    if (Date.now() - lastOperatorAt > OPERATOR_EVERY_MS) {
      lastOperatorAt = Date.now();
      const before = operator.links.size;
      await actAsOperator(stack.ledger, stack.emulator, operator);
      if (operator.links.size > before)
        progress('soak', `operator: ran \`link\` for ${operator.links.size - before} stuck file(s)`);
    }
    const counts = await stateCounts(stack.ledger);
    const terminal = TERMINAL_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
    const created = stack.emulator.stats().submissions.created;
    const elapsed = Date.now() - startedAt;
    if (terminal !== lastTerminal) {
      lastTerminal = terminal;
      lastProgressAt = Date.now();
    }
    if (Date.now() - lastLine > 10_000) {
      lastLine = Date.now();
      // The API's view: how fast the app is calling, and how much of it is throttled.
      const stats = stack.emulator.stats();
      const dt = (Date.now() - lastRequests.at) / 1000;
      const rate = (stats.requests.total - lastRequests.total) / dt;
      const limited = (stats.rateLimited.total - lastRequests.limited) / dt;
      lastRequests = { at: Date.now(), total: stats.requests.total, limited: stats.rateLimited.total };
      progress(
        'soak',
        `${secs(elapsed, 0)}: ${terminal}/${total} terminal; ${describeCounts(counts)}; ` +
          `API ${num(rate, 1)} req/s (${num(limited, 1)} 429/s)`,
      );
    }
    if (terminal >= total) return { drained: true, elapsedMs: elapsed, killsAt };
    const stalled = Date.now() - lastProgressAt > STALL_MS;
    if (elapsed > drainMs || stalled) {
      progress(
        'soak',
        stalled ? `no file became terminal for ${secs(STALL_MS, 0)}: giving up` : 'drain time is up',
      );
      return { drained: false, elapsedMs: elapsed, killsAt };
    }

    // Kill #1 while submissions are being created; kill #2 while results are being followed up. Each
    // falls back to a time limit so two kills always happen, however fast or slow the run is.
    const sinceKill = Date.now() - lastKillAt;
    const due =
      (host.kills === 0 && (created >= total * 0.3 || sinceKill > 30_000)) ||
      (host.kills === 1 && sinceKill > 10_000 && (terminal >= total * 0.6 || sinceKill > 45_000));
    if (due) {
      const why = `${created} submissions created, ${terminal}/${total} terminal`;
      await host.killAndRestart(why);
      killsAt.push(`${secs(Date.now() - startedAt, 0)} (${why})`);
      lastKillAt = Date.now();
    }
    await sleep(1000);
  }
}

/** Records per state from the tag index (cheap; the final check reads every record itself). */
async function stateCounts(ledger: BlobLedger): Promise<Partial<Record<LedgerState, number>>> {
  const entries = await Promise.all(
    LEDGER_STATES.map(async (state) => [state, (await ledger.findByState(state, 100_000)).length] as const),
  );
  return Object.fromEntries(entries.filter(([, n]) => n > 0));
}

function describeCounts(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------------
// The verdict

/** What the final check found. */
interface Findings {
  readonly violations: string[];
  /** Evidence for each violation: state, due, attempts, failure, history — printed after the table. */
  readonly details: string[];
  readonly byState: Record<string, number>;
  readonly wrongOrMissing: number;
  readonly resultsMissing: number;
  readonly duplicatePaths: readonly string[];
  readonly unhandled: readonly string[];
  readonly crashes: readonly string[];
  readonly poisonMessages: number;
  /** How completed records got there: the timer's shortcut after webhooks, or polling. */
  readonly completedVia: { readonly webhooks: number; readonly polling: number };
  /** Seconds from the submission being recorded to the record's terminal state. */
  readonly followUpSeconds: readonly number[];
  /** Lost creation responses and how each was settled: from an orphaned webhook, by a probe, by a person. */
  readonly lost: {
    readonly total: number;
    readonly webhook: number;
    readonly person: readonly OperatorLink[];
  };
}

async function verify(
  stack: SoakStack,
  host: HostSupervisor,
  files: readonly PlannedFile[],
  links: readonly OperatorLink[],
): Promise<Findings> {
  const violations: string[] = [];
  const details: string[] = [];
  const records = new Map<string, LedgerRecord>();
  for await (const record of stack.ledger.list()) records.set(record.source.name, record);
  const byState: Record<string, number> = {};
  for (const record of records.values()) byState[record.state] = (byState[record.state] ?? 0) + 1;

  // 1. Every file terminal, with the right reason. The first few wrong ones in full, the rest summarised.
  let wrongOrMissing = 0;
  const summary = new Map<string, number>();
  const retries = retriesBySubmission(stack.emulator);
  for (const file of files) {
    const record = records.get(file.name);
    const problem = wrongOutcome(file, record, retries.get(record?.submissionId ?? '') ?? 0);
    if (!problem) continue;
    wrongOrMissing++;
    if (wrongOrMissing <= DETAILED_RECORDS) {
      violations.push(`${file.name}: ${problem}`);
      details.push(describeRecord(file, record), ...emulatorView(stack.emulator, record));
    }
    const last = record?.history
      .at(-1)
      ?.reason.replace(/[0-9a-f-]{36}/g, '<id>')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
    const key = `${record?.state ?? 'no record'} (last transition: ${last ?? '—'})`;
    summary.set(key, (summary.get(key) ?? 0) + 1);
  }
  if (wrongOrMissing > DETAILED_RECORDS) {
    violations.push(
      `… and ${wrongOrMissing - DETAILED_RECORDS} more files not in their expected terminal state`,
    );
  }
  if (summary.size > 0) {
    details.unshift(
      'Files not in their expected terminal state, by state and last transition:',
      ...[...summary].sort(([, a], [, b]) => b - a).map(([key, n]) => `  ${n} × ${key}`),
      `The first ${Math.min(DETAILED_RECORDS, wrongOrMissing)} in full:`,
    );
  }

  // 2. Results for every completed file (and a failure report for every dead-lettered one), about the
  //    submission the record names.
  let resultsMissing = 0;
  const written = new Set<string>();
  for await (const blob of stack.results.listBlobsFlat()) written.add(blob.name);
  await pool([...records.values()], 16, async (record) => {
    if (record.state === 'complete') {
      const name = resultPath(record.source.name, 'result');
      const ok = written.has(name) && (await resultNames(stack.results, name, record.submissionId));
      if (!ok) {
        resultsMissing++;
        violations.push(
          `${record.source.name}: complete, but no results document for ${record.submissionId ?? '?'}`,
        );
      }
    } else if (record.state === 'dead-lettered' && !written.has(resultPath(record.source.name, 'failure'))) {
      resultsMissing++;
      violations.push(`${record.source.name}: dead-lettered, but no failure report`);
    }
  });

  // 3. No duplicate submission, and exactly one per file.
  const stats = stack.emulator.stats();
  for (const path of stats.duplicateBlobPaths) violations.push(`duplicate submissions of ${path}`);
  for (const record of records.values()) {
    const n = record.blobPath ? (stats.submissionsByBlobPath[record.blobPath] ?? 0) : 0;
    if (TERMINAL_STATES.includes(record.state) && record.state !== 'rejected' && n !== 1)
      violations.push(`${record.source.name}: ${n} submissions of ${record.blobPath ?? '(no blob path)'}`);
  }

  // 4. A person was asked only where nothing could have told the app the submission id, and it worked.
  for (const link of links) {
    if (!link.needed) violations.push(`${link.name}: handed to a person although ${link.why}`);
    else if (link.exitCode !== 0)
      violations.push(`${link.name}: \`link ${link.submissionId ?? '?'}\` exited ${String(link.exitCode)}`);
  }

  // 5. Nothing crashed or escaped.
  const unhandled = host.unhandledErrors();
  const crashes = host.crashes();
  for (const line of unhandled) violations.push(`unhandled error: ${line}`);
  for (const crash of crashes) violations.push(`host crashed: ${crash}`);
  const poison = await stack.queues
    .getQueueClient(`${QUEUE}-poison`)
    .getProperties()
    .catch(() => undefined);

  // 6. How the follow-up went (not asserted: the story behind the drain time).
  const completedVia = { webhooks: 0, polling: 0 };
  const followUpSeconds: number[] = [];
  for (const record of records.values()) {
    const last = record.history.at(-1);
    const submitted = record.history.find((h) => h.to === 'submitted');
    if (record.state === 'complete' && last) {
      if (last.reason.includes('(from webhooks)')) completedVia.webhooks++;
      else completedVia.polling++;
    }
    if (TERMINAL_STATES.includes(record.state) && submitted && last)
      followUpSeconds.push((Date.parse(last.at) - Date.parse(submitted.at)) / 1000);
  }

  return {
    violations,
    details,
    byState,
    wrongOrMissing,
    resultsMissing,
    duplicatePaths: stats.duplicateBlobPaths,
    unhandled,
    crashes,
    poisonMessages: poison?.approximateMessagesCount ?? 0,
    completedVia,
    followUpSeconds,
    lost: {
      total: stats.lostCreations.length,
      webhook: [...records.values()].filter((r) =>
        r.history.some((h) => h.reason.includes('identified from a webhook')),
      ).length,
      person: links,
    },
  };
}

/** Why a file's record is not what its script promises, or undefined when it is. */
function wrongOutcome(
  file: PlannedFile,
  record: LedgerRecord | undefined,
  emulatorRetries: number,
): string | undefined {
  if (!record) return 'no ledger record (never claimed)';
  if (record.state !== file.expect) return `${record.state}, expected ${file.expect}`;
  if (file.expect === 'dead-lettered' && record.failure?.errorType !== 'UnprocessableMediaError')
    return `dead-lettered for the wrong reason: ${record.failure?.errorType ?? record.failure?.kind ?? '?'}`;
  const needed = file.script === 'mmfail-2' ? 2 : file.script === 'mmfail-1' ? 1 : 0;
  // MediaMagic's count, not the ledger's: a host killed between an accepted retry and its ledger write
  // leaves the ledger one short, while the retry did happen (and MediaMagic enforces its own cap).
  if (emulatorRetries < needed)
    return `complete after ${emulatorRetries} retries, but its script fails ${needed} time(s)`;
  return undefined;
}

/** Retries MediaMagic accepted for each submission's (single) asset, read once for the whole check. */
function retriesBySubmission(emulator: EmulatorHandle): Map<string, number> {
  return new Map(
    emulator.controls.processing.submissions().map((s) => [s.submissionId, s.assets[0]?.retryCount ?? 0]),
  );
}

/** The results document exists and names the record's submission. */
async function resultNames(
  results: ContainerClient,
  name: string,
  submissionId: string | undefined,
): Promise<boolean> {
  try {
    const body = JSON.parse((await results.getBlobClient(name).downloadToBuffer()).toString('utf8')) as {
      submissionId?: string;
    };
    return body.submissionId === submissionId;
  } catch {
    return false;
  }
}

/**
 * What MediaMagic (the emulator) knows about a record's blob path: the submissions it created for it, and
 * what became of each one's webhook deliveries — e.g. a lost creation response whose only event was dropped
 * leaves nothing to tell the app its submission id.
 */
function emulatorView(emulator: EmulatorHandle, record: LedgerRecord | undefined): string[] {
  if (!record?.blobPath) return [];
  const submissions = emulator.controls.processing
    .submissions()
    .filter((s) => s.assets.some((a) => a.blobPath === record.blobPath));
  if (submissions.length === 0) return ['    emulator: no submission exists for this blob path'];
  const deliveries = emulator.controls.webhooks.deliveries();
  return submissions.map((submission) => {
    const mine = deliveries.filter((d) => d.body.includes(submission.submissionId));
    const outcomes = mine.map(
      (d) =>
        `${d.eventType} ${d.state}${d.duplicate ? ' (duplicate)' : ''}` +
        (d.attempts.length > 0 ? ` [${d.attempts.map((a) => a.responseStatus).join(',')}]` : ''),
    );
    return (
      `    emulator: submission ${submission.submissionId} created ${new Date(submission.createdAt).toISOString()}, ` +
      `asset ${submission.assets.map((a) => a.status).join('/')}; webhook deliveries: ${outcomes.join('; ') || 'none'}`
    );
  });
}

function describeRecord(file: PlannedFile, record: LedgerRecord | undefined): string {
  if (!record) return `  ${file.name}: no record`;
  const history = record.history.map((h) => `      ${h.at} ${h.from} → ${h.to}: ${h.reason}`).join('\n');
  return [
    `  ${file.name} (script ${file.script}, expected ${file.expect}):`,
    `    state ${record.state}, due ${record.due ?? '—'}, submitAttempts ${record.submitAttempts}, ` +
      `blobPath ${record.blobPath ?? '—'}, submissionId ${record.submissionId ?? '—'}`,
    `    failure ${record.failure ? JSON.stringify(record.failure) : '—'}; updatedAt ${record.updatedAt}`,
    `    history:\n${history}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The table

function soakSection(
  options: SoakOptions,
  files: readonly PlannedFile[],
  drain: Drain,
  findings: Findings,
  emulator: EmulatorHandle,
  host: HostSupervisor,
): BenchSection {
  const stats = emulator.stats();
  const count = (what: PlannedFile['script']): number => files.filter((f) => f.script === what).length;
  const zero = { text: '0', met: (v: number) => v === 0 };
  const rows: MetricRow[] = [
    {
      metric: `files in the right terminal state (of ${files.length})`,
      target: { text: `${files.length}`, met: (v) => v === files.length },
      figures: [figure(files.length - findings.wrongOrMissing, (v) => num(v))],
    },
    {
      metric: 'completed / dead-lettered files without their results / failure report',
      target: zero,
      figures: [figure(findings.resultsMissing, (v) => num(v))],
    },
    {
      metric: 'duplicate submissions (emulator duplicateBlobPaths)',
      target: zero,
      figures: [figure(findings.duplicatePaths.length, (v) => num(v))],
    },
    {
      metric: 'unhandled errors / host crashes',
      target: zero,
      figures: [
        {
          value: findings.unhandled.length + findings.crashes.length,
          text: `${findings.unhandled.length} / ${findings.crashes.length}`,
        },
      ],
    },
    {
      metric: 'files handed to a person (`link`) that the app could have settled alone',
      target: zero,
      figures: [figure(findings.lost.person.filter((l) => !l.needed).length, (v) => num(v))],
    },
    {
      metric: 'time to drain (first upload → every file terminal)',
      figures: [
        {
          value: drain.elapsedMs,
          text: drain.drained ? secs(drain.elapsedMs) : `not drained after ${secs(drain.elapsedMs)}`,
        },
      ],
    },
  ];
  const faults = stats.faults.byKind;
  const logged = [...host.loggedProblems()].sort(([, a], [, b]) => b - a).slice(0, 10);
  return {
    id: options.quick ? 'soak-quick' : 'soak-full',
    title: options.quick ? 'Chaos soak (--quick)' : 'Chaos soak',
    mode: options.quick ? 'quick' : 'full',
    comparison: { sides: ['Measured'], rows },
    breakdowns: [
      {
        caption: 'What the run threw at the pipeline:',
        headers: ['Chaos', 'Count'],
        rows: [
          [
            'files (plain / .mmfail-1. / .mmfail-2. / .mmfatal.)',
            `${count('plain')} / ${count('mmfail-1')} / ${count('mmfail-2')} / ${count('mmfatal')}`,
          ],
          ['API requests answered (all routes)', num(stats.requests.total)],
          ['injected 500 / 502', `${num(faults['status'] ?? 0)} (500 and 502 together)`],
          [
            'injected 429s (bursts: next 20 calls within 3 s, every 10 s) / rate-limiter 429s',
            `${num(stats.rateLimited.injected)} / ${num(stats.rateLimited.total - stats.rateLimited.injected)}`,
          ],
          [
            'creation responses lost (injected, or the client had gone: kills, timeouts) / records that learned their id from a webhook / handed to a person',
            `${num(findings.lost.total)} / ${num(findings.lost.webhook)} / ${num(findings.lost.person.length)}`,
          ],
          [
            'submissions created / asset retries accepted',
            `${num(stats.submissions.created)} / ${num(stats.submissions.retriesAccepted)}`,
          ],
          ['409 "already submitted" answers (probes and re-drives)', num(stats.duplicates409)],
          [
            'webhook events / dropped / duplicated / failed attempts',
            `${num(stats.webhooks.events)} / ${num(stats.webhooks.dropped)} / ${num(stats.webhooks.duplicated)} / ${num(stats.webhooks.failedAttempts)}`,
          ],
          [
            'host processes killed (SIGKILL) and restarted',
            `${host.kills}: at ${drain.killsAt.join('; ') || '—'}`,
          ],
          ['queue messages moved to the poison queue', num(findings.poisonMessages)],
          [
            'completed after webhooks (timer shortcut) / by polling',
            `${num(findings.completedVia.webhooks)} / ${num(findings.completedVia.polling)}`,
          ],
          [
            'submitted → terminal, p50 / p90 / max',
            findings.followUpSeconds.length > 0
              ? [50, 90, 100].map((p) => secs(percentile(findings.followUpSeconds, p) * 1000)).join(' / ')
              : '—',
          ],
          ['ledger states at the end', describeCounts(findings.byState)],
        ],
      },
      {
        caption:
          'Warnings and errors the host logged and handled (a retry, or the record stayed due), most frequent first:',
        headers: ['Log line', 'Count'],
        rows: logged.length > 0 ? logged.map(([line, n]) => [line, num(n)]) : [['(none)', '0']],
      },
    ],
    notes: [
      `Seed ${options.seed} (\`--seed ${options.seed}\` replays the same file mix and fault draws; timing still varies). ` +
        'Host settings: POLL_SCHEDULE every 2 s, INVOCATION_BUDGET_SECONDS 10, POLL_BUDGET_SECONDS 20, ' +
        'POLL_CONCURRENCY 16, RECONCILE_DELAY_SECONDS 15, STUCK_AFTER_MINUTES 2; everything else at its default ' +
        '(first status poll 30 s after submission, asset retries 30 s apart after the first).',
      'A lost creation response whose every webhook was dropped leaves the app no way to learn the submission ' +
        'id: the record goes `stuck` ("creation never confirmed") and the soak plays the operator, finding the ' +
        'submission by blob path in the emulator and running the built CLI `link`; the file must then complete. ' +
        'Each such hand-over is checked against the emulator: the response was lost and no delivery reached the app.',
      'Checks: every record read from the ledger itself (not the tag index); complete files need a results ' +
        'document naming their submission, and `.mmfail-N.` files at least N asset retries accepted by MediaMagic; `.mmfatal.` files ' +
        'must be dead-lettered with UnprocessableMediaError and have a failure report; every terminal record ' +
        'has exactly one submission for its blob path; host output is scanned for unhandled rejections, ' +
        'uncaught exceptions and stack traces, and every host exit must be ours (SIGKILL) or clean.',
    ],
  };
}

main().catch((error: unknown) => {
  console.error(
    `soak failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(2);
});
