import { describe, expect, it } from 'vitest';
import { STEP_FAILURE_MAX_WAIT_MS, stepFailureWaitMs } from './stepFailureWait.js';

const MINUTE = 60_000;

describe('the wait after a step throws', () => {
  it('doubles from 1 minute and holds at 30 minutes', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) =>
      stepFailureWaitMs(n, { stuckAfterMs: 120 * MINUTE }),
    );
    expect(waits).toEqual([1, 2, 4, 8, 16, 30, 30, 30, 30].map((m) => m * MINUTE));
  });

  it('stays finite for any count', () => {
    for (const n of [1e6, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      expect(stepFailureWaitMs(n, { stuckAfterMs: 120 * MINUTE })).toBe(STEP_FAILURE_MAX_WAIT_MS);
    }
  });

  it('is at most half of the stuck threshold', () => {
    expect(stepFailureWaitMs(8, { stuckAfterMs: 20 * MINUTE })).toBe(10 * MINUTE);
  });
});
