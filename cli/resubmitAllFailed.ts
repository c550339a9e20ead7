/**
 * `resubmit --all-failed [--since T] [--dry-run]`: re-drives every file `failures` lists for the window,
 * each exactly as `resubmit <blob>` would (lib/resubmitAll.ts), with backfill's progress and summary.
 */
import type { LedgerRecord } from '../shared/ledger/record.js';
import { commandLogger, withAppDeps } from './lib/app.js';
import { EXIT } from './lib/exitCodes.js';
import { buildFailureList } from './lib/failureList.js';
import type { CliIo } from './lib/io.js';
import type { Output } from './lib/output.js';
import { createProgress } from './lib/progress.js';
import { resubmitAll, type ResubmitAllSummary } from './lib/resubmitAll.js';
import { loadCliConfig } from './lib/settings.js';
import { sinceMs, type Since } from './lib/since.js';
import { readSourceRecords } from './lib/sourceRecords.js';
import { quoteArg } from './lib/statusReport.js';

/** The flags `--all-failed` runs with. */
export interface AllFailedFlags {
  readonly since: Since | undefined;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

/** Runs `resubmit --all-failed`; resolves to the exit code. */
export async function runResubmitAllFailed(
  io: CliIo,
  output: Output,
  flags: AllFailedFlags,
): Promise<number> {
  const config = loadCliConfig(io, output);
  const logger = commandLogger(output, flags.verbose);
  const progress = createProgress(output, flags.dryRun ? 'resubmit (dry run)' : 'resubmit');
  const summary = await withAppDeps(config, logger, async (deps) => {
    const nowMs = deps.clock.now();
    const records = await readSourceRecords(deps);
    const list = buildFailureList(records, {
      nowMs,
      container: deps.config.sourceContainer,
      ...(flags.since ? { sinceMs: sinceMs(flags.since, nowMs) } : {}),
    });
    const byBlob = new Map<string, LedgerRecord>(records.map((r) => [r.source.name, r]));
    return resubmitAll(deps.submitDeps(logger), list.failures, byBlob, {
      container: list.container,
      since: list.since,
      dryRun: flags.dryRun,
      ...(io.signal ? { signal: io.signal } : {}),
      onProgress: (done, total, file) =>
        progress.step(done, total, `${file.outcome.padEnd(14)} ${file.blob}`),
    });
  });
  progress.finish();

  if (flags.json) output.json(summary);
  else printSummary(output, summary, flags.since);
  return exitCodeOf(summary);
}

/** Blocked → 6 (like backfill); interrupted → 130; any file failed again or errored → 7; else 0. */
function exitCodeOf(s: ResubmitAllSummary): number {
  if (s.stoppedOnBlocked) return EXIT.api;
  if (s.interrupted) return EXIT.interrupted;
  if (s.failedAgain > 0 || s.errors > 0) return EXIT.partial;
  return EXIT.ok;
}

function printSummary(output: Output, s: ResubmitAllSummary, since: Since | undefined): void {
  const scope = `container ${s.container}${s.since ? `, failures since ${s.since}` : ''}`;
  const skipped = s.files.filter((f) => f.outcome === 'skipped');
  const skippedLines =
    skipped.length === 0
      ? []
      : [
          'Skipped (not resubmittable):',
          ...skipped.map((f) => `  ${f.previousState.padEnd(13)} ${f.blob}: ${f.detail ?? ''}`),
        ];
  if (s.dryRun) {
    output.out(`Dry run over ${scope}: ${s.listed} failed files listed; nothing was changed.`);
    output.out(
      `Would resubmit ${s.wouldResubmit}:`,
      ...s.files
        .filter((f) => f.outcome === 'would-resubmit')
        .map((f) => `  ${f.previousState.padEnd(13)} ${f.blob}`),
    );
    output.out(...skippedLines);
    return;
  }
  output.out(
    `Resubmit of every failed file in ${scope}: ${s.listed} listed`,
    `  resubmitted      ${s.resubmitted}`,
    `  failed again     ${s.failedAgain}`,
    `  blocked          ${s.blocked}`,
    `  skipped          ${s.skipped}`,
    `  errors           ${s.errors}`,
    `  not started      ${s.notStarted}`,
  );
  const failed = s.files.filter((f) => f.outcome === 'failed-again' || f.outcome === 'error');
  if (failed.length > 0) {
    output.out(
      'Failed:',
      ...failed.map((f) => `  ${f.outcome.padEnd(12)} ${f.blob}: ${f.detail ?? 'no detail'}`),
    );
  }
  output.out(...skippedLines);
  const again = `mediamagic-autosubmit resubmit --all-failed${since ? ` --since ${quoteArg(since.text)}` : ''}`;
  if (s.stoppedOnBlocked) {
    const blocked = s.files.find((f) => f.outcome === 'blocked');
    output.err(
      `error: stopped: MediaMagic refused the API key or plan (${blocked?.blob ?? '?'}: ${blocked?.detail ?? 'blocked'})`,
      `hint: fix MEDIAMAGIC_API_KEY or the plan, then run \`${again}\` again to continue`,
    );
  } else if (s.interrupted) {
    output.err(
      `Interrupted: run \`${again}\` again to continue; files already re-driven are not listed again.`,
    );
  } else if (failed.length > 0) {
    output.err(
      'Some files failed again (listed above): `mediamagic-autosubmit failures` shows each with what to do.',
    );
  }
}
