/**
 * Benchmark 1 — rate-limit goodput. A backlog of N blobs is there at t = 0; MediaMagic's
 * `submission_write` bucket allows R submissions per second (burst B). With a backlog the server caps
 * goodput at R whatever the client does, so what tells clients apart is what the cap costs: the share of
 * calls answered 429, the files that never get submitted, and duplicates.
 *
 * Sides, each against its own fresh emulator process (same limit, every other bucket unlimited) over one
 * Azurite:
 * - **ours, pipeline**: the whole submission path — `processSourceBlob` per blob (properties, claim, sniff,
 *   upload URL, server-side copy, create) with the app's deps as configured in production, `concurrency`
 *   invocations in flight in one process (so they share one pacer, as the functions of one instance do),
 *   plus the timer re-driving hand-offs (`pollDue` every second). Once with the default pacer (no rate
 *   configured: it learns the rate from the first 429), once with `MEDIAMAGIC_RATE_LIMITS` set to R:B.
 * - **ours, client + gate only**: the real `MediaMagicClient` with its resilience layer (gate, pacer,
 *   breaker, budget) submitting pre-uploaded blob paths, every one at once — the pacer alone, on exactly the
 *   baseline's work. A call handed off (`retry-later`) is called again at its retry time, as the timer would.
 * - **guide baseline**: the `request_with_retries` of MediaMagic's error-handling guide around
 *   `POST /submissions`, one call per pre-uploaded blob, `concurrency` at a time and again all at once.
 */
import type { EmulatorStats } from '../emulator/stats.js';
import { EmulatorClient } from '../emulator/testkit.js';
import { buildAppDeps, type AppDeps } from '../shared/app/appDeps.js';
import { loadConfig } from '../shared/config/loadConfig.js';
import { silentLogger } from '../shared/logger.js';
import {
  MediaMagicClient,
  type CallOptions,
  type CreateSubmissionInput,
} from '../shared/mediamagic/client.js';
import type { SubmissionOutcome } from '../shared/mediamagic/writeOutcomes.js';
import { dispositionOf } from '../shared/pipeline/failureDisposition.js';
import type { PollApi } from '../shared/pipeline/pollDeps.js';
import { processSourceBlob } from '../shared/pipeline/processSourceBlob.js';
import type { BucketGate, PacerOptions } from '../shared/resilience/bucketGate.js';
import { createMediaMagicResilience } from '../shared/mediamagic/resilience.js';
import type { AzuriteInstance } from '../devkit/azurite.js';
import { figure, num, pct, secs, type BenchSection, type MetricRow, type Target } from './report.js';
import { jsonPost, requestWithRetries } from './seedClient.js';
import {
  appEnv,
  countInStates,
  mimeFor,
  pool,
  progress,
  sleep,
  startBenchAzurite,
  startEmulatorProcess,
  startTimerLoop,
  statesOf,
  uploadSamples,
  waitFor,
  type EmulatorProcess,
} from './stack.js';

/** Inputs of the goodput benchmark. */
export interface GoodputOptions {
  readonly files: number;
  /** Pipeline invocations (ours) or calls (baseline) in flight at once, for the "N at a time" sides. */
  readonly concurrency: number;
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly quick: boolean;
}

/** The issue's numbers: 2,000 blobs against 20/s, burst 20. */
export const FULL_GOODPUT: GoodputOptions = {
  files: 2000,
  concurrency: 100,
  ratePerSecond: 20,
  burst: 20,
  quick: false,
};
/** Small enough for a quick look (10–20 s per side). */
export const QUICK_GOODPUT: GoodputOptions = { ...FULL_GOODPUT, files: 300, quick: true };

/** What one side measured. */
export interface SideResult {
  readonly label: string;
  /** Submissions created (201), by the emulator's count. */
  readonly created: number;
  /** Epoch ms of the first `POST /submissions` attempt and of the last 201. */
  readonly firstAttemptAt: number;
  readonly lastCreatedAt: number;
  /** From t = 0 (backlog there) to the last 201 (ours) or the last answer (baseline). */
  readonly wallMs: number;
  readonly createCalls: number;
  readonly create429: number;
  readonly duplicates: number;
  readonly notSubmitted: number;
  readonly notes: string[];
}

const HOUR = 3_600_000;

/** Runs every side and returns the section. */
export async function runGoodput(options: GoodputOptions): Promise<BenchSection> {
  const azurite = await startBenchAzurite();
  try {
    const sides = [
      await runPipeline('pipeline, default pacer', 'learned', azurite, options, undefined),
      await runPipeline(
        `pipeline, configured ${options.ratePerSecond}/s`,
        'configured',
        azurite,
        options,
        `submission_write=${options.ratePerSecond}:${options.burst}`,
      ),
      await runClientOnly(azurite, options),
      await runGuideBaseline(azurite, options, options.concurrency),
      await runGuideBaseline(azurite, options, options.files),
    ];
    return section(options, sides);
  } finally {
    await azurite.stop();
  }
}

/** Our pipeline: `processSourceBlob` per blob, `concurrency` at a time, plus the timer. */
async function runPipeline(
  label: string,
  name: string,
  azurite: AzuriteInstance,
  options: GoodputOptions,
  rateLimits: string | undefined,
): Promise<SideResult> {
  const emulator = await startEmulatorProcess(azurite.connectionString, rateFlag(options));
  const deps = await buildAppDeps(
    loadConfig(
      appEnv(azurite.connectionString, emulator, {
        SOURCE_CONTAINER: `gp-${name}-uploads`,
        LEDGER_CONTAINER: `gp-${name}-ledger`,
        RESULTS_CONTAINER: `gp-${name}-results`,
        ...(rateLimits ? { MEDIAMAGIC_RATE_LIMITS: rateLimits } : {}),
      }),
    ),
    // Following submissions up is not what this measures: push the first status poll past the run so the
    // timer only re-drives hand-offs and follow-up traffic does not compete with submissions.
    { clientLogger: silentLogger, submitTimings: { firstPollDelayMs: HOUR } },
  );
  try {
    const names = Array.from(
      { length: options.files },
      (_, i) => `gp/clip-${String(i).padStart(5, '0')}.mp4`,
    );
    progress(`goodput/${label}`, `uploading ${names.length} blobs`);
    await uploadSamples(deps.sourceContainer, names);
    await emulator.resetStats();

    const timing = newTiming();
    const api = timedApi(deps, timing);
    const submit = { ...deps.submitDeps(silentLogger), api };
    const gate = deps.resilience.gates.get('submission_write');
    const tracer = tracePace(`goodput/${label}`, gate, timing);
    const started = Date.now();
    const timer = startTimerLoop({ ...deps.pollDeps(silentLogger), api }, 1000);
    let thrown = 0;
    // The whole backlog is queued at t = 0 and worked through `concurrency` invocations at a time.
    await pool(names, options.concurrency, (n) =>
      processSourceBlob(submit, n).catch(() => {
        thrown++;
      }),
    );
    // Hand-offs (retry-later past an invocation's deadline) are the timer's: wait until none is left.
    await waitFor(
      'every blob to be submitted',
      async () =>
        (await countInStates(deps.ledger, ['claimed', 'submit-pending'])) === 0 ? true : undefined,
      10 * 60_000,
      1000,
    ).catch(() => progress(`goodput/${label}`, 'gave up waiting for hand-offs after 10 min'));
    tracer.stop();
    await timer.stop();

    const states = await statesOf(deps.ledger);
    return {
      label,
      ...countedByEmulator(await emulator.stats(), options.files),
      firstAttemptAt: timing.first,
      lastCreatedAt: timing.last,
      wallMs: timing.last - started,
      notes: [
        `ledger states at the end: ${Object.entries(states)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}; ${thrown} invocations threw`,
        tracer.summary(),
      ],
    };
  } finally {
    await deps.close();
    await emulator.stop();
  }
}

/**
 * The real client + gate, every pre-uploaded blob path submitted at once; hand-offs driven again the way the
 * timer would. `pacer` overrides the submission_write pacer's options (default: the app's defaults).
 */
export async function runClientOnly(
  azurite: AzuriteInstance,
  options: GoodputOptions,
  label = 'client + gate only, all at once',
  pacer?: Partial<PacerOptions>,
): Promise<SideResult> {
  const emulator = await startEmulatorProcess(azurite.connectionString, rateFlag(options));
  // As the composition root builds it: default resilience (no configured rate), default timeouts — unless
  // a pacer variant is being tried (bench/pacerTuning.ts).
  const resilience = createMediaMagicResilience(pacer ? { rateLimits: { submission_write: pacer } } : {});
  const client = new MediaMagicClient({
    baseUrl: emulator.url,
    apiKey: emulator.sandboxKey,
    logger: silentLogger,
    resilience,
  });
  try {
    const blobPaths = await stageAssets(emulator, 'client', options.files);
    const timing = newTiming();
    const tracer = tracePace(`goodput/${label}`, resilience.gates.get('submission_write'), timing);
    const started = Date.now();
    let handOffs = 0;
    const handOffKinds: Record<string, number> = {};
    const unsettled: string[] = [];
    await Promise.all(
      blobPaths.map(async (blobPath) => {
        // The pipeline's invocation budget (INVOCATION_BUDGET_SECONDS default 120) bounds each call.
        for (let round = 0; round < 20; round++) {
          const outcome = await timed(timing, () =>
            client.createSubmission({ assets: [{ blobPath }] }, { deadlineMs: Date.now() + 120_000 }),
          );
          if (outcome.kind === 'created') return;
          // What the pipeline would do with the outcome: only a `later` disposition is driven again.
          const disposition = outcome.kind === 'failed' ? dispositionOf(outcome.failure) : undefined;
          if (disposition?.kind !== 'later') break;
          handOffs++;
          handOffKinds[outcome.kind === 'failed' ? outcome.failure.kind : ''] =
            (handOffKinds[outcome.kind === 'failed' ? outcome.failure.kind : ''] ?? 0) + 1;
          await sleep(Math.max(0, (disposition.retryAt ?? Date.now() + redriveDelayMs(round)) - Date.now()));
        }
        unsettled.push(blobPath);
      }),
    );
    tracer.stop();
    return {
      label,
      ...countedByEmulator(await emulator.stats(), options.files),
      firstAttemptAt: timing.first,
      lastCreatedAt: timing.last,
      wallMs: timing.last - started,
      notes: [
        `${handOffs} hand-offs (${Object.entries(handOffKinds)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}) driven again as the timer would; ${unsettled.length} calls ended otherwise`,
        tracer.summary(),
      ],
    };
  } finally {
    await client.close();
    await emulator.stop();
  }
}

/** The guide baseline: one `request_with_retries` per pre-uploaded blob, `concurrency` at a time. */
async function runGuideBaseline(
  azurite: AzuriteInstance,
  options: GoodputOptions,
  concurrency: number,
): Promise<SideResult> {
  const atOnce = concurrency >= options.files;
  const label = atOnce
    ? `guide baseline, all ${num(options.files)} at once`
    : `guide baseline, ${concurrency} at a time`;
  const emulator = await startEmulatorProcess(azurite.connectionString, rateFlag(options));
  try {
    const blobPaths = await stageAssets(emulator, atOnce ? 'guide-all' : 'guide', options.files);
    progress(`goodput/${label}`, `${blobPaths.length} submissions`);
    const started = Date.now();
    let lastCreatedAt = started;
    let lastAnswerAt = started;
    let errors = 0;
    const outcomes = await pool(blobPaths, concurrency, async (blobPath) => {
      try {
        const outcome = await requestWithRetries({
          send: jsonPost(`${emulator.url}/api/integrations/submissions`, emulator.sandboxKey, {
            assets: [{ blobPath }],
          }),
          sleep,
          random: Math.random,
        });
        lastAnswerAt = Date.now();
        if (outcome.response.status === 201) lastCreatedAt = Date.now();
        return outcome;
      } catch {
        errors++;
        return undefined;
      }
    });
    const gaveUp = outcomes.filter((o) => o && o.response.status !== 201).length;
    return {
      label,
      ...countedByEmulator(await emulator.stats(), options.files),
      firstAttemptAt: started,
      lastCreatedAt,
      wallMs: lastAnswerAt - started,
      notes: [
        `${gaveUp} calls still had a 429 after 4 attempts (that file is not submitted), ${errors} threw`,
      ],
    };
  } finally {
    await emulator.stop();
  }
}

/** A side's figures as the emulator counted them: submissions, create calls and 429s, duplicates, files left out. */
function countedByEmulator(
  stats: EmulatorStats,
  files: number,
): Pick<SideResult, 'created' | 'createCalls' | 'create429' | 'duplicates' | 'notSubmitted'> {
  const route = stats.routes['POST /api/integrations/submissions'];
  return {
    created: stats.submissions.created,
    createCalls: route?.count ?? 0,
    create429: route?.byStatus['429'] ?? 0,
    duplicates: stats.duplicateBlobPaths.length,
    notSubmitted: files - Object.keys(stats.submissionsByBlobPath).length,
  };
}

/** Uploads `count` small assets through the presigned flow and returns their blob paths; zeroes the stats. */
async function stageAssets(emulator: EmulatorProcess, prefix: string, count: number): Promise<string[]> {
  const api = new EmulatorClient(emulator.url, emulator.sandboxKey);
  const files = Array.from({ length: count }, (_, i) => `${prefix}-clip-${String(i).padStart(5, '0')}.mp4`);
  const blobPaths = await pool(files, 32, (file) => api.upload(file, mimeFor(file)));
  await emulator.resetStats();
  return blobPaths;
}

/** When creates were called and answered; `inFlight` counts calls waiting at the gate or on the wire. */
interface Timing {
  first: number;
  last: number;
  created: number;
  inFlight: number;
}

function newTiming(): Timing {
  return { first: 0, last: 0, created: 0, inFlight: 0 };
}

/** Runs one `createSubmission` call, keeping `timing` up to date. */
async function timed(timing: Timing, call: () => Promise<SubmissionOutcome>): Promise<SubmissionOutcome> {
  timing.first ||= Date.now();
  timing.inFlight++;
  try {
    const outcome = await call();
    if (outcome.kind === 'created') {
      timing.last = Date.now();
      timing.created++;
    }
    return outcome;
  } finally {
    timing.inFlight--;
  }
}

/** The client, with `createSubmission` timed (first attempt, last success) — everything else untouched. */
function timedApi(deps: AppDeps, timing: Timing): PollApi {
  const client = deps.client;
  return {
    requestUploadUrl: (input, opts) => client.requestUploadUrl(input, opts),
    getSubmission: (id, opts) => client.getSubmission(id, opts),
    getAsset: (id, asset, opts) => client.getAsset(id, asset, opts),
    getAssetTopics: (id, asset, opts) => client.getAssetTopics(id, asset, opts),
    retryAsset: (id, asset, opts) => client.retryAsset(id, asset, opts),
    createSubmission: (input: CreateSubmissionInput, opts?: CallOptions) =>
      timed(timing, () => client.createSubmission(input, opts)),
  };
}

/**
 * Samples the pacer every 10 s (for the notes and the progress line), and how many creates were waiting at
 * the gate or on the wire every 100 ms: when that is often zero, the work before the create step — not the
 * pacer — limits the rate.
 */
function tracePace(label: string, gate: BucketGate, timing: Timing): { stop(): void; summary(): string } {
  const trace: string[] = [];
  const perTen: number[] = [];
  let createdBefore = 0;
  const sampler = setInterval(() => {
    const rate = gate.ratePerSecond;
    trace.push(rate === undefined ? 'unpaced' : num(rate, 1));
    perTen.push(timing.created - createdBefore);
    createdBefore = timing.created;
    progress(
      label,
      `${timing.created} submitted, pace ${trace.at(-1) ?? ''}, ${timing.inFlight} creates in flight`,
    );
  }, 10_000);
  const depths: { at: number; inFlight: number }[] = [];
  const depthSampler = setInterval(() => {
    if (timing.first !== 0) depths.push({ at: Date.now(), inFlight: timing.inFlight });
  }, 100);
  return {
    stop: () => {
      clearInterval(sampler);
      clearInterval(depthSampler);
    },
    summary: () => {
      const s = gate.stats();
      // From the first create to the last 201: the tail after it is waiting for nothing.
      const window = depths.filter((d) => d.at <= timing.last);
      const mean = window.reduce((sum, d) => sum + d.inFlight, 0) / Math.max(1, window.length);
      const starved = window.filter((d) => d.inFlight === 0).length / Math.max(1, window.length);
      return (
        `pacer at the end: ${s.ratePerSecond === undefined ? 'unpaced' : `${num(s.ratePerSecond, 1)}/s`}, ` +
        `${s.rateLimited} 429s seen, ${secs(s.pausedMs)} paused in total; ` +
        `pace every 10 s: ${trace.join(' → ') || 'n/a'}; created per 10 s: ${perTen.join(', ') || 'n/a'}; ` +
        `creates waiting or in flight (every 100 ms, first create to last 201): mean ${num(mean, 1)}, ` +
        `none in ${pct(starved)} of samples`
      );
    },
  };
}

/**
 * The timer's re-drive delay for a hand-off without a retry time, as `submitClaimed` computes it: full jitter
 * over 30 s × 2^(attempt−1), capped at 30 min, at least 10 s.
 */
function redriveDelayMs(round: number): number {
  return Math.max(10_000, Math.random() * Math.min(30 * 60_000, 30_000 * 2 ** round));
}

function rateFlag(options: GoodputOptions): string[] {
  return ['--rate', `submission_write=${options.ratePerSecond}:${options.burst}`];
}

/**
 * Sustained goodput ÷ R: submissions beyond the bucket's initial burst (which any client gets for free at
 * t = 0) per second, from the first attempt to the last 201. Without removing the burst, a client that
 * gives up after 3 s would score 1.3 R on 80 submissions.
 */
export function goodputShare(side: SideResult, options: GoodputOptions): number {
  const windowS = (side.lastCreatedAt - side.firstAttemptAt) / 1000;
  if (side.created <= options.burst || windowS <= 0) return 0;
  return (side.created - options.burst) / windowS / options.ratePerSecond;
}

function section(options: GoodputOptions, sides: readonly SideResult[]): BenchSection {
  const R = options.ratePerSecond;
  const atLeast = (text: string, min: number): Target => ({ text, met: (v) => v >= min });
  const atMost = (text: string, max: number): Target => ({ text, met: (v) => v <= max });
  const rows: MetricRow[] = [
    {
      metric: 'submissions/s ÷ R',
      target: atLeast('≥ 0.95', 0.95),
      figures: sides.map((s) => figure(goodputShare(s, options), (v) => num(v, 2))),
    },
    {
      metric: '429 share of POST /submissions',
      target: atMost('≤ 2 %', 0.02),
      figures: sides.map((s) => figure(s.createCalls ? s.create429 / s.createCalls : 0, (v) => pct(v))),
    },
    {
      metric: 'duplicates',
      target: atMost('0', 0),
      figures: sides.map((s) => figure(s.duplicates, (v) => num(v))),
    },
    {
      metric: 'files not submitted',
      target: atMost('0', 0),
      figures: sides.map((s) => figure(s.notSubmitted, (v) => num(v))),
    },
    {
      metric: 'wall time',
      figures: sides.map((s) => figure(s.wallMs, (v) => secs(v))),
    },
    {
      metric: 'calls (of which 429)',
      figures: sides.map((s) => ({
        value: s.createCalls,
        text: `${num(s.createCalls)} (${num(s.create429)})`,
      })),
    },
  ];
  return {
    id: 'goodput',
    title: 'Rate-limit goodput',
    mode: options.quick ? 'quick' : 'full',
    comparison: { sides: sides.map((s) => s.label), rows, layout: 'sides-as-rows' },
    notes: [
      `${num(options.files)} blobs are there at t = 0; the emulator (its own process) limits submission_write ` +
        `to R = ${R}/s with burst ${options.burst}, every other bucket unlimited. "pipeline" = the whole ` +
        'submission path (`processSourceBlob`: properties, ledger claim, sniff, upload URL, server-side copy, ' +
        `create) over real Azurite, ${options.concurrency} invocations in flight in one process, plus the timer ` +
        're-driving hand-offs every second. "client + gate only" and the guide baseline submit ' +
        'pre-uploaded assets.',
      'submissions/s ÷ R counts submissions beyond the initial burst, from the first POST /submissions to the ' +
        'last 201 (the burst is free to any client at t = 0). wall time runs from t = 0 to the last 201 ' +
        '(ours) or to the last answer (the baseline, which gives up).',
      ...sides.flatMap((s) => s.notes.map((n) => `${s.label}: ${n}`)),
    ],
  };
}
