/**
 * `backfill`: submits the blobs in the source container whose current content the ledger has never seen
 * (Event Grid never fires for blobs that predate the deployment, and a lost event leaves a blob or a
 * re-upload unclaimed) — one full pass of the reconciliation sweep, run by hand. Resumable by construction — every blob is
 * claimed in the ledger before it is submitted, so re-running after a kill or Ctrl-C skips what was done
 * and submits nothing twice. Rate-aware: the MediaMagic client's per-bucket gate paces every call, and
 * concurrency stays modest.
 */
import { parseArgs } from 'node:util';
import { intFlag, normalisePrefix, parseOrUsage } from './lib/args.js';
import { commandLogger, withAppDeps } from './lib/app.js';
import { runBackfill, type BackfillSummary } from './lib/backfillRun.js';
import { EXIT } from './lib/exitCodes.js';
import type { Command } from './lib/io.js';
import type { Output } from './lib/output.js';
import { createProgress } from './lib/progress.js';
import { runCommand } from './lib/runCommand.js';
import { loadCliConfig } from './lib/settings.js';
import { quoteArg } from './lib/statusReport.js';

/** Highest `--concurrency`: MediaMagic's rate limits, not our parallelism, bound the throughput. */
export const MAX_BACKFILL_CONCURRENCY = 16;

/** `backfill --help`. */
export const BACKFILL_USAGE = `Usage: mediamagic-autosubmit backfill [--dry-run] [--prefix <p>] [--concurrency <n>] [--json] [--verbose]

Submits every blob in the source container whose current content the ledger has never seen — blobs
uploaded before the app was deployed, for which Event Grid never fired, and blobs or re-uploads whose
event was lost (the hourly sweep finds those too, after a grace period; backfill does not wait). Each is claimed in the ledger first, so running it
again, or after it was killed halfway, never submits anything twice (a blob claimed by a run that died
is finished by the timer once its claim expires). Progress goes to stderr: a bar on a terminal, one line
per file otherwise. Ctrl-C stops taking new blobs and lets those in flight finish.

  --dry-run          list what would be submitted; change nothing
  --prefix <p>       only blobs whose name starts with p, e.g. videos/2024/
  --concurrency <n>  blobs worked on at once, 1–${MAX_BACKFILL_CONCURRENCY} (default 4; the API's rate limits pace the calls anyway)
  --json             print the summary as JSON (shape in docs/cli.md)
  --verbose          log each retry and state change to stderr as JSON lines
  --help             show this help

Exit codes: 0 done · 2 usage · 3 configuration · 6 stopped: the API key or plan is refused (blocked)
· 7 some files were rejected or failed (listed) · 130 interrupted (re-run to resume)`;

/** Runs `backfill`. */
export const runBackfillCommand: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values } = parseOrUsage('backfill', () =>
      parseArgs({
        args: [...args],
        options: {
          'dry-run': { type: 'boolean', default: false },
          prefix: { type: 'string' },
          concurrency: { type: 'string' },
          json: { type: 'boolean', default: false },
          verbose: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
      }),
    );
    if (values.help) {
      output.out(BACKFILL_USAGE);
      return EXIT.ok;
    }
    const concurrency = intFlag('backfill', '--concurrency', values.concurrency, {
      min: 1,
      max: MAX_BACKFILL_CONCURRENCY,
      default: 4,
    });
    const prefix = normalisePrefix(values.prefix);
    const dryRun = values['dry-run'];
    const config = loadCliConfig(io, output);
    const logger = commandLogger(output, values.verbose);

    const progress = createProgress(output, dryRun ? 'backfill (dry run)' : 'backfill');
    const summary = await withAppDeps(config, logger, (deps) =>
      runBackfill(
        { submit: deps.submitDeps(logger), ledger: deps.ledger, container: deps.sourceContainer },
        {
          prefix,
          concurrency,
          dryRun,
          ...(io.signal ? { signal: io.signal } : {}),
          onProgress: (done, total, blob, file) =>
            progress.step(
              done,
              total,
              file ? `${file.outcome.padEnd(12)} ${blob}` : `known        ${blob}`,
              !file,
            ),
        },
      ),
    );
    progress.finish();

    if (values.json) output.json(summary);
    else printSummary(output, summary);
    return exitCodeOf(summary);
  });

function exitCodeOf(summary: BackfillSummary): number {
  if (summary.stoppedOnBlocked) return EXIT.api;
  if (summary.interrupted) return EXIT.interrupted;
  if (summary.rejected > 0 || summary.errors > 0) return EXIT.partial;
  return EXIT.ok;
}

function printSummary(output: Output, s: BackfillSummary): void {
  const scope = `container ${s.container}${s.prefix ? `, prefix "${s.prefix}"` : ''}`;
  if (s.dryRun) {
    output.out(
      `Dry run over ${scope}: ${s.listed} blobs listed, ${s.alreadyKnown} already known to the ledger.`,
    );
    output.out(
      `Would submit ${s.wouldSubmit}:`,
      ...s.files.map((f) => `  ${f.blob}${f.changed ? '   (new content for a known blob)' : ''}`),
    );
    if (s.errors > 0) output.out(...failedLines(s));
    return;
  }
  output.out(
    `Backfill over ${scope}: ${s.listed} blobs listed`,
    `  submitted        ${s.submitted}`,
    `  pending          ${s.pending}   (the timer finishes these)`,
    `  rejected         ${s.rejected}`,
    `  blocked          ${s.blocked}`,
    `  already known    ${s.alreadyKnown}   (skipped: the ledger has them)`,
    `  new content      ${s.changedContent}   (of the above, re-uploads the ledger had not seen)`,
    `  skipped          ${s.skipped}   (deleted meanwhile, not a block blob, or driven elsewhere)`,
    `  errors           ${s.errors}`,
    `  not started      ${s.notStarted}`,
  );
  output.out(...failedLines(s));
  if (s.stoppedOnBlocked) {
    const blocked = s.files.find((f) => f.outcome === 'blocked');
    output.err(
      `error: stopped: MediaMagic refused the API key or plan (${blocked?.detail ?? 'blocked'})`,
      `hint: fix MEDIAMAGIC_API_KEY or the plan, run \`mediamagic-autosubmit resubmit ${quoteArg(blocked?.blob ?? '<blob>')}\`, then run backfill again to continue`,
    );
  } else if (s.interrupted) {
    output.err(
      'Interrupted: run the same command again to continue where it stopped; nothing is submitted twice.',
    );
  } else if (s.rejected > 0 || s.errors > 0) {
    output.err(
      'Some files failed (listed above): `mediamagic-autosubmit status` shows every failure with what to do.',
    );
  }
}

function failedLines(s: BackfillSummary): string[] {
  const failed = s.files.filter((f) => f.outcome === 'rejected' || f.outcome === 'error');
  if (failed.length === 0) return [];
  return ['Failed:', ...failed.map((f) => `  ${f.outcome.padEnd(9)} ${f.blob}: ${f.detail ?? 'no detail'}`)];
}
