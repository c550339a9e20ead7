import { describe, expect, it } from 'vitest';
import { LEDGER_STATES, type LedgerState } from '../../shared/ledger/states.js';
import type { StatusReport } from './statusReport.js';
import { progressLines } from './watchProgress.js';

/** A report with only the fields the headline reads. */
function report(
  counts: Partial<Record<LedgerState, number>>,
  stepFailures = 0,
  timer: StatusReport['timer'] = null,
): StatusReport {
  const all = Object.fromEntries(LEDGER_STATES.map((s) => [s, counts[s] ?? 0])) as Record<
    LedgerState,
    number
  >;
  const total = Object.values(all).reduce((a, b) => a + b, 0);
  return {
    generatedAt: '2026-12-06T00:00:00.000Z',
    containers: { source: 'uploads', ledger: 'mediamagic-ledger', results: 'mediamagic-results' },
    total,
    counts: all,
    failures: [],
    due: [],
    poison: { queue: 'blob-created-poison', waiting: 0, waitingError: null, recorded: 0, messages: [] },
    stepFailures: { count: stepFailures, records: [] },
    timer,
    fleet: null,
  };
}

describe('progressLines', () => {
  it('draws terminal ÷ total as a bar, counting complete, rejected and dead-lettered as terminal', () => {
    const [lines] = progressLines(
      report({ complete: 5, rejected: 1, 'dead-lettered': 1, submitted: 3, stuck: 2 }, 1),
      0,
      undefined,
    );
    expect(lines[0]).toBe(`Progress [${'#'.repeat(18)}${'.'.repeat(12)}] 7/12 files terminal (58 %)`);
    expect(lines[1]).toBe(
      'Finishing — files/min (from the next refresh on) · stuck 2 · need a person 4 · backing off after step failures 1',
    );
  });

  it('the throughput is the change in terminal files since the previous refresh', () => {
    const [, first] = progressLines(report({ complete: 2, submitted: 8 }), 1_000, undefined);
    const [lines, second] = progressLines(report({ complete: 6, submitted: 4 }), 11_000, first);
    expect(lines[1]).toMatch(/^Finishing 24\.0 files\/min over the last 10 s · /);
    expect(second).toEqual({ atMs: 11_000, terminal: 6 });
  });

  it('an empty container is complete (a full bar), not a division by zero', () => {
    const [lines] = progressLines(report({}), 0, undefined);
    expect(lines[0]).toBe(`Progress [${'#'.repeat(30)}] 0/0 files terminal (100 %)`);
  });

  it("shows the 429s the timer's process saw, all buckets together, or that no run is recorded yet", () => {
    const [before] = progressLines(report({}), 0, undefined);
    expect(before[2]).toBe('429s: no timer run recorded yet');
    const timer = {
      at: '2026-12-06T10:00:00.000Z',
      processStartedAt: '2026-12-06T09:00:00.000Z',
      found: 3,
      worked: 3,
      leftForNextRun: 0,
      errors: 0,
      blocked: false,
      buckets: {
        submission_write: { ratePerSecond: 5.9, sends: 150, rateLimited: 3 },
        submission_read: { sends: 50, rateLimited: 1 },
      },
    };
    const [lines] = progressLines(report({}, 0, timer), 0, undefined);
    expect(lines[2]).toBe(
      "429s 4 of 200 API sends (2.0 %), as the timer's process saw them at 2026-12-06T10:00:00.000Z",
    );
  });
});
