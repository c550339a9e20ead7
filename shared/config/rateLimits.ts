import { z } from 'zod';
import { BUCKETS, isBucket, type Bucket } from '../mediamagic/buckets.js';
import type { Parser } from './parser.js';

/** The pace of one rate-limit bucket: a token bucket refilled at `ratePerSecond`, holding at most `burst`. */
export interface BucketPace {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** `bucket=ratePerSecond[:burst]`, comma-separated; each bucket at most once. Every bad entry is reported. */
export function rateLimits(): Parser<Partial<Record<Bucket, BucketPace>>> {
  return z.string().transform((raw, ctx) => {
    const paces: Partial<Record<Bucket, BucketPace>> = {};
    for (const entry of raw.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      const parsed = parseRateLimit(entry);
      if (typeof parsed === 'string') ctx.addIssue(parsed);
      else if (paces[parsed.bucket] !== undefined)
        ctx.addIssue(`must name each bucket once (${parsed.bucket} repeats)`);
      else paces[parsed.bucket] = parsed.pace;
    }
    return paces;
  });
}

function parseRateLimit(entry: string): { bucket: Bucket; pace: BucketPace } | string {
  const match = /^([\w-]+)\s*=\s*(\d+(?:\.\d+)?)(?:\s*:\s*(\d+))?$/.exec(entry);
  if (!match) return `must be bucket=ratePerSecond[:burst] entries separated by commas ("${entry}" is not)`;
  const [, bucket = '', rateText = '', burstText] = match;
  if (!isBucket(bucket)) return `names unknown bucket "${bucket}" (known: ${BUCKETS.join(', ')})`;
  const ratePerSecond = Number(rateText);
  if (ratePerSecond <= 0 || ratePerSecond > 10_000) {
    return `must give ${bucket} a rate above 0 and at most 10000 per second`;
  }
  const burst = burstText === undefined ? Math.max(1, Math.ceil(ratePerSecond)) : Number(burstText);
  if (burst < 1 || burst > 10_000) return `must give ${bucket} a burst from 1 to 10000`;
  return { bucket, pace: { ratePerSecond, burst } };
}
