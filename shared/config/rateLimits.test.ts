import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';
import { BUCKETS } from '../mediamagic/buckets.js';

describe('loadConfig — MEDIAMAGIC_RATE_LIMITS', () => {
  it('parses bucket=rate[:burst] entries', () => {
    expect(
      load({ MEDIAMAGIC_RATE_LIMITS: 'submission_write=20:20, upload=10,submission_read = 0.5' }).rateLimits,
    ).toEqual({
      submission_write: { ratePerSecond: 20, burst: 20 },
      upload: { ratePerSecond: 10, burst: 10 },
      submission_read: { ratePerSecond: 0.5, burst: 1 },
    });
  });

  it('defaults the burst to one second’s worth, at least 1', () => {
    expect(load({ MEDIAMAGIC_RATE_LIMITS: 'sandbox=2.5' }).rateLimits).toEqual({
      sandbox: { ratePerSecond: 2.5, burst: 3 },
    });
  });

  it('accepts every known bucket', () => {
    const value = BUCKETS.map((b) => `${b}=1`).join(',');
    expect(Object.keys(load({ MEDIAMAGIC_RATE_LIMITS: value }).rateLimits)).toEqual([...BUCKETS]);
  });

  it('ignores empty entries', () => {
    expect(load({ MEDIAMAGIC_RATE_LIMITS: ',upload=1,,' }).rateLimits).toEqual({
      upload: { ratePerSecond: 1, burst: 1 },
    });
  });

  it.each([
    [
      'uploads=10',
      'MEDIAMAGIC_RATE_LIMITS names unknown bucket "uploads" (known: upload, submission_write, submission_read, webhook_write, webhook_read, sandbox)',
    ],
    ['upload=1,upload=2', 'MEDIAMAGIC_RATE_LIMITS must name each bucket once (upload repeats)'],
    [
      'upload',
      'MEDIAMAGIC_RATE_LIMITS must be bucket=ratePerSecond[:burst] entries separated by commas ("upload" is not)',
    ],
    [
      'upload=fast',
      'must be bucket=ratePerSecond[:burst] entries separated by commas ("upload=fast" is not)',
    ],
    [
      'upload=1:1.5',
      'must be bucket=ratePerSecond[:burst] entries separated by commas ("upload=1:1.5" is not)',
    ],
    ['upload=0', 'MEDIAMAGIC_RATE_LIMITS must give upload a rate above 0 and at most 10000 per second'],
    ['upload=10001', 'must give upload a rate above 0 and at most 10000 per second'],
    ['upload=1:0', 'MEDIAMAGIC_RATE_LIMITS must give upload a burst from 1 to 10000'],
  ])('rejects %j', (value, expected) => {
    const [problem] = problemsWith({ MEDIAMAGIC_RATE_LIMITS: value });
    expect(problem).toContain(expected);
    expect(problem).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('reports every bad entry at once', () => {
    const [problem] = problemsWith({ MEDIAMAGIC_RATE_LIMITS: 'nope=1,upload=0' });
    expect(problem).toContain('unknown bucket "nope"');
    expect(problem).toContain('must give upload a rate above 0');
  });
});
