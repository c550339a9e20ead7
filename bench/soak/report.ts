/**
 * The soak's table: the checks against their targets, what the run threw at the pipeline, what the host
 * logged and handled, and how it was run — printed, and written into docs/benchmarks.md (`soak-quick` or
 * `soak-full`) unless `--no-write`.
 */
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
import type { SoakOptions } from './options.js';
import type { Findings } from './verify.js';

/** Everything the table is made of. */
export interface SoakRun {
  readonly options: SoakOptions;
  readonly files: readonly PlannedFile[];
  readonly drain: Drain;
  readonly findings: Findings;
  /** The emulator's counters, read as the report is made. */
  readonly stats: EmulatorStats;
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
  return {
    id: options.quick ? 'soak-quick' : 'soak-full',
    title: options.quick ? 'Chaos soak (--quick)' : 'Chaos soak',
    mode: options.quick ? 'quick' : 'full',
    comparison: { sides: ['Measured'], rows: checkRows(run) },
    breakdowns: [chaosTable(run), loggedTable(run.findings)],
    notes: notes(options.seed),
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
function notes(seed: number): string[] {
  return [
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
  ];
}
