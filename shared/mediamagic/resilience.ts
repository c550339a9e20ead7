/**
 * The resilience state for MediaMagic: the generic gates, breakers and budget, keyed by MediaMagic's six
 * rate-limit buckets. Composition roots build it once per process and hand it to the client.
 */
import { createResilience, type ResilienceOptions } from '../resilience/createResilience.js';
import type { ResilienceDeps } from '../resilience/resilientCall.js';
import { BUCKETS, type Bucket } from './buckets.js';

/** The process-wide resilience state every MediaMagic call shares. */
export type MediaMagicResilience = ResilienceDeps<Bucket>;

/**
 * Creates the shared resilience state for MediaMagic's buckets.
 * @throws RangeError when `rateLimits` names an unknown bucket or holds an out-of-range option
 */
export function createMediaMagicResilience(options: ResilienceOptions<Bucket> = {}): MediaMagicResilience {
  return createResilience(BUCKETS, options);
}
