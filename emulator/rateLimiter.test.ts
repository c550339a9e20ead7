import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rateLimiter.js';

describe('RateLimiter', () => {
  it('is unlimited for unconfigured buckets', () => {
    const limiter = new RateLimiter({}, { now: () => 0 });
    for (let i = 0; i < 1000; i++) expect(limiter.take('k', 'upload').allowed).toBe(true);
  });

  it('allows the burst, then tells how long until the next token, per key and per bucket', () => {
    let now = 0;
    const limiter = new RateLimiter(
      { submission_write: { ratePerSecond: 0.25, burst: 2 } },
      { now: () => now },
    );
    expect(limiter.take('a', 'submission_write')).toEqual({ allowed: true });
    expect(limiter.take('a', 'submission_write')).toEqual({ allowed: true });
    expect(limiter.take('a', 'submission_write')).toEqual({ allowed: false, retryAfterSeconds: 4 });
    expect(limiter.take('b', 'submission_write').allowed).toBe(true);
    expect(limiter.take('a', 'submission_read').allowed).toBe(true);
    now = 3_500;
    expect(limiter.take('a', 'submission_write')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 4_000;
    expect(limiter.take('a', 'submission_write').allowed).toBe(true);
  });

  it('rejects nonsensical limits', () => {
    expect(() => new RateLimiter({ upload: { ratePerSecond: 0, burst: 1 } }, { now: () => 0 })).toThrow();
    expect(() => new RateLimiter({ upload: { ratePerSecond: 1, burst: 0 } }, { now: () => 0 })).toThrow();
  });

  it('never admits more than burst + rate × elapsed, and Retry-After is a whole number of seconds', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          let now = 0;
          const limiter = new RateLimiter({ upload: { ratePerSecond: rate, burst } }, { now: () => now });
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            const decision = limiter.take('k', 'upload');
            if (decision.allowed) admitted++;
            else {
              expect(Number.isInteger(decision.retryAfterSeconds)).toBe(true);
              expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
            }
          }
          expect(admitted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
        },
      ),
    );
  });

  it('admits a request made exactly Retry-After seconds after a 429', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        (rate, burst) => {
          let now = 0;
          const limiter = new RateLimiter({ upload: { ratePerSecond: rate, burst } }, { now: () => now });
          for (let i = 0; i < burst; i++) limiter.take('k', 'upload');
          const denied = limiter.take('k', 'upload');
          if (denied.allowed) return false;
          now += denied.retryAfterSeconds * 1000;
          return limiter.take('k', 'upload').allowed;
        },
      ),
    );
  });
});
