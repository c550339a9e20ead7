/**
 * `link <blob> <submission-id>`: the operator's way out of a lost creation response whose webhook never
 * came. The record is `stuck` ("creation never confirmed") or still `submitted-unconfirmed`: MediaMagic has
 * the submission, we never learned its id. The operator finds it in MediaMagic by the blob path `status`
 * shows and hands it over; it is checked against the record (same blob path, not another file's) before
 * anything is written, then the timer follows it like any other.
 */
import { ledgerKey } from '../shared/ledger/ledgerKey.js';
import { linkByOperator, type OperatorLinkResult } from '../shared/pipeline/linkLostSubmission.js';
import { apiFailure } from './lib/apiFailure.js';
import { blobNameArg, parseRecordCommand, usageError } from './lib/args.js';
import { commandLogger, withAppDeps } from './lib/app.js';
import { EXIT } from './lib/exitCodes.js';
import { CliFailure } from './lib/failure.js';
import type { Command } from './lib/io.js';
import { runCommand } from './lib/runCommand.js';
import { loadCliConfig } from './lib/settings.js';
import { quoteArg } from './lib/statusReport.js';

/** `link --help`. */
export const LINK_USAGE = `Usage: mediamagic-autosubmit link <blob> <submission-id> [--json] [--verbose]

Tells the app the MediaMagic submission of a file whose creation response was lost and whose webhook never
arrived (state stuck, "creation never confirmed", or submitted-unconfirmed). Find the submission in
MediaMagic by the blob path \`status --blob <blob>\` prints. The submission is read first and must be for
exactly that blob path; nothing is written otherwise. The timer then follows it to its results.

  <blob>           the blob name in the source container, e.g. videos/clip.mp4 (case-sensitive)
  <submission-id>  the MediaMagic submission id
  --json           print the result as JSON (shape in docs/cli.md)
  --verbose        log each API call retry to stderr as JSON lines
  --help           show this help

Exit codes: 0 linked · 2 usage · 3 configuration · 4 no such record or submission · 5 refused (already
linked, another state, or the submission is for another blob path; the reason is printed) · 6 MediaMagic
could not answer (the reason is printed)`;

/** `link --json`. */
export interface LinkReport {
  readonly blob: string;
  readonly submissionId: string;
  readonly previousState: string;
  readonly state: string;
  readonly blobPath: string | null;
  readonly due: string | null;
}

/** How long the checks may take, retries included. */
const BUDGET_MS = 60_000;

/** Runs `link`. */
export const runLink: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values, positionals } = parseRecordCommand('link', args);
    if (values.help) {
      output.out(LINK_USAGE);
      return EXIT.ok;
    }
    const [blob, submissionId, ...extra] = positionals;
    if (blob === undefined || submissionId === undefined || extra.length > 0) {
      throw usageError('link', 'name one blob and one submission id');
    }
    blobNameArg('link', blob);
    const config = loadCliConfig(io, output);
    const logger = commandLogger(output, values.verbose);

    const result = await withAppDeps(config, logger, (deps) =>
      linkByOperator(
        deps.pollDeps(logger),
        ledgerKey(config.sourceContainer, blob),
        submissionId,
        Date.now() + BUDGET_MS,
      ),
    );
    const { record, previousState } = linkedOrThrow(result, blob, submissionId, config.sourceContainer);
    const report: LinkReport = {
      blob,
      submissionId,
      previousState,
      state: record.state,
      blobPath: record.blobPath ?? null,
      due: record.due ?? null,
    };
    if (values.json) output.json(report);
    else {
      output.out(`${blob}: linked to submission ${submissionId} (was ${report.previousState})`);
      output.out("  the timer's next run follows it to its results");
      output.out(`Follow it with: mediamagic-autosubmit status --blob ${quoteArg(blob)}`);
    }
    return EXIT.ok;
  });

/** The linked outcome, or the failure that says why not (exit code and what to do). */
function linkedOrThrow(
  result: OperatorLinkResult,
  blob: string,
  submissionId: string,
  container: string,
): Extract<OperatorLinkResult, { kind: 'linked' }> {
  const statusHint = `see where it is with \`mediamagic-autosubmit status --blob ${quoteArg(blob)}\``;
  switch (result.kind) {
    case 'linked':
      return result;
    case 'no-record':
      throw new CliFailure(
        EXIT.notFound,
        `no ledger record for "${blob}" in container ${container}`,
        'check the name (case-sensitive, folders included) with `mediamagic-autosubmit status`',
        { blob },
      );
    case 'submission-not-found':
      throw new CliFailure(
        EXIT.notFound,
        `MediaMagic has no submission ${submissionId} in this workspace`,
        'copy the id again from MediaMagic (the key must belong to the same workspace)',
        { submissionId },
      );
    case 'refused':
      throw new CliFailure(
        EXIT.refused,
        `${blob} cannot be linked to ${submissionId}: ${result.reason}`,
        statusHint,
        {
          blob,
          submissionId,
          state: result.record.state,
        },
      );
    case 'unidentifiable':
      throw new CliFailure(
        EXIT.refused,
        `MediaMagic's answer for ${submissionId} names no workspace or file name to check against ${blob}`,
        'nothing was written; check the submission in MediaMagic',
        { submissionId },
      );
    case 'unavailable':
      throw apiFailure(`reading submission ${submissionId}`, result.failure);
    case 'changed-meanwhile':
      throw new CliFailure(
        EXIT.refused,
        `${blob} changed while it was being linked (${result.record?.state ?? 'gone'}); nothing was written`,
        statusHint,
        { blob },
      );
  }
}
