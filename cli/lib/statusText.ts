/**
 * The human rendering of `status`: the same documents `--json` prints, laid out for a terminal at 2 a.m. —
 * counts first, then every failure with its reason and what to do, then what the timer will pick up.
 */
import { LEDGER_STATES } from '../../shared/ledger/states.js';
import { formatBytes } from '../../shared/validation/validateBlob.js';
import type { RecordView } from './recordView.js';
import type { LastPollRun } from '../../shared/ledger/lastPollRun.js';
import type { FailureReason, PoisonSection, StatusReport } from './statusReport.js';
import { fleetLines } from './fleetView.js';
import { failedRuns, stepFailureLines } from './stepFailureView.js';

/** The lines of a {@link StatusReport}. */
export function statusLines(report: StatusReport): string[] {
  const lines = [
    `Ledger ${report.containers.ledger}: ${report.total} record${report.total === 1 ? '' : 's'} for ` +
      `container ${report.containers.source} (as of ${report.generatedAt})`,
    '',
    ...LEDGER_STATES.map((state) => `  ${state.padEnd(22)} ${String(report.counts[state]).padStart(6)}`),
    '',
  ];
  if (report.failures.length === 0) lines.push('Failures: none');
  else {
    lines.push(`Failures (${report.failures.length}):`);
    for (const f of report.failures) {
      lines.push(
        `  ${f.state.padEnd(14)} ${f.blob}  (generation ${f.generation}${f.submissionId ? `, submission ${f.submissionId}` : ''}, since ${f.since})`,
        ...reasonLines(f.reason, '      '),
        `      what to do: ${f.action}`,
      );
    }
  }
  lines.push('', ...stepFailureLines(report.stepFailures), '');
  if (report.due.length === 0) lines.push('Due for the timer: none');
  else {
    lines.push(`Due for the timer (${report.due.length}) — its next run works on these:`);
    for (const d of report.due) lines.push(`  ${d.state.padEnd(22)} ${d.blob}  (due ${d.due})`);
  }
  lines.push('', ...poisonLines(report.poison));
  lines.push('', ...timerLines(report.timer, Date.parse(report.generatedAt)));
  if (report.fleet !== null) lines.push('', ...fleetLines(report.fleet));
  lines.push('', 'One file in detail: mediamagic-autosubmit status --blob <name>');
  return lines;
}

/** The poison queue's depth, then each recorded message: outcome, blob (or id), when, and the detail. */
function poisonLines(poison: PoisonSection): string[] {
  const waiting =
    poison.waiting === null
      ? `Poison queue ${poison.queue}: could not be read (${poison.waitingError ?? 'unknown error'})`
      : poison.waiting === 0
        ? `Poison queue ${poison.queue}: empty`
        : `Poison queue ${poison.queue}: about ${poison.waiting} message${poison.waiting === 1 ? '' : 's'} ` +
          `waiting (the submission function failed on ${poison.waiting === 1 ? 'it' : 'them'}; the drain takes them on its next run)`;
  if (poison.messages.length === 0) return [waiting, 'Poison messages recorded: none'];
  const lines = [waiting, `Poison messages recorded (${poison.messages.length}):`];
  for (const m of poison.messages) {
    const outcome = m.result !== null && m.outcome === 'driven' ? `driven: ${m.result}` : m.outcome;
    const what = m.blob ?? `message ${m.messageId}`;
    const since = m.insertedOn ? `poisoned ${m.insertedOn}, ` : '';
    lines.push(
      `  ${outcome.padEnd(22)} ${what}  (${since}recorded ${m.recordedAt}, ${m.attempts} drive${m.attempts === 1 ? '' : 's'})`,
    );
    if (m.detail !== null) lines.push(`      ${m.detail}`);
  }
  return lines;
}

/** The lines of one {@link RecordView}. */
export function recordLines(view: RecordView): string[] {
  const contentLength = view.contentLength !== null ? `, ${formatBytes(view.contentLength)}` : '';
  const previous = view.previousSubmissionId ? `  (previous version ${view.previousSubmissionId})` : '';
  const lines = [
    `${view.blob}  (container ${view.container})`,
    field('state', `${view.state}${view.terminal ? ' (final)' : ''}`),
    field('generation', `${view.generation}  (source ETag ${view.sourceEtag})`),
    field('content', `${view.contentType ?? 'unknown type'}${contentLength}`),
    field('submission', `${view.submissionId ?? '(none yet)'}${previous}`),
    field('MediaMagic path', view.blobPath ?? '(none yet)'),
    field('due', view.due ?? '(not scheduled)'),
    field('submit attempts', String(view.submitAttempts)),
  ];
  if (view.stepFailures) {
    const sf = view.stepFailures;
    lines.push(
      field('step failures', `${failedRuns(sf)}; next try ${sf.nextTryAt ?? '(not scheduled)'}`),
      `    last error at ${sf.lastAt}: ${sf.lastError}`,
    );
  }
  if (view.failure) lines.push('  reason:', ...reasonLines(view.failure, '    '));
  if (view.assets.length > 0) {
    lines.push('  assets:');
    for (const a of view.assets) {
      const error =
        a.errorType || a.errorMessage ? ` — ${[a.errorType, a.errorMessage].filter(Boolean).join(': ')}` : '';
      lines.push(
        `    ${a.assetId}  ${a.status ?? 'unknown'}  retries ${a.retryCount}${a.resultsWritten ? '  results written' : ''}${error}`,
      );
    }
  }
  lines.push('  history:');
  if (view.history.length === 0) lines.push('    (no state changes yet)');
  for (const h of view.history) lines.push(`    ${h.at}  ${h.from} → ${h.to}  ${h.reason}`);
  const { container, result, failure } = view.results;
  lines.push(
    field('results', `${container}/${result.path}${result.exists ? '' : ' (not written yet)'}`),
    field('failure report', `${container}/${failure.path}${failure.exists ? '' : ' (none)'}`),
    field('next', view.next),
  );
  return lines;
}

function field(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(17)} ${value}`;
}

/** A failure reason as lines: `kind, HTTP status, errorType: detail`, then one line per invalid field. */
export function reasonLines(reason: FailureReason, indent: string): string[] {
  const head = [reason.kind, reason.status !== null ? `HTTP ${reason.status}` : undefined, reason.errorType]
    .filter((part) => part !== undefined && part !== null)
    .join(', ');
  return [
    `${indent}${head}: ${reason.detail}`,
    ...reason.fields.map((f) => `${indent}  field ${f.field}: ${f.message}`),
  ];
}

/** When the polling timer last ran and what it did, then each bucket's pace and 429s as its process saw them. */
export function timerLines(timer: LastPollRun | null, nowMs: number): string[] {
  if (timer === null)
    return ['Timer: no run recorded yet (each polling run records itself in the ledger container)'];
  const ago = Math.max(0, Math.round((nowMs - Date.parse(timer.at)) / 1000));
  const lines = [
    `Timer: last run ${timer.at} (${ago} s ago): ${timer.found} due, ${timer.worked} worked, ` +
      `${timer.leftForNextRun} left for the next run, ${timer.errors} errors${timer.blocked ? ', BLOCKED (API key or plan refused)' : ''}`,
  ];
  const buckets = Object.entries(timer.buckets).filter(([, b]) => b.sends > 0 || b.rateLimited > 0);
  if (buckets.length === 0) return lines;
  lines.push(`API as the timer's process saw it (counts since ${timer.processStartedAt}):`);
  for (const [bucket, b] of buckets) {
    const pace = b.ratePerSecond === undefined ? 'unpaced' : `${b.ratePerSecond.toFixed(2)}/s`;
    lines.push(
      `  ${bucket.padEnd(18)} pace ${pace.padEnd(9)} ${b.rateLimited} of ${b.sends} sends answered 429`,
    );
  }
  return lines;
}
