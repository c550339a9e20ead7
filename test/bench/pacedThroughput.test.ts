import { describe, expect, it } from 'vitest';
import {
  pacedThroughput,
  type BucketSample,
  type PacedBucket,
  type ThroughputSample,
} from '../../bench/soak/pacedThroughput.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const LIMITS = {
  upload: { ratePerSecond: 20 },
  submission_write: { ratePerSecond: 10 },
  submission_read: { ratePerSecond: 40 },
};

/** One second of a run: the backlogs at its end, and what each bucket answered during it. */
interface Second {
  readonly waiting: number;
  readonly due?: number;
  readonly accepted?: Partial<Record<PacedBucket, number>>;
  readonly injected429?: Partial<Record<PacedBucket, number>>;
  /** Length of the second in ms (the sampler's ticks are not exact); default 1,000. */
  readonly ms?: number;
}

/** Cumulative samples from a first sample (backlogs `start`) and one entry per second after it. */
function samples(start: { waiting: number; due?: number }, seconds: readonly Second[]): ThroughputSample[] {
  const zero: BucketSample = { accepted: 0, refusedByFault: 0 };
  let at = T0;
  let buckets: Record<PacedBucket, BucketSample> = {
    upload: zero,
    submission_write: zero,
    submission_read: zero,
  };
  const out: ThroughputSample[] = [
    { at, waitingToSubmit: start.waiting, dueForFollowUp: start.due, buckets },
  ];
  for (const second of seconds) {
    at += second.ms ?? 1_000;
    const next = { ...buckets };
    for (const bucket of Object.keys(next) as PacedBucket[])
      next[bucket] = {
        accepted: next[bucket].accepted + (second.accepted?.[bucket] ?? 0),
        refusedByFault: next[bucket].refusedByFault + (second.injected429?.[bucket] ?? 0),
      };
    buckets = next;
    out.push({ at, waitingToSubmit: second.waiting, dueForFollowUp: second.due, buckets });
  }
  return out;
}

const byBucket = (figures: ReturnType<typeof pacedThroughput>, bucket: PacedBucket) =>
  figures.find((f) => f.bucket === bucket);

describe('pacedThroughput (share of each paced bucket\u2019s limit used while work was waiting)', () => {
  it('divides accepted answers by the limit over the seconds backlogged at both ends', () => {
    const run = samples({ waiting: 200 }, [
      { waiting: 190, accepted: { submission_write: 9, upload: 10 } },
      { waiting: 180, accepted: { submission_write: 8, upload: 10 } },
      // Ends under the threshold: work ran out during this second, so it does not count.
      { waiting: 40, accepted: { submission_write: 3, upload: 3 } },
    ]);
    const figures = pacedThroughput(run, LIMITS);
    expect(byBucket(figures, 'submission_write')).toEqual({
      bucket: 'submission_write',
      limit: 10,
      seconds: 2,
      accepted: 17,
      excludedSeconds: 0,
      share: 0.85,
      peakBacklog: 200,
    });
    expect(byBucket(figures, 'upload')?.share).toBe(0.5);
  });

  it('leaves out a second in which the chaos answered the bucket 429, and the second after', () => {
    const run = samples({ waiting: 500 }, [
      { waiting: 490, accepted: { submission_write: 10 } },
      { waiting: 485, accepted: { submission_write: 2 }, injected429: { submission_write: 8 } },
      // The Retry-After second: the caller is told to wait, so the bucket's idleness is not the pacer's.
      { waiting: 484, accepted: { submission_write: 1 } },
      { waiting: 474, accepted: { submission_write: 10 } },
    ]);
    const write = byBucket(pacedThroughput(run, LIMITS), 'submission_write');
    expect(write).toMatchObject({ seconds: 2, accepted: 20, excludedSeconds: 2, share: 1 });
    // Another bucket's 429s leave this one's seconds alone.
    expect(byBucket(pacedThroughput(run, LIMITS), 'upload')).toMatchObject({
      seconds: 4,
      excludedSeconds: 0,
    });
  });

  it('weighs each second by its measured length', () => {
    const run = samples({ waiting: 100 }, [
      { waiting: 100, accepted: { submission_write: 10 }, ms: 1_000 },
      { waiting: 100, accepted: { submission_write: 20 }, ms: 3_000 },
    ]);
    expect(byBucket(pacedThroughput(run, LIMITS), 'submission_write')).toMatchObject({
      seconds: 4,
      share: 0.75,
    });
  });

  it('measures submission_read against records due for a follow-up, not files waiting', () => {
    const run = samples({ waiting: 0, due: 60 }, [
      { waiting: 0, due: 70, accepted: { submission_read: 36 } },
      { waiting: 300, due: 20, accepted: { submission_read: 10 } },
    ]);
    const figures = pacedThroughput(run, LIMITS);
    expect(byBucket(figures, 'submission_read')).toMatchObject({
      seconds: 1,
      accepted: 36,
      share: 0.9,
      peakBacklog: 70,
    });
    // Never backlogged: no figure, and how close it came (the report says both).
    expect(byBucket(figures, 'submission_write')).toMatchObject({
      seconds: 0,
      share: undefined,
      peakBacklog: 300,
    });
  });

  it('has no figure for a bucket before the backlog is known, or without a limit', () => {
    const run = samples({ waiting: 0 }, [{ waiting: 0, accepted: { submission_read: 40 } }]);
    expect(byBucket(pacedThroughput(run, LIMITS), 'submission_read')?.share).toBeUndefined();
    expect(pacedThroughput(run, { submission_write: { ratePerSecond: 10 } }).map((f) => f.bucket)).toEqual([
      'submission_write',
    ]);
  });
});
