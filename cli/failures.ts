/**
 * `failures`: every file that ended in a failure a person must act on — rejected, dead-lettered, blocked,
 * stuck — newest first, each with its reason and what to do, optionally only those since a time. Exit 7
 * while any exist, so a script or a cron job can alert on it.
 */
import { parseArgs } from 'node:util';
import { silentLogger } from '../shared/logger.js';
import { intFlag, parseOrUsage } from './lib/args.js';
import { withAppDeps } from './lib/app.js';
import { EXIT } from './lib/exitCodes.js';
import { buildFailureList, type FailuresReport } from './lib/failureList.js';
import type { Command } from './lib/io.js';
import { runCommand } from './lib/runCommand.js';
import { loadCliConfig } from './lib/settings.js';
import { parseSince, sinceMs } from './lib/since.js';
import { readSourceRecords } from './lib/sourceRecords.js';
import { quoteArg } from './lib/statusReport.js';
import { reasonLines } from './lib/statusText.js';

/** Highest `--limit`. */
export const MAX_FAILURES_LIMIT = 100_000;

/** `failures --help`. */
export const FAILURES_USAGE = `Usage: mediamagic-autosubmit failures [--since <time>] [--limit <n>] [--json]

Lists every file that ended in a failure a person must act on — rejected, dead-lettered, blocked (API key
or plan refused) and stuck — newest first: blob, state, the failure code and detail in the API's or the
validator's own words, when it failed, and what to do (the same advice \`status\` gives).
\`mediamagic-autosubmit resubmit --all-failed\` re-drives the resubmittable ones after you fixed the cause.

  --since <time>  only failures at or after this time: an ISO-8601 time (2026-11-25, 2026-11-25T12:00:00Z;
                  UTC unless an offset is given) or a duration back from now: 90s, 30m, 2h, 7d, 2w
  --limit <n>     print at most n (1–${MAX_FAILURES_LIMIT}); the total is still counted
  --json          print the list as JSON (shape in docs/cli.md)
  --help          show this help

Exit codes: 0 no failures (in the window) · 2 usage · 3 configuration · 7 there are failures (listed)`;

/** Runs `failures`. */
export const runFailures: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values } = parseOrUsage('failures', () =>
      parseArgs({
        args: [...args],
        options: {
          since: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
        },
      }),
    );
    if (values.help) {
      output.out(FAILURES_USAGE);
      return EXIT.ok;
    }
    const since = values.since !== undefined ? parseSince('failures', values.since) : undefined;
    const limit =
      values.limit !== undefined
        ? intFlag('failures', '--limit', values.limit, { min: 1, max: MAX_FAILURES_LIMIT, default: 1 })
        : undefined;
    const config = loadCliConfig(io, output);
    const report = await withAppDeps(config, silentLogger, async (deps) => {
      const nowMs = deps.clock.now();
      return buildFailureList(await readSourceRecords(deps), {
        nowMs,
        container: deps.config.sourceContainer,
        ...(since ? { sinceMs: sinceMs(since, nowMs) } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
    });
    if (values.json) output.json(report);
    else output.out(...failuresLines(report, values.since));
    return report.total > 0 ? EXIT.partial : EXIT.ok;
  });

/** The human rendering of a {@link FailuresReport}. */
function failuresLines(report: FailuresReport, sinceText: string | undefined): string[] {
  const window = report.since
    ? ` since ${report.since}${sinceText ? ` (--since ${quoteArg(sinceText)})` : ''}`
    : '';
  if (report.total === 0) return [`No failures in container ${report.container}${window}.`];
  const shown = report.failures.length < report.total ? `, showing the newest ${report.failures.length}` : '';
  const lines = [
    `Failures in container ${report.container}${window}: ${report.total}${shown} (newest first)`,
    '',
  ];
  for (const f of report.failures) {
    lines.push(
      `${f.failedAt}  ${f.state.padEnd(13)} ${f.blob}  (generation ${f.generation}${f.submissionId ? `, submission ${f.submissionId}` : ''})`,
      ...reasonLines(f.reason, '    '),
      `    what to do: ${f.action}`,
    );
  }
  const again = sinceText ? ` --since ${quoteArg(sinceText)}` : '';
  lines.push(
    '',
    `After fixing the cause: mediamagic-autosubmit resubmit --all-failed${again} --dry-run shows what would be re-driven.`,
  );
  return lines;
}
