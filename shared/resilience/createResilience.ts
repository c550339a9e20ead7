/**
 * Builds the process-wide resilience state once (composition root). Gates, breakers and the budget are
 * shared by every invocation in the process — that sharing is the point: a 429 seen by one invocation
 * pauses the bucket for all of them.
 */
import { systemClock, type Clock, type Random } from '../clock.js';
import { validateBackoffOptions, type BackoffOptions } from './backoff.js';
import { BucketGates, type PacerOptions, type RefusalObserver } from './bucketGate.js';
import { CircuitBreakers, type BreakerOptions } from './circuitBreaker.js';
import type { FleetNews } from './fleetNews.js';
import type { FleetShares } from './fleetShares.js';
import type { ResilienceDeps } from './resilientCall.js';
import { RetryBudget, type RetryBudgetOptions } from './retryBudget.js';

/** Tuning knobs; everything is optional and defaults to the documented values of each primitive. */
export interface ResilienceOptions<K extends string> {
  readonly clock?: Clock;
  readonly random?: Random;
  readonly rateLimits?: Partial<Record<K, Partial<PacerOptions>>>;
  readonly breaker?: Partial<BreakerOptions>;
  readonly budget?: Partial<RetryBudgetOptions>;
  readonly backoff?: BackoffOptions;
  /** Told of every 429 with how the pacer read it (the composition root logs it). */
  readonly onRefusal?: RefusalObserver;
  /** Shares 429 pauses and breaker openings with the other processes using the same API key. */
  readonly fleet?: FleetNews;
  /** Paces each bucket at this process's share of the fleet's rate (docs/pacing.md, "Fleet pacing"). */
  readonly shares?: FleetShares;
}

/**
 * Creates the shared resilience state for one process.
 * @param buckets every rate-limit bucket of the API (its client names them)
 * @throws RangeError when `rateLimits` names an unknown bucket or holds an out-of-range option
 */
export function createResilience<K extends string>(
  buckets: readonly K[],
  options: ResilienceOptions<K> = {},
): ResilienceDeps<K> {
  const clock = options.clock ?? systemClock;
  return {
    clock,
    random: options.random ?? Math.random,
    gates: new BucketGates(
      buckets,
      options.rateLimits ?? {},
      clock,
      options.onRefusal,
      options.fleet,
      options.shares,
    ),
    breakers: new CircuitBreakers(options.breaker ?? {}, clock, options.fleet),
    budget: new RetryBudget(options.budget ?? {}, clock),
    backoff: validateBackoffOptions(options.backoff),
  };
}
