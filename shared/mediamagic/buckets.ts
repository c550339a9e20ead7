/**
 * MediaMagic's six rate-limit buckets. Limits are per API key and per bucket; a 429 in one bucket says
 * nothing about the others, so pacing and pausing are tracked per bucket.
 */
export const BUCKETS = [
  'upload',
  'submission_write',
  'submission_read',
  'webhook_write',
  'webhook_read',
  'sandbox',
] as const;

/** One of the six rate-limit buckets. */
export type Bucket = (typeof BUCKETS)[number];

/** True when `value` names a bucket. */
export function isBucket(value: string): value is Bucket {
  return (BUCKETS as readonly string[]).includes(value);
}
