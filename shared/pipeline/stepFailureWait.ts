/**
 * How a record whose timer step throws is bounded (docs/design.md, decision 13; docs/ledger.md, "When a step
 * throws"): a growing wait before the next try, and a limit after which the record goes `stuck` with an
 * alert. A throw is not a classified failure — a storage error, an archived source blob, a bug — so nothing
 * says when it will clear; the wait keeps it from costing API reads on every timer run meanwhile.
 *
 * Why a count and not `STUCK_AFTER_MINUTES`: `lastProgressAt` can be long past for a record that is rightly
 * waiting, so one storage blip would alert at once; and the stall check skips `claimed` and `submit-pending`.
 * A count gives every record the same few tries spread over about an hour and a half — long enough to ride
 * out a storage incident — whatever its state.
 */
import type { PollSettings } from './pollDeps.js';

/** Runs in a row whose step threw, after which the record goes `stuck` with an `ALERT:` line. */
export const STEP_FAILURE_LIMIT = 8;

/** The wait after the first throw; doubled after each one in a row. */
export const STEP_FAILURE_BASE_MS = 60_000;

/**
 * The longest wait: 30 minutes, or half of `STUCK_AFTER_MINUTES` if less, so a record that keeps failing is
 * still looked at well inside the stuck threshold (the same reasoning as `assetRetryWait.ts`). With the
 * defaults the waits are 1, 2, 4, 8, 16, 30, 30 minutes: `stuck` about 91 minutes after the first throw.
 */
export const STEP_FAILURE_MAX_WAIT_MS = 30 * 60_000;

/** The wait before the next try of a record whose step has now thrown `failures` times in a row. */
export function stepFailureWaitMs(failures: number, settings: Pick<PollSettings, 'stuckAfterMs'>): number {
  const ceilingMs = Math.min(STEP_FAILURE_MAX_WAIT_MS, Math.floor(settings.stuckAfterMs / 2));
  // Double step by step and stop at the ceiling, rather than `2 ** n`, which overflows for a large count.
  let waitMs = STEP_FAILURE_BASE_MS;
  for (let step = 1; step < failures && waitMs < ceilingMs; step++) waitMs *= 2;
  return Math.min(waitMs, ceilingMs);
}
