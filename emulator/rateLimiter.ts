/**
 * Token-bucket rate limiting per API key and per capability bucket, as the contract describes it. The real
 * limits are not published, so every bucket is unlimited unless configured; tests and benchmarks set tight
 * limits to exercise the client's 429 handling.
 */
import type { Clock } from '../shared/clock.js';
import type { Bucket } from '../shared/mediamagic/buckets.js';

/** Sustained rate and burst size of one bucket. */
export interface RateLimit {
  /** Tokens added per second. Must be > 0. */
  readonly ratePerSecond: number;
  /** Bucket capacity: how many requests may arrive at once after an idle period. At least 1. */
  readonly burst: number;
}

/** Limits per bucket; a bucket that is absent is unlimited. */
export type RateLimits = Partial<Record<Bucket, RateLimit>>;

/** The verdict for one request. */
export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** Counts requests per key per bucket and answers whether each may proceed. */
export class RateLimiter {
  private limits: RateLimits;
  private readonly state = new Map<string, BucketState>();

  constructor(
    limits: RateLimits,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.limits = validated(limits);
  }

  /** Replaces the limits. Existing counters restart full, so a new limit takes effect cleanly. */
  setLimits(limits: RateLimits): void {
    this.limits = validated(limits);
    this.state.clear();
  }

  /** The current limits. */
  getLimits(): RateLimits {
    return { ...this.limits };
  }

  /**
   * Takes one token for `key` in `bucket`. When none is left, answers how many whole seconds until one
   * will be (rounded up, at least 1), which is what the server sends as `Retry-After`.
   */
  take(key: string, bucket: Bucket): RateDecision {
    const limit = this.limits[bucket];
    if (!limit) return { allowed: true };
    const now = this.clock.now();
    const id = `${bucket}\u0000${key}`;
    const current = this.state.get(id) ?? { tokens: limit.burst, updatedAt: now };
    const elapsedSeconds = Math.max(0, now - current.updatedAt) / 1000;
    current.tokens = Math.min(limit.burst, current.tokens + elapsedSeconds * limit.ratePerSecond);
    current.updatedAt = now;
    this.state.set(id, current);
    if (current.tokens >= 1) {
      current.tokens -= 1;
      return { allowed: true };
    }
    const secondsToNextToken = (1 - current.tokens) / limit.ratePerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(secondsToNextToken)) };
  }
}

function validated(limits: RateLimits): RateLimits {
  for (const [bucket, limit] of Object.entries(limits)) {
    if (!limit) continue;
    if (!(limit.ratePerSecond > 0) || !(limit.burst >= 1)) {
      throw new Error(`Invalid rate limit for ${bucket}: ratePerSecond must be > 0 and burst >= 1`);
    }
  }
  return { ...limits };
}
