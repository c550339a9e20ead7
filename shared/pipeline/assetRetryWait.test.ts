import { describe, expect, it } from 'vitest';
import { NOW_MS, submittedAsset, submittedRecord } from '../../test/webhooks/fixtures.js';
import { isoTimestamp } from '../ledger/record.js';
import { assetRetryCeilingMs, assetRetryWaitMs } from './assetRetryWait.js';
import { decideFollowUp } from './followUpDecision.js';
import { DEFAULT_POLL_TIMINGS } from './pollDeps.js';

const MINUTE = 60_000;
/** The production defaults: 30 s base, 1 hour ceiling, STUCK_AFTER_MINUTES=120. */
const DEFAULTS = {
  assetRetryBaseMs: DEFAULT_POLL_TIMINGS.assetRetryBaseMs,
  assetRetryMaxWaitMs: DEFAULT_POLL_TIMINGS.assetRetryMaxWaitMs,
  stuckAfterMs: 120 * MINUTE,
};

describe('the asset-retry wait schedule', () => {
  it('grows ×4 from 30 s, reaches the 1-hour ceiling and holds it', () => {
    const waits = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => assetRetryWaitMs(n, DEFAULTS));
    expect(waits).toEqual([
      30_000,
      30_000,
      2 * MINUTE,
      8 * MINUTE,
      32 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
    ]);
  });

  it('stays at the ceiling, finite, for any retry count', () => {
    for (const n of [21, 100, 1_000, 1e6, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      const wait = assetRetryWaitMs(n, DEFAULTS);
      expect(Number.isFinite(wait), String(n)).toBe(true);
      expect(wait, String(n)).toBe(60 * MINUTE);
    }
  });

  it('a zero base waits zero at any count (no 0 × Infinity = NaN)', () => {
    for (const n of [1, 50, 1e6, Number.POSITIVE_INFINITY])
      expect(assetRetryWaitMs(n, { ...DEFAULTS, assetRetryBaseMs: 0 })).toBe(0);
  });

  it('the ceiling is at most half of STUCK_AFTER_MINUTES, so a waiting record comes due before it reads as stalled', () => {
    const short = { ...DEFAULTS, stuckAfterMs: 30 * MINUTE };
    expect(assetRetryCeilingMs(short)).toBe(15 * MINUTE);
    expect([1, 2, 3, 4, 10].map((n) => assetRetryWaitMs(n, short))).toEqual([
      30_000,
      2 * MINUTE,
      8 * MINUTE,
      15 * MINUTE,
      15 * MINUTE,
    ]);
    expect(assetRetryCeilingMs({ ...DEFAULTS, stuckAfterMs: 7 * 24 * 60 * MINUTE })).toBe(60 * MINUTE);
  });
});

describe('decideFollowUp schedules a waiting asset retry within the ceiling', () => {
  const settings = { ...DEFAULTS, maxAssetRetries: 20, firstPollMs: 30_000, maxPollMs: 10 * MINUTE };
  const failedAfter = (retryCount: number) =>
    submittedRecord('clip.mp4', 'sub_1', [
      submittedAsset('a1', { status: 'failed', isRetryable: true, retryCount }),
    ]);

  it.each([8, 19])('after %i retries the next waits one hour, not days or millennia', (retries) => {
    const decision = decideFollowUp(
      failedAfter(retries),
      [{ api: { assetId: 'a1', status: 'failed', isRetryable: true } }],
      NOW_MS,
      settings,
    );

    expect(decision).toMatchObject({ state: 'retry-pending', due: NOW_MS + 60 * MINUTE });
    expect(decision.reason).toBe(`retryable asset failure; retry ${retries + 1} in 3600 s`);
    expect(isoTimestamp(decision.due ?? Number.NaN)).toBe(new Date(NOW_MS + 60 * MINUTE).toISOString());
  });
});
