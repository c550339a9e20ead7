/**
 * `status`: what the ledger says — counts by state, every failure with its reason, what the timer will
 * pick up next, the poison queue and what the drain did with its messages — or, with `--blob NAME`, one
 * file's record, history and where its results are.
 */
import { parseArgs } from 'node:util';
import type { AppDeps } from '../shared/app/appDeps.js';
import { ledgerKey } from '../shared/ledger/ledgerKey.js';
import { silentLogger } from '../shared/logger.js';
import { poisonQueueDepth } from '../shared/poison/poisonQueue.js';
import { readFleetRoster } from '../shared/storage/fleetRoster.js';
import { DEFAULT_FLEET_SHARES_OPTIONS } from '../shared/storage/fleetRosterBlobs.js';
import { resultPath } from '../shared/storage/resultsStore.js';
import { parseOrUsage } from './lib/args.js';
import { withAppDeps } from './lib/app.js';
import { EXIT } from './lib/exitCodes.js';
import { buildFleetSection, type FleetSection } from './lib/fleetView.js';
import { CliFailure } from './lib/failure.js';
import type { Command } from './lib/io.js';
import { recordView, type RecordView } from './lib/recordView.js';
import { runCommand } from './lib/runCommand.js';
import { readSourceRecords } from './lib/sourceRecords.js';
import { loadCliConfig } from './lib/settings.js';
import {
  buildPoisonSection,
  buildStatusReport,
  type PoisonSection,
  type StatusReport,
} from './lib/statusReport.js';
import { recordLines, statusLines } from './lib/statusText.js';
import { watch, WATCH_FLAGS, watchIntervalMs } from './lib/watch.js';
import { progressLines, type ProgressSample } from './lib/watchProgress.js';

/** `status --help`. */
export const STATUS_USAGE = `Usage: mediamagic-autosubmit status [--blob <name>] [--json | --watch [--interval <s>]]

Without --blob: the number of ledger records in each state (every state, zero included), every failure
(rejected, dead-lettered, blocked, stuck) with its reason and what to do, the records due for the
timer's next run, the BlobCreated trigger's poison queue: how many messages wait in it and every
message the drain recorded (its blob, when, and what became of it), the polling timer's last run, and
the fleet: the processes sharing the API key's rate now and each one's share per bucket.
With --blob: one source blob's record — state, generation, submission, assets, due time, every state
change with its reason, and where its results are in the results container.

  --blob <name>  the blob name in the source container, e.g. videos/clip.mp4 (case-sensitive)
  --json         print the result as JSON (shapes in docs/cli.md)
  --watch        print the report again every interval until Ctrl-C (on a terminal the screen is
                 redrawn; piped, the reports follow each other)
  --interval <s> with --watch: seconds between refreshes, 1–3600 (default 5)
  --help         show this help

Exit codes: 0 ok (with --watch: stopped by Ctrl-C) · 2 usage · 3 configuration · 4 no record for --blob`;

/** Runs `status`. */
export const runStatus: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values } = parseOrUsage('status', () =>
      parseArgs({
        args: [...args],
        options: {
          blob: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', default: false },
          ...WATCH_FLAGS,
        },
      }),
    );
    if (values.help) {
      output.out(STATUS_USAGE);
      return EXIT.ok;
    }
    const intervalMs = watchIntervalMs('status', values);
    const config = loadCliConfig(io, output);
    const blob = values.blob;
    if (intervalMs !== undefined) {
      let sample: ProgressSample | undefined;
      const liveView = async (deps: AppDeps): Promise<string[]> => {
        const report = await readStatusReport(deps);
        const [headline, next] = progressLines(report, deps.clock.now(), sample);
        sample = next;
        return [...headline, '', ...statusLines(report)];
      };
      await withAppDeps(config, silentLogger, (deps) =>
        watch(output, {
          render: async () =>
            blob !== undefined ? recordLines(await readRecordView(deps, blob)) : liveView(deps),
          intervalMs,
          clock: deps.clock,
          signal: io.signal,
        }),
      );
      return EXIT.ok;
    }
    if (blob !== undefined) {
      const view = await withAppDeps(config, silentLogger, (deps) => readRecordView(deps, blob));
      if (values.json) output.json(view);
      else output.out(...recordLines(view));
      return EXIT.ok;
    }
    const report = await withAppDeps(config, silentLogger, readStatusReport);
    if (values.json) output.json(report);
    else output.out(...statusLines(report));
    return EXIT.ok;
  });

/** Reads every record (one read each: the status view must be the truth, not the tag index). */
async function readStatusReport(deps: AppDeps): Promise<StatusReport> {
  const [records, poison, timer, fleet] = await Promise.all([
    readSourceRecords(deps),
    readPoisonSection(deps),
    deps.lastPollRun.read(),
    readFleetSection(deps),
  ]);
  return buildStatusReport(
    records,
    deps.clock.now(),
    {
      source: deps.config.sourceContainer,
      ledger: deps.config.ledgerContainer,
      results: deps.config.resultsContainer,
    },
    poison,
    timer ?? null,
    fleet,
  );
}

/** The bound on reading the roster: a hung listing must not hold the rest of the report. */
const FLEET_READ_TIMEOUT_MS = 10_000;

/**
 * Fleet pacing's roster, read the way every process reads it (one listing); a roster that cannot be read
 * is shown as unavailable, never a failed status.
 */
async function readFleetSection(deps: AppDeps): Promise<FleetSection> {
  const { leaseMs } = DEFAULT_FLEET_SHARES_OPTIONS;
  const settings = { pacing: deps.config.fleetPacing, news: deps.config.fleetNews };
  const signal = AbortSignal.timeout(FLEET_READ_TIMEOUT_MS);
  const container = deps.blobService.getContainerClient(deps.config.ledgerContainer);
  const read = await readFleetRoster(container, { leaseMs, signal }).catch((error: unknown) => ({
    error: signal.aborted
      ? `no answer within ${FLEET_READ_TIMEOUT_MS / 1000} s`
      : ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''),
  }));
  return buildFleetSection(settings, leaseMs, read);
}

/** What waits in the trigger's poison queue, and what the drain recorded about the messages it took. */
async function readPoisonSection(deps: AppDeps): Promise<PoisonSection> {
  const { queue, records } = await deps.poisonDeps(silentLogger);
  const [depth, recorded] = await Promise.all([
    // The ledger is the report; a queue this identity may not read costs only the count.
    poisonQueueDepth(queue).then(
      (waiting) => ({ waiting }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    ),
    records.list(),
  ]);
  return buildPoisonSection(queue.name, depth, recorded.records);
}

async function readRecordView(deps: AppDeps, blob: string): Promise<RecordView> {
  const stored = await deps.ledger.get(ledgerKey(deps.config.sourceContainer, blob));
  if (!stored) throw notInLedger(deps, blob);
  const exists = (path: string): Promise<boolean> => deps.resultsContainer.getBlobClient(path).exists();
  const [resultPathOf, failurePathOf] = [resultPath(blob, 'result'), resultPath(blob, 'failure')];
  const [resultExists, failureExists] = await Promise.all([exists(resultPathOf), exists(failurePathOf)]);
  return recordView(stored.record, {
    container: deps.config.resultsContainer,
    result: { path: resultPathOf, exists: resultExists },
    failure: { path: failurePathOf, exists: failureExists },
  });
}

function notInLedger(deps: AppDeps, blob: string): CliFailure {
  return new CliFailure(
    EXIT.notFound,
    `no ledger record for "${blob}" in container ${deps.config.sourceContainer}`,
    'check the name (blob names are case-sensitive and include folders); if the blob exists but was never ' +
      'seen — it was there before deployment — run `mediamagic-autosubmit backfill`',
    { blob },
  );
}
