/**
 * Paced throughput while backlogged, per rate-limit bucket: the "while backlogged the paced buckets
 * hold ≥ 0.85 of their limit", measured from outside the app. Pure, so its definition is unit-tested
 * (test/bench/pacedThroughput.test.ts); the samples come from bench/soak/throughputSampler.ts.
 *
 * The definition (docs/benchmarks.md, "Chaos soak"):
 * - a sample, about once a second, holds MediaMagic's (the emulator's) cumulative answers per bucket and the
 *   backlog in front of the bucket: for `upload` and `submission_write`, the files uploaded into the watched
 *   container that MediaMagic has no submission for yet; for `submission_read`, the ledger records waiting
 *   for a follow-up (state `submitted`, `retry-pending` or `submitted-unconfirmed`, `due` come);
 * - a second (two consecutive samples) counts for a bucket when its backlog was at least
 *   {@link BACKLOG_THRESHOLD} at both ends — work was waiting all through it — and the chaos layer did not
 *   itself refuse that bucket in it or in the second before (an injected 429 says `Retry-After: 1`: for that
 *   long nobody may use the bucket, however well paced);
 * - the figure is the bucket's accepted answers (anything but a 429; an injected 500/502 counts, since the
 *   caller spent its turn on it) over the counted seconds, divided by the configured limit times their length.
 */
import type { Bucket } from '../../shared/mediamagic/buckets.js';

/** Backlog, in files or records, from which a bucket counts as having work waiting. */
export const BACKLOG_THRESHOLD = 50;

/** The buckets the submission path uses that the soak gives a finite limit. */
export const PACED_BUCKETS = ['upload', 'submission_write', 'submission_read'] as const;

/** One of {@link PACED_BUCKETS}. */
export type PacedBucket = (typeof PACED_BUCKETS)[number];

/** One bucket's cumulative counters at a sample. */
export interface BucketSample {
  /** Answers other than 429 so far. */
  readonly accepted: number;
  /** 429s injected by the chaos layer so far. */
  readonly refusedByFault: number;
}

/** What was seen at one moment. */
export interface ThroughputSample {
  /** ms since the epoch. */
  readonly at: number;
  /** Files uploaded into the watched container with no submission in MediaMagic yet. */
  readonly waitingToSubmit: number;
  /** Records due for a follow-up; undefined until the first ledger read came back. */
  readonly dueForFollowUp: number | undefined;
  readonly buckets: Readonly<Record<PacedBucket, BucketSample>>;
}

/** The figure for one bucket. */
export interface PacedThroughput {
  readonly bucket: PacedBucket;
  /** Configured requests per second. */
  readonly limit: number;
  /** Seconds counted (backlogged, chaos not refusing), and their accepted answers. */
  readonly seconds: number;
  readonly accepted: number;
  /** Backlogged seconds left out because the chaos layer refused the bucket in them or the second before. */
  readonly excludedSeconds: number;
  /** accepted ÷ (limit × seconds); undefined when no second counted. */
  readonly share: number | undefined;
  /** The largest backlog any sample saw in front of the bucket (0 when none was read). */
  readonly peakBacklog: number;
}

/** The backlog in front of `bucket` at one sample. */
export function backlogOf(bucket: PacedBucket, sample: ThroughputSample): number | undefined {
  return bucket === 'submission_read' ? sample.dueForFollowUp : sample.waitingToSubmit;
}

/**
 * The figure for every bucket with a finite limit in `limits`, from samples in time order. A bucket with no
 * limit is left out: there is nothing to hold.
 */
export function pacedThroughput(
  samples: readonly ThroughputSample[],
  limits: Readonly<Partial<Record<Bucket, { readonly ratePerSecond: number }>>>,
  threshold = BACKLOG_THRESHOLD,
): PacedThroughput[] {
  const figures: PacedThroughput[] = [];
  for (const bucket of PACED_BUCKETS) {
    const limit = limits[bucket]?.ratePerSecond;
    if (limit === undefined || !Number.isFinite(limit)) continue;
    let ms = 0;
    let accepted = 0;
    let excludedMs = 0;
    let refusedBefore = false;
    const peakBacklog = Math.max(0, ...samples.map((sample) => backlogOf(bucket, sample) ?? 0));
    for (let i = 1; i < samples.length; i++) {
      const from = samples[i - 1] as ThroughputSample;
      const to = samples[i] as ThroughputSample;
      const refused = to.buckets[bucket].refusedByFault > from.buckets[bucket].refusedByFault;
      const waiting = [backlogOf(bucket, from), backlogOf(bucket, to)].every(
        (n) => n !== undefined && n >= threshold,
      );
      if (waiting && (refused || refusedBefore)) excludedMs += to.at - from.at;
      else if (waiting) {
        ms += to.at - from.at;
        accepted += to.buckets[bucket].accepted - from.buckets[bucket].accepted;
      }
      refusedBefore = refused;
    }
    figures.push({
      bucket,
      limit,
      seconds: ms / 1000,
      accepted,
      excludedSeconds: excludedMs / 1000,
      share: ms > 0 ? accepted / ((limit * ms) / 1000) : undefined,
      peakBacklog,
    });
  }
  return figures;
}
