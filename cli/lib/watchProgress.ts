/**
 * The live view's headline (`status --watch`): how far the container has got — a bar of terminal ÷ total —,
 * how fast files are finishing, and what needs a person. Pure state-in/state-out: the throughput is the
 * change in the terminal count since the previous refresh, so the caller keeps the returned sample.
 */
import { TERMINAL_STATES } from '../../shared/ledger/states.js';
import { FAILURE_STATES, type StatusReport } from './statusReport.js';

/** What one refresh saw, kept for the next: when, and how many files were terminal. */
export interface ProgressSample {
  readonly atMs: number;
  readonly terminal: number;
}

/** Characters of the bar between its brackets. */
const BAR_WIDTH = 30;

/**
 * The headline lines for `report`, read at `nowMs`, and the sample the next refresh compares with. The first
 * refresh (no `previous`) has no throughput yet and says so.
 */
export function progressLines(
  report: StatusReport,
  nowMs: number,
  previous: ProgressSample | undefined,
): [string[], ProgressSample] {
  const terminal = TERMINAL_STATES.reduce((sum, state) => sum + report.counts[state], 0);
  const share = report.total === 0 ? 1 : terminal / report.total;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const needPerson = FAILURE_STATES.reduce((sum, state) => sum + report.counts[state], 0);
  const lines = [
    `Progress ${bar} ${terminal}/${report.total} files terminal (${Math.floor(share * 100)} %)`,
    `Finishing ${throughput(terminal, nowMs, previous)} · stuck ${report.counts.stuck} · ` +
      `need a person ${needPerson} · backing off after step failures ${report.stepFailures.count}`,
    rateLimitLine(report),
  ];
  return [lines, { atMs: nowMs, terminal }];
}

/** `3.0 files/min over the last 5 s`, or why there is no figure yet. */
function throughput(terminal: number, nowMs: number, previous: ProgressSample | undefined): string {
  if (previous === undefined || nowMs <= previous.atMs) return '— files/min (from the next refresh on)';
  const seconds = (nowMs - previous.atMs) / 1000;
  const perMinute = ((terminal - previous.terminal) / seconds) * 60;
  return `${perMinute.toFixed(1)} files/min over the last ${Math.round(seconds)} s`;
}

/** The 429s the timer's process has seen, all buckets together (the per-bucket lines follow in the report). */
function rateLimitLine(report: StatusReport): string {
  if (report.timer === null) return '429s: no timer run recorded yet';
  const buckets = Object.values(report.timer.buckets);
  const limited = buckets.reduce((sum, b) => sum + b.rateLimited, 0);
  const sends = buckets.reduce((sum, b) => sum + b.sends, 0);
  const share = sends === 0 ? 0 : (limited / sends) * 100;
  return `429s ${limited} of ${sends} API sends (${share.toFixed(1)} %), as the timer's process saw them at ${report.timer.at}`;
}
