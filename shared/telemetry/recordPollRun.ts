/**
 * The metrics of one timer run, from its summary: how many records were due, left over, moved to stuck or
 * failed, and the orphaned webhooks it settled. Plain numbers in, so the pipeline's types stay out.
 */
import { ATTRIBUTES } from './names.js';
import { instruments } from './telemetry.js';

/** The counts of one run that the metrics report. */
export interface PollRunCounts {
  readonly found: number;
  readonly leftForNextRun: number;
  readonly stuck: number;
  readonly errors: number;
  readonly linkedOrphans: number;
  readonly appliedOrphans: number;
  readonly foreignOrphans: number;
}

/** Records the run's gauges (last value wins) and adds its orphan outcomes to the counter. */
export function recordPollRun(counts: PollRunCounts): void {
  const metrics = instruments();
  metrics.due.record(counts.found);
  metrics.overdue.record(counts.leftForNextRun);
  metrics.stuck.record(counts.stuck);
  metrics.stepErrors.record(counts.errors);
  const orphans = {
    linked: counts.linkedOrphans,
    applied: counts.appliedOrphans,
    foreign: counts.foreignOrphans,
  };
  for (const [outcome, count] of Object.entries(orphans)) {
    if (count > 0) metrics.orphans.add(count, { [ATTRIBUTES.outcome]: outcome });
  }
}
