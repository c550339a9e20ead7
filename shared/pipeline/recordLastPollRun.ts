/**
 * Writes the polling timer's last run for the operator's view (`shared/ledger/lastPollRun.ts`): the run's
 * counts and each bucket's pace and 429s as this process's gates saw them. A failed write is logged and
 * otherwise ignored: the run's work is done and in the ledger; only the view would be a run behind.
 */
import type { Clock } from '../clock.js';
import type { LastPollRun, LastPollRunStore } from '../ledger/lastPollRun.js';
import { isoTimestamp } from '../ledger/record.js';
import type { Logger } from '../logger.js';
import type { BucketGateStats } from '../resilience/bucketGate.js';
import type { PollSummary } from './pollDue.js';

/** When this process started: the gates' counters count from then. */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;

/** The document for one run: pure, so the shape is tested without storage. */
export function lastPollRunOf(
  summary: PollSummary,
  gates: Readonly<Record<string, BucketGateStats | undefined>>,
  nowMs: number,
  processStartedMs: number = PROCESS_STARTED_MS,
): LastPollRun {
  const buckets: LastPollRun['buckets'] = {};
  for (const [bucket, stats] of Object.entries(gates)) {
    if (stats === undefined) continue;
    buckets[bucket] = {
      ...(stats.ratePerSecond !== undefined ? { ratePerSecond: stats.ratePerSecond } : {}),
      sends: stats.reserved,
      rateLimited: stats.rateLimited,
    };
  }
  return {
    at: isoTimestamp(nowMs),
    processStartedAt: isoTimestamp(processStartedMs),
    found: summary.found,
    worked: summary.worked,
    leftForNextRun: summary.leftForNextRun,
    errors: summary.errors,
    blocked: summary.blocked,
    buckets,
  };
}

/** Writes the run's document; never throws. */
export async function recordLastPollRun(
  deps: { readonly lastPollRun: LastPollRunStore; readonly clock: Clock },
  summary: PollSummary,
  gates: Readonly<Record<string, BucketGateStats | undefined>>,
  logger: Logger,
): Promise<void> {
  try {
    await deps.lastPollRun.write(lastPollRunOf(summary, gates, deps.clock.now()));
  } catch (error) {
    logger.warn('could not record the timer run for the status view', {
      error: error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
    });
  }
}
