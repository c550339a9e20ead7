/**
 * `resubmit <blob>`: re-drives one rejected, dead-lettered or blocked file after the operator fixed the
 * cause (see `lib/resubmitRecord.ts` for how each state is re-driven without ever submitting twice);
 * `resubmit --all-failed` does the same for every failed file (`resubmitAllFailed.ts`).
 */
import type { LedgerFailure } from '../shared/ledger/record.js';
import { parseArgs } from 'node:util';
import { blobNameArg, parseOrUsage, usageError } from './lib/args.js';
import { commandLogger, withAppDeps } from './lib/app.js';
import { EXIT } from './lib/exitCodes.js';
import type { Command } from './lib/io.js';
import type { Output } from './lib/output.js';
import { resubmitRecord, type ResubmitOutcome } from './lib/resubmitRecord.js';
import { runCommand } from './lib/runCommand.js';
import { loadCliConfig } from './lib/settings.js';
import { parseSince } from './lib/since.js';
import { failureReason, quoteArg, type FailureReason } from './lib/statusReport.js';
import { runResubmitAllFailed } from './resubmitAllFailed.js';

/** `resubmit --help`. */
export const RESUBMIT_USAGE = `Usage: mediamagic-autosubmit resubmit <blob> [--json] [--verbose]
       mediamagic-autosubmit resubmit --all-failed [--since <time>] [--dry-run] [--json] [--verbose]

Re-drives one failed file after you fixed the cause:
  blocked                 (key or plan refused) resumes where it stopped, due now; a file that was not
                          submitted yet is submitted at once, one with a submission is followed by the timer
  rejected, dead-lettered a new generation of the blob's current content is submitted, as a new version of
                          the previous submission in MediaMagic
Any other state is refused with what to do instead (in-flight files are still being worked on; complete
files are done — upload new content to submit it again).

With --all-failed: every file \`mediamagic-autosubmit failures\` lists (for --since's window), newest
first, one at a time, each exactly as above. Files resubmit would refuse (stuck ones, a deleted source
blob, a record that changed meanwhile) are skipped with the reason. The first file MediaMagic blocks
again (key or plan refused) stops the run. Progress goes to stderr; Ctrl-C stops before the next file.

  <blob>          the blob name in the source container, e.g. videos/clip.mp4 (case-sensitive)
  --all-failed    every failed file instead of one blob
  --since <time>  with --all-failed: only failures at or after this time — ISO-8601 (2026-11-25T12:00:00Z)
                  or a duration back from now (30m, 2h, 7d)
  --dry-run       with --all-failed: list what would be resubmitted and what skipped; change nothing
  --json          print the result as JSON (shapes in docs/cli.md)
  --verbose       log each retry and state change to stderr as JSON lines
  --help          show this help

Exit codes: 0 re-driven (submitted, or scheduled for the timer) · 2 usage · 3 configuration · 4 no such
record or source blob · 5 refused in this state, or the file still fails validation · 6 MediaMagic
refused it again (the reason is printed); with --all-failed: stopped on a blocked file · 7 with
--all-failed: some files failed again (listed) · 130 interrupted (re-run to continue)`;

/** `resubmit --json`. */
export interface ResubmitReport {
  readonly blob: string;
  readonly action: ResubmitOutcome['action'];
  readonly previousState: string;
  readonly outcome: string;
  readonly state: string;
  readonly generation: number;
  readonly submissionId: string | null;
  readonly previousSubmissionId: string | null;
  readonly due: string | null;
  readonly failure: FailureReason | null;
}

/** Runs `resubmit`. */
export const runResubmit: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values, positionals } = parseOrUsage('resubmit', () =>
      parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          'all-failed': { type: 'boolean', default: false },
          since: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          verbose: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
      }),
    );
    if (values.help) {
      output.out(RESUBMIT_USAGE);
      return EXIT.ok;
    }
    if (values['all-failed']) {
      if (positionals.length > 0) {
        throw usageError(
          'resubmit',
          `--all-failed resubmits every failed file; it takes no blob name (got "${positionals.join(' ')}")`,
        );
      }
      const since = values.since !== undefined ? parseSince('resubmit', values.since) : undefined;
      return runResubmitAllFailed(io, output, {
        since,
        dryRun: values['dry-run'],
        json: values.json,
        verbose: values.verbose,
      });
    }
    if (values.since !== undefined || values['dry-run']) {
      throw usageError('resubmit', '--since and --dry-run go with --all-failed');
    }
    const [blob, ...extra] = positionals;
    if (blob === undefined || extra.length > 0) {
      throw usageError('resubmit', 'name exactly one blob to resubmit (quote names with spaces)');
    }
    blobNameArg('resubmit', blob);
    const config = loadCliConfig(io, output);
    const logger = commandLogger(output, values.verbose);

    const outcome = await withAppDeps(config, logger, (deps) =>
      resubmitRecord(deps.submitDeps(logger), blob),
    );
    const report = reportOf(blob, outcome);
    if (values.json) output.json(report);
    else printReport(output, report);
    return exitCodeOf(outcome);
  });

function reportOf(blob: string, outcome: ResubmitOutcome): ResubmitReport {
  const { record } = outcome;
  const failed = ['rejected', 'dead-lettered', 'blocked'].includes(record.state);
  return {
    blob,
    action: outcome.action,
    previousState: outcome.previousState,
    outcome: outcome.outcome,
    state: record.state,
    generation: record.generation,
    submissionId: record.submissionId ?? null,
    previousSubmissionId: record.previousSubmissionId ?? null,
    due: record.due ?? null,
    failure: failed ? failureReason(record) : null,
  };
}

/** Refused again by our own validation → 5 (fix the file); by MediaMagic → 6; anything else went ahead. */
function exitCodeOf(outcome: ResubmitOutcome): number {
  const { state, failure } = outcome.record;
  if (state === 'rejected') return isApiFailure(failure) ? EXIT.api : EXIT.refused;
  if (state === 'blocked' || state === 'dead-lettered') return EXIT.api;
  return EXIT.ok;
}

function isApiFailure(failure: LedgerFailure | undefined): boolean {
  return failure?.status !== undefined;
}

function printReport(output: Output, r: ResubmitReport): void {
  const how =
    r.action === 'new-generation'
      ? `started generation ${r.generation} (was ${r.previousState}${r.previousSubmissionId ? `; new version of ${r.previousSubmissionId}` : ''})`
      : `resumed from ${r.previousState} to ${r.state === 'blocked' ? 'submitting' : r.state}`;
  output.out(`${r.blob}: ${how}`);
  switch (r.outcome) {
    case 'submitted':
      output.out(`  submitted as ${r.submissionId ?? '?'}; webhooks and the timer follow it from here`);
      break;
    case 'scheduled':
      output.out(`  due now (${r.due ?? 'now'}): the timer's next run picks it up`);
      break;
    case 'pending':
    case 'unconfirmed':
      output.out(`  ${r.state}: the timer finishes it${r.due ? ` at ${r.due}` : ''}`);
      break;
    case 'lost-ownership':
      output.out('  another process (the timer or a trigger) is driving it now');
      break;
    case 'ledger-contention':
      output.out(
        "  its record was too busy to write (every write lost a race); the timer's next run picks it up",
      );
      break;
    default:
      break;
  }
  if (r.failure) {
    output.err(
      `error: it failed again (${r.state}): ${r.failure.status !== null ? `${r.failure.status} ` : ''}${r.failure.detail}`,
      ...r.failure.fields.map((f) => `  field ${f.field}: ${f.message}`),
      `hint: fix the cause and run \`mediamagic-autosubmit resubmit ${quoteArg(r.blob)}\` again`,
    );
  }
  output.out(`Follow it with: mediamagic-autosubmit status --blob ${quoteArg(r.blob)}`);
}
