/**
 * Counters the benchmarks and the soak test read (via `GET /_emulator/stats` or `handle.stats()`), above
 * all `submissionsByBlobPath`: the number of submissions *created* per blob path, which must be 1 for
 * every path to prove the client never duplicated a submission.
 */
import { BUCKETS, type Bucket } from '../shared/mediamagic/buckets.js';
import type { DeliveryCounters } from './webhookDelivery.js';

/** Per-route counters. `byStatus` keys are status codes, or `reset` for a dropped connection. */
export interface RouteStats {
  count: number;
  byStatus: Record<string, number>;
}

/** The stats document. Field names are a stable interface for bench/ and soak tests. */
export interface EmulatorStats {
  readonly startedAt: string;
  readonly requests: { readonly total: number; readonly byStatus: Record<string, number> };
  /** Keyed by `"<METHOD> <path template>"`, e.g. `"POST /api/integrations/submissions"`, or `unmatched`. */
  readonly routes: Record<string, RouteStats>;
  /** Every 429 sent: by the token buckets (`byBucket`) and by fault injection (`injected`). */
  readonly rateLimited: {
    readonly total: number;
    readonly byBucket: Partial<Record<Bucket, number>>;
    readonly injected: number;
  };
  /** 409 "Asset with blobPath '…' already submitted" answers. */
  readonly duplicates409: number;
  readonly faults: { readonly injected: number; readonly byKind: Record<string, number> };
  readonly submissions: {
    readonly created: number;
    readonly assetsCreated: number;
    readonly retriesAccepted: number;
    readonly retriesRejected: number;
    /** Asset runs not yet terminal. */
    readonly processingPending: number;
  };
  /** Submissions created per blob path (`<workspace-id>/<file>`), versioned resubmissions included. */
  readonly submissionsByBlobPath: Record<string, number>;
  /** Blob paths with more than one created submission — empty when nothing was duplicated. */
  readonly duplicateBlobPaths: string[];
  /**
   * Submissions created whose `201` never reached the client — a `resetAfter` fault, or the client had gone
   * (killed, or timed out) — so only webhooks can tell it the id.
   */
  readonly lostCreations: string[];
  /**
   * For every other created submission, when its `201` was fully handed to the client's connection (ms since
   * the epoch). Handed over is not yet read: a client process killed right after still never learns the id,
   * which only the caller can tell by comparing this with when it killed the client (bench/soak/handOver.ts).
   */
  readonly creationsAnsweredAt: Record<string, number>;
  readonly webhooks: DeliveryCounters & { readonly events: number; readonly sandboxEvents: number };
}

/**
 * What one rate-limit bucket answered so far, every route of the bucket together (emulator/catalogue.ts):
 * cumulative, so a caller sampling it every second gets per-second rates by difference.
 */
export interface BucketCounters {
  /** Requests of the bucket's routes answered (a dropped connection counts as answered). */
  readonly answered: number;
  /** Answered with anything but 429: the share of the bucket's capacity the caller got to use. */
  readonly accepted: number;
  /** 429s from the bucket's token bucket (the configured limit). */
  readonly refusedByLimit: number;
  /** 429s injected by a fault rule on one of the bucket's routes (chaos, not the limit). */
  readonly refusedByFault: number;
}

/** Live sources the snapshot reads from other components. */
export interface StatsSources {
  readonly deliveries: () => DeliveryCounters;
  readonly processingPending: () => number;
}

interface Counters {
  startedAt: string;
  total: number;
  byStatus: Record<string, number>;
  routes: Record<string, RouteStats>;
  rateLimitedByBucket: Partial<Record<Bucket, number>>;
  rateLimitedInjected: number;
  /** Answers per bucket, and how many of them were 429s (from the limiter or a fault alike). */
  answeredByBucket: Partial<Record<Bucket, { answered: number; status429: number }>>;
  duplicates: number;
  faultsByKind: Record<string, number>;
  created: number;
  assetsCreated: number;
  retriesAccepted: number;
  retriesRejected: number;
  byBlobPath: Record<string, number>;
  lostCreations: string[];
  answeredAt: Record<string, number>;
  events: number;
  sandboxEvents: number;
}

const freshCounters = (): Counters => ({
  startedAt: new Date().toISOString(),
  total: 0,
  byStatus: {},
  routes: {},
  rateLimitedByBucket: {},
  rateLimitedInjected: 0,
  answeredByBucket: {},
  duplicates: 0,
  faultsByKind: {},
  created: 0,
  assetsCreated: 0,
  retriesAccepted: 0,
  retriesRejected: 0,
  byBlobPath: {},
  lostCreations: [],
  answeredAt: {},
  events: 0,
  sandboxEvents: 0,
});

const increment = (record: Record<string, number>, key: string): void => {
  record[key] = (record[key] ?? 0) + 1;
};

/** Mutable counters, updated by the server and routes as things happen. */
export class StatsRecorder {
  private c = freshCounters();

  constructor(private readonly sources: StatsSources) {}

  /**
   * One answered request (`status` is a code, or `reset` when the connection was dropped instead), with
   * the rate-limit bucket of its route when it matched one.
   */
  response(route: string, status: number | 'reset', bucket?: Bucket): void {
    const key = String(status);
    this.c.total++;
    increment(this.c.byStatus, key);
    const r = (this.c.routes[route] ??= { count: 0, byStatus: {} });
    r.count++;
    increment(r.byStatus, key);
    if (bucket) {
      const b = (this.c.answeredByBucket[bucket] ??= { answered: 0, status429: 0 });
      b.answered++;
      if (status === 429) b.status429++;
    }
  }

  /**
   * Every bucket's counters (zeros for a bucket nothing asked), cheap enough to read every second: unlike
   * {@link snapshot}, it copies nothing that grows with the run.
   */
  buckets(): Record<Bucket, BucketCounters> {
    const entries = BUCKETS.map((bucket): [Bucket, BucketCounters] => {
      const { answered, status429 } = this.c.answeredByBucket[bucket] ?? { answered: 0, status429: 0 };
      const refusedByLimit = this.c.rateLimitedByBucket[bucket] ?? 0;
      return [
        bucket,
        {
          answered,
          accepted: answered - status429,
          refusedByLimit,
          refusedByFault: status429 - refusedByLimit,
        },
      ];
    });
    return Object.fromEntries(entries) as Record<Bucket, BucketCounters>;
  }

  /** A 429 from a token bucket. */
  rateLimited(bucket: Bucket): void {
    this.c.rateLimitedByBucket[bucket] = (this.c.rateLimitedByBucket[bucket] ?? 0) + 1;
  }

  /** A fault was injected (`kind` as in the fault rule; 429 faults also count as injected 429s). */
  fault(kind: string): void {
    increment(this.c.faultsByKind, kind);
    if (kind === 'rateLimit') this.c.rateLimitedInjected++;
  }

  /** A 409 "already submitted". */
  duplicate(): void {
    this.c.duplicates++;
  }

  /** A submission was created with these blob paths. */
  submissionCreated(blobPaths: readonly string[]): void {
    this.c.created++;
    this.c.assetsCreated += blobPaths.length;
    for (const path of new Set(blobPaths)) increment(this.c.byBlobPath, path);
  }

  /** The `201` of submission `submissionId` never reached the client (the submission exists). */
  creationLost(submissionId: string): void {
    this.c.lostCreations.push(submissionId);
  }

  /** The `201` of submission `submissionId` was fully handed to the client's connection at `at` (epoch ms). */
  creationAnswered(submissionId: string, at: number): void {
    this.c.answeredAt[submissionId] = at;
  }

  /** An asset retry was accepted (202) or refused (409). */
  retry(accepted: boolean): void {
    if (accepted) this.c.retriesAccepted++;
    else this.c.retriesRejected++;
  }

  /** A webhook event was emitted by processing (or, with `sandbox`, by `events/fire`). */
  event(sandbox: boolean): void {
    if (sandbox) this.c.sandboxEvents++;
    else this.c.events++;
  }

  /** Zeroes every counter kept here; webhook delivery counters live in the delivery engine and carry on. */
  reset(): void {
    this.c = freshCounters();
  }

  /** A consistent copy of all counters. */
  snapshot(): EmulatorStats {
    const c = this.c;
    const byBucketTotal = Object.values(c.rateLimitedByBucket).reduce((a, b) => a + b, 0);
    return structuredClone({
      startedAt: c.startedAt,
      requests: { total: c.total, byStatus: c.byStatus },
      routes: c.routes,
      rateLimited: {
        total: byBucketTotal + c.rateLimitedInjected,
        byBucket: c.rateLimitedByBucket,
        injected: c.rateLimitedInjected,
      },
      duplicates409: c.duplicates,
      faults: {
        injected: Object.values(c.faultsByKind).reduce((a, b) => a + b, 0),
        byKind: c.faultsByKind,
      },
      submissions: {
        created: c.created,
        assetsCreated: c.assetsCreated,
        retriesAccepted: c.retriesAccepted,
        retriesRejected: c.retriesRejected,
        processingPending: this.sources.processingPending(),
      },
      submissionsByBlobPath: c.byBlobPath,
      duplicateBlobPaths: Object.entries(c.byBlobPath)
        .filter(([, n]) => n > 1)
        .map(([p]) => p),
      lostCreations: c.lostCreations,
      creationsAnsweredAt: c.answeredAt,
      webhooks: { ...this.sources.deliveries(), events: c.events, sandboxEvents: c.sandboxEvents },
    });
  }
}
