/**
 * The soak's table: the checks against their targets, what the run threw at the pipeline, what the host
 * logged and handled, and how it was run — printed, and written into docs/benchmarks.md (`soak-quick` or
 * `soak-full`) unless `--no-write`.
 */
import type { RateLimits } from '../../emulator/rateLimiter.js';
import type { EmulatorStats } from '../../emulator/stats.js';
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
  type PlainTable,
} from '../report.js';
import { describeCounts, type Drain } from './drive.js';
import type { PlannedFile } from './files.js';
import { FULL_SOAK_INSTANCES, type SoakOptions } from './options.js';
import { BACKLOG_THRESHOLD, pacedThroughput, type PacedThroughput } from './pacedThroughput.js';
import type { Findings } from './verify.js';

/** Everything the table is made of. */
export interface SoakRun {
  readonly options: SoakOptions;
  readonly files: readonly PlannedFile[];
  readonly drain: Drain;
  readonly findings: Findings;
  /** The emulator's counters, read as the report is made. */
  readonly stats: EmulatorStats;
  /** The emulator's rate limits (the real ones, under the chaos's bursts). */
  readonly limits: RateLimits;
  /** Host processes killed (SIGKILL) and restarted. */
  readonly kills: number;
}

/** Prints the section and, after it, the evidence behind any violation; writes it unless `--no-write`. */
export function reportSoak(run: SoakRun): void {
  const section = soakSection(run);
  const context = runContext();
  printSection(section, context);
  for (const line of run.findings.details) console.log(line);
  if (run.options.write) writeSection(section, context);
}

function soakSection(run: SoakRun): BenchSection {
  const { options } = run;
  const shape = shapeSuffix(options);
  return {
    id: `${options.quick ? 'soak-quick' : 'soak-full'}${shape.id}`,
    title: `${options.quick ? 'Chaos soak (--quick)' : 'Chaos soak'}${shape.title}`,
    mode: options.quick ? 'quick' : 'full',
    comparison: { sides: ['Measured'], rows: [...checkRows(run), ...throughputRows(run)] },
    breakdowns: [chaosTable(run), loggedTable(run.findings)],
    notes: notes(options),
  };
}

/**
 * Where a run that is not its mode's default shape writes its section, so a baseline (`--no-fleet`) or a
 * single-host full run never overwrites the default's figures: `-single`, `-flex5`, `-flex3-no-fleet`.
 */
function shapeSuffix({ quick, instances, fleet }: SoakOptions): { id: string; title: string } {
  const isDefault = quick ? instances === 1 : instances === FULL_SOAK_INSTANCES && fleet;
  if (isDefault) return { id: '', title: '' };
  if (instances === 1) return { id: '-single', title: ', single host' };
  return {
    id: `-flex${instances}${fleet ? '' : '-no-fleet'}`,
    title: `, ${instances} queue instances${fleet ? '' : ' without fleet news and pacing'}`,
  };
}

/**
 * One row per paced bucket: accepted answers per second while backlogged, as a share of its limit
 * (bench/soak/pacedThroughput.ts has the definition). Reported, never a violation: the exit code does not
 * depend on it in either mode.
 */
function throughputRows({ drain, limits }: SoakRun): MetricRow[] {
  const writes = limits.submission_write?.ratePerSecond;
  return pacedThroughput(drain.throughput, limits).map((figure): MetricRow => {
    const backlog =
      figure.bucket === 'submission_read' ? 'records due for a follow-up' : 'files waiting to be submitted';
    // Each file is uploaded and then submitted in one invocation, so, sustained, uploads cannot outrun the
    // submission_write limit: upload is judged against the rate it can be used at, not a limit no demand
    // reaches (it is not pace-bound then; the limit is said beside it).
    const usable =
      figure.bucket === 'upload' && writes !== undefined && writes < figure.limit ? writes : figure.limit;
    const against =
      usable < figure.limit
        ? `the rate it can be used at, ${num(usable)}/s (limit ${num(figure.limit)}/s; one upload per submission, submission_write ${num(usable)}/s)`
        : `its limit ${num(figure.limit)}/s`;
    return {
      metric: `paced throughput while backlogged (≥ ${BACKLOG_THRESHOLD} ${backlog}): ${figure.bucket}, accepted ÷ ${against}`,
      target: { text: '≥ 0.85', met: (v) => v >= 0.85 },
      figures: [throughputFigure(figure, usable)],
      judged: [figure.share !== undefined],
    };
  });
}

/** `0.91 (18.2/s over 84 s; 30 s left out: chaos 429s)`: accepted per second ÷ `usable`. */
function throughputFigure(figure: PacedThroughput, usable: number): { value: number; text: string } {
  const excluded =
    figure.excludedSeconds > 0 ? `; ${secs(figure.excludedSeconds * 1000, 0)} left out: chaos 429s` : '';
  if (figure.share === undefined)
    return { value: 0, text: `no backlogged second (at most ${figure.peakBacklog} waiting)${excluded}` };
  const rate = figure.accepted / figure.seconds;
  const share = rate / usable;
  return {
    value: share,
    text: `${num(share, 2)} (${num(rate, 1)}/s over ${secs(figure.seconds * 1000, 0)}${excluded})`,
  };
}

/** The checks, each against its target. */
function checkRows({ files, drain, findings }: SoakRun): MetricRow[] {
  const zero = { text: '0', met: (v: number) => v === 0 };
  return [
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
}

/** What the run threw at the pipeline, and how the pipeline got through it. */
function chaosTable({ files, drain, findings, stats, kills }: SoakRun): PlainTable {
  const count = (what: PlannedFile['script']): number => files.filter((f) => f.script === what).length;
  const faults = stats.faults.byKind;
  return {
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
      ['host processes killed (SIGKILL) and restarted', `${kills}: at ${drain.killsAt.join('; ') || '—'}`],
      [
        'events dropped / poisoned on the way (found by the sweep) / poison messages driven / left',
        `${num(findings.eventsLost.dropped)} / ${num(findings.eventsLost.poisoned)} / ${num(findings.eventsLost.poisonDriven)} / ${num(findings.poisonMessages)}`,
      ],
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
  };
}

/** The ten most frequent warnings and errors the host logged and handled. */
function loggedTable(findings: Findings): PlainTable {
  const logged = [...findings.loggedProblems].sort(([, a], [, b]) => b - a).slice(0, 10);
  return {
    caption:
      'Warnings and errors the host logged and handled (a retry, or the record stayed due), most frequent first:',
    headers: ['Log line', 'Count'],
    rows: logged.length > 0 ? logged.map(([line, n]) => [line, num(n)]) : [['(none)', '0']],
  };
}

/** How the run was set up and what its checks were. */
function notes({ seed, instances, fleet }: SoakOptions): string[] {
  const shape =
    instances === 1
      ? 'Host: one dev host process driving every function.'
      : `Host in the Flex Consumption shape: ${instances} dev-host processes with \`--only queue\`, one with ` +
        '`--only timers`, one with `--only http` (the webhook receiver); each kill SIGKILLs one of them, drawn ' +
        `from the seed (a queue process 60 % of the time, else the timers or the HTTP process), and restarts it; ` +
        `FLEET_NEWS and FLEET_PACING ${fleet ? 'true' : 'false (`--no-fleet`, the baseline)'} in every process.`;
  return [
    shape,
    `Seed ${seed} (\`--seed ${seed}\` replays the same file mix and fault draws; timing still varies). ` +
      'Host settings: POLL_SCHEDULE every 2 s, INVOCATION_BUDGET_SECONDS 10, POLL_BUDGET_SECONDS 20, ' +
      'POLL_CONCURRENCY 16, RECONCILE_DELAY_SECONDS 15, STUCK_AFTER_MINUTES 2, SWEEP_SCHEDULE every 15 s, ' +
      'SWEEP_GRACE_MINUTES 1, SWEEP_BUDGET_SECONDS 20; everything else at its default ' +
      '(first status poll 30 s after submission, asset retries 30 s apart after the first).',
    'A lost creation response whose every webhook was dropped leaves the app no way to learn the submission ' +
      'id: the record goes `stuck` ("creation never confirmed") and the soak plays the operator, finding the ' +
      'submission by blob path in the emulator and running the built CLI `link`; the file must then complete. ' +
      'Each such hand-over is checked (bench/soak/handOver.ts): no delivery about it reached the app, and its ' +
      'response was lost — never delivered, or handed to a host the soak SIGKILLed before it could have ' +
      'written it to the ledger.',
    'Checks: every record read from the ledger itself (not the tag index); complete files need a results ' +
      'document naming their submission, and `.mmfail-N.` files at least N asset retries accepted by MediaMagic; `.mmfatal.` files ' +
      'must be dead-lettered with UnprocessableMediaError and have a failure report; every terminal record ' +
      'has exactly one submission for its blob path; host output is scanned for unhandled rejections, ' +
      'uncaught exceptions and stack traces, and every host exit must be ours (SIGKILL) or clean.',
    `Paced throughput while backlogged (reported, not a check): MediaMagic's answers other than 429 per ` +
      'rate-limit bucket, sampled every second, over the seconds in which at least ' +
      `${BACKLOG_THRESHOLD} files were waiting to be submitted (upload, submission_write) or ` +
      `${BACKLOG_THRESHOLD} records were due for a follow-up (submission_read) at both ends, leaving out ` +
      'the seconds in which the chaos itself answered that bucket 429 and the second after (its Retry-After), ' +
      "divided by the bucket's limit; bench/soak/pacedThroughput.ts.",
  ];
}
