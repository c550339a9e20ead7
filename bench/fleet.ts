/**
 * The fleet benchmark: one API key, many separate processes (docs/benchmarks.md, "Fleet"). On Flex
 * Consumption the queue trigger scales out, and every instance sends with one key whose buckets the server
 * counts per key; each process paces itself today (docs/pacing.md), so N processes overshoot. This measures
 * what fleet-wide coordination (`FLEET_NEWS`, `FLEET_PACING`) does about it.
 *
 * For each fleet size, two runs — **baseline** (both settings off) and **coordinated** (both on) — each on
 * fresh services: Azurite, the emulator as its own process with finite limits on every bucket, and the
 * app as separate dev-host processes (`--only queue` × size, plus one `--only timers` to re-drive
 * hand-offs). A backlog of small files is enqueued first; for sizes ≥ 3 the fleet churns while it works
 * (./fleet/churn.ts). The coordinated rows are judged against the targets; the baseline rows are shown
 * beside them for comparison.
 */
import type { Bucket } from '../shared/mediamagic/buckets.js';
import { killCurrentRun, runFleetOnce, type FleetMode, type FleetRunResult } from './fleet/fleetRun.js';
import type { BucketLimit } from './fleet/fleetStack.js';
import { goodputShare, mainFlow, recoveryMs } from './fleet/timeline.js';
import {
  figure,
  num,
  pct,
  secs,
  type BenchSection,
  type Figure,
  type MetricRow,
  type Target,
} from './report.js';
import { progress } from './stack.js';

/** Inputs of the fleet benchmark. */
export interface FleetOptions {
  readonly files: number;
  readonly sizes: readonly number[];
  /** `submission_write`'s R and burst: what goodput is judged against. */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Every bucket's limit (submission_write's included). */
  readonly limits: Readonly<Partial<Record<Bucket, BucketLimit>>>;
  readonly invocationBudgetSeconds: number;
  readonly quick: boolean;
}

const R = 20;

/** 2,000 files, fleets of 1, 3 and 8 queue processes. */
export const FULL_FLEET: FleetOptions = {
  files: 2000,
  sizes: [1, 3, 8],
  ratePerSecond: R,
  burst: R,
  limits: {
    submission_write: { ratePerSecond: R, burst: R },
    upload: { ratePerSecond: 40, burst: 40 },
    submission_read: { ratePerSecond: 40, burst: 40 },
    webhook_write: { ratePerSecond: 5, burst: 5 },
    webhook_read: { ratePerSecond: 10, burst: 10 },
    sandbox: { ratePerSecond: 5, burst: 5 },
  },
  // Short enough that a SIGKILLed process's claims lapse within the run (lease 2 × 20 s + 60 s), long
  // enough that eight processes' invocations in flight are not handed off while they wait for the bucket.
  invocationBudgetSeconds: 20,
  quick: false,
};
/** 300 files, fleets of 1 and 3. */
export const QUICK_FLEET: FleetOptions = { ...FULL_FLEET, files: 300, sizes: [1, 3], quick: true };

/** Targets of the coordinated rows. */
const TARGETS = {
  goodput: 0.95,
  share429: 0.02,
  shareBackMs: 20_000,
  opsPerCall: 0.1,
  /** The rolling window and the share of R that counts as "back". */
  windowMs: 5_000,
  backShare: 0.9,
} as const;

/** Runs every size in both modes and returns the section. */
export async function runFleet(options: FleetOptions): Promise<BenchSection> {
  const interrupt = (signal: string): void => {
    progress('fleet', `${signal}: stopping every child`);
    killCurrentRun();
    process.exit(130);
  };
  const onSigint = (): void => interrupt('SIGINT');
  const onSigterm = (): void => interrupt('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  try {
    const results: FleetRunResult[] = [];
    for (const size of options.sizes) {
      for (const mode of ['baseline', 'coordinated'] as const satisfies readonly FleetMode[]) {
        results.push(
          await runFleetOnce({
            size,
            mode,
            files: options.files,
            limits: options.limits,
            invocationBudgetSeconds: options.invocationBudgetSeconds,
          }),
        );
      }
    }
    return section(options, results);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/** The figures of one run, as the table shows them. */
interface RunFigures {
  readonly goodput: number;
  readonly goodputWithTail: number;
  readonly createCalls: number;
  readonly create429: number;
  readonly apiCalls: number;
  readonly fleetOps: number;
  readonly shareBackMs: number | undefined;
  readonly tail: number;
  readonly tailLastMs: number | undefined;
}

function figuresOf(run: FleetRunResult, options: FleetOptions): RunFigures {
  const times = run.createTimes;
  const flow = mainFlow(times, { files: run.files, quietMs: 10_000, minShare: 0.85 });
  const route = run.stats.routes['POST /api/integrations/submissions'];
  const first = times[0] ?? 0;
  const all = { first, last: times.at(-1) ?? 0, count: times.length };
  const killedAt = run.killedAt;
  const back =
    killedAt === undefined
      ? undefined
      : (recoveryMs(times, killedAt, {
          windowMs: TARGETS.windowMs,
          threshold: TARGETS.backShare * options.ratePerSecond,
          stepMs: 100,
        }) ?? Number.POSITIVE_INFINITY);
  return {
    goodput: flow ? goodputShare(flow, options.ratePerSecond, options.burst) : 0,
    goodputWithTail: goodputShare(all, options.ratePerSecond, options.burst),
    createCalls: route?.count ?? 0,
    create429: route?.byStatus['429'] ?? 0,
    apiCalls: run.stats.requests.total,
    fleetOps: [...run.fleetOps.values()].reduce((a, b) => a + b, 0),
    shareBackMs: back,
    tail: flow?.tail ?? 0,
    tailLastMs: flow?.tailLast === undefined ? undefined : flow.tailLast - first,
  };
}

function section(options: FleetOptions, runs: readonly FleetRunResult[]): BenchSection {
  const figures = runs.map((run) => figuresOf(run, options));
  const judged = runs.map((run) => run.mode === 'coordinated');
  const atLeast = (text: string, min: number): Target => ({ text, met: (v) => v >= min });
  const atMost = (text: string, max: number): Target => ({ text, met: (v) => v <= max });
  const column = (
    f: (figures: RunFigures, run: FleetRunResult) => Figure | undefined,
  ): (Figure | undefined)[] => runs.map((run, i) => f(figures[i] as RunFigures, run));
  const rows: MetricRow[] = [
    {
      metric: `goodput ÷ R (R = ${options.ratePerSecond}/s)`,
      target: atLeast(`≥ ${TARGETS.goodput}`, TARGETS.goodput),
      figures: column((f) => figure(f.goodput, (v) => num(v, 2))),
      judged,
    },
    {
      metric: '429 share of POST /submissions',
      target: atMost(`≤ ${pct(TARGETS.share429, 0)}`, TARGETS.share429),
      figures: column((f) => figure(f.createCalls ? f.create429 / f.createCalls : 0, (v) => pct(v))),
      judged,
    },
    {
      metric: 'duplicates',
      target: atMost('0', 0),
      figures: column((_, run) => figure(run.duplicates, (v) => num(v))),
      judged,
    },
    {
      metric: 'files lost',
      target: atMost('0', 0),
      figures: column((_, run) => figure(run.lost, (v) => num(v))),
      judged,
    },
    {
      metric: 'share back after SIGKILL',
      target: atMost(`≤ ${secs(TARGETS.shareBackMs, 0)}`, TARGETS.shareBackMs),
      figures: column((f) =>
        f.shareBackMs === undefined
          ? undefined
          : f.shareBackMs === Number.POSITIVE_INFINITY
            ? { value: f.shareBackMs, text: 'not back' }
            : figure(f.shareBackMs, (v) => secs(v)),
      ),
      judged,
    },
    {
      metric: 'coordination storage ops per API call',
      target: atMost(`≤ ${TARGETS.opsPerCall}`, TARGETS.opsPerCall),
      figures: column((f) => figure(f.apiCalls ? f.fleetOps / f.apiCalls : 0, (v) => num(v, 3))),
      judged,
    },
    {
      metric: 'creates (429s)',
      figures: column((f) => ({ value: f.createCalls, text: `${num(f.createCalls)} (${num(f.create429)})` })),
    },
    {
      metric: 'wall time',
      figures: column((_, run) => figure(run.wallMs, (v) => secs(v))),
    },
  ];
  const limits = Object.entries(options.limits)
    .map(([bucket, l]) => `${bucket} ${l.ratePerSecond}/s burst ${l.burst}`)
    .join(', ');
  return {
    id: 'fleet',
    title: 'Fleet',
    mode: options.quick ? 'quick' : 'full',
    comparison: {
      sides: runs.map((run) => `${run.size} × queue, ${run.mode}`),
      rows,
      layout: 'sides-as-rows',
    },
    breakdowns: [
      {
        caption:
          'Per run: churn (time since the first process started, share submitted), tail, coordination requests.',
        headers: [
          'Run',
          'Churn',
          'Main flow / tail',
          'Coordination requests',
          'API calls',
          'Waiting at the end',
          'Logs',
        ],
        rows: runs.map((run, i) => {
          const f = figures[i] as RunFigures;
          return [
            `${run.size} × queue, ${run.mode}`,
            run.churn.map((e) => `${e.action} ${e.label} at ${pct(e.submittedShare, 0)}`).join('; ') ||
              'none',
            `${num(f.goodputWithTail, 2)} × R first → last create; tail ${num(f.tail)} files` +
              (f.tailLastMs === undefined ? '' : `, last at ${secs(f.tailLastMs)}`) +
              (run.drained ? '' : '; wait given up'),
            [...run.fleetOps].map(([label, n]) => `${label} ${num(n)}`).join(', ') || 'none',
            `${num(f.apiCalls)} (${num(run.stats.rateLimited.total)} 429s)`,
            Object.entries(run.waiting)
              .filter(([, n]) => n > 0)
              .map(([state, n]) => `${state} ${num(n)}`)
              .join(', ') || 'none',
            run.logDir,
          ];
        }),
      },
    ],
    notes: [
      `${num(options.files)} small files (8 KiB, valid media) are uploaded and their BlobCreated messages enqueued ` +
        'by the local event bridge before any app process starts. One emulator, one API key, limits: ' +
        `${limits}. Per run, fresh Azurite and emulator; the app is separate dev-host processes ` +
        '(`--only queue` × size, plus one `--only timers`, timer every 2 s; ' +
        `INVOCATION_BUDGET_SECONDS=${options.invocationBudgetSeconds}). Baseline: FLEET_NEWS=false, ` +
        'FLEET_PACING=false. Coordinated: both true. Only the coordinated rows are judged.',
      'Churn (sizes ≥ 3): N − 1 queue processes at first, the N-th joins at 25 % submitted, the longest-running ' +
        'one is sent SIGTERM at 50 %, and at 60 % the one that finished the most files in the last 3 s (one in ' +
        'the last second) is SIGKILLed — from outside, the closest sign that it is sending.',
      'goodput ÷ R: creates beyond the initial burst per second over the main flow (first 201 to the last 201 ' +
        'before a 10-s pause that starts after 85 % of files are submitted), ÷ R. The tail after that pause is ' +
        "the SIGKILLed process's claimed files, re-driven by the timer once their claims lapse (2 × the " +
        'invocation budget + 60 s): the claim lease, not the pacing; the breakdown shows first → last with it.',
      `share back after SIGKILL: from the kill to the end of the first ${secs(TARGETS.windowMs, 0)} window wholly ` +
        `after it in which the fleet created ≥ ${TARGETS.backShare} × R per second (so never under ` +
        `${secs(TARGETS.windowMs, 0)}); "not back" when no such window ends before the last create.`,
      'coordination storage ops per API call: requests the app processes sent under the ledger container’s ' +
        '`fleet/` prefix (blob reads, writes, `?comp=list&prefix=fleet/…` listings), counted by a pass-through ' +
        'proxy in front of Azurite’s blob endpoint, ÷ every API call the emulator answered in the run (the ' +
        "timers process's status polls included). duplicates: source files with more than one submission; " +
        'files lost: source files with none when the wait ended.',
      'A run ends once every file is submitted and no ledger record is `claimed` or `submit-pending` (either ' +
        'could still send a create), or when nothing has moved for a claim lease + 30 s. "Waiting at the end" ' +
        'lists records still in those states or `submitted-unconfirmed` (a 201 that died with the SIGKILLed ' +
        'process: submitted once, the app waits for its id — with no webhook process here, until a person links it).',
      'One queue process works at most 24 messages at once (host.json: batch 16, refill at 8), so its own rate ' +
        'is 24 ÷ the time one file takes end to end; on a loaded two-core machine that can be below R, and a ' +
        'size-1 row, or a fleet reduced to one process by the churn, then shows the machine, not the pacing.',
    ],
  };
}
