import { describe, expect, it } from 'vitest';
import type { PollSummary } from './pollDue.js';
import { lastPollRunOf } from './recordLastPollRun.js';

const summary: PollSummary = {
  found: 5,
  worked: 4,
  outcomes: { 'submitted→complete': 4 },
  leftForNextRun: 1,
  errors: 0,
  linkedOrphans: 0,
  appliedOrphans: 0,
  foreignOrphans: 0,
  orphanApiReads: 0,
  lostOwnership: 0,
  ledgerContention: 0,
  blocked: false,
};

describe('lastPollRunOf', () => {
  it("keeps the run's counts and each bucket's pace, sends and 429s (unpaced buckets without a pace)", () => {
    const run = lastPollRunOf(
      summary,
      {
        submission_read: {
          reserved: 40,
          rateLimited: 2,
          ratePerSecond: 7,
          pausedUntil: 0,
          pausedMs: 0,
          queued: 0,
          inFlight: 0,
          share: 1,
        },
        upload: {
          reserved: 3,
          rateLimited: 0,
          pausedUntil: 0,
          pausedMs: 0,
          queued: 0,
          inFlight: 0,
          share: 1,
        },
        submission_write: undefined,
      },
      Date.parse('2026-12-06T10:00:00.000Z'),
      Date.parse('2026-12-06T09:00:00.000Z'),
    );
    expect(run).toEqual({
      at: '2026-12-06T10:00:00.000Z',
      processStartedAt: '2026-12-06T09:00:00.000Z',
      found: 5,
      worked: 4,
      leftForNextRun: 1,
      errors: 0,
      blocked: false,
      buckets: {
        submission_read: { ratePerSecond: 7, sends: 40, rateLimited: 2 },
        upload: { sends: 3, rateLimited: 0 },
      },
    });
  });
});
