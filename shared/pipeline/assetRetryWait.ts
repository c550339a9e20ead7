/**
 * How long a record waits in `retry-pending` before it asks MediaMagic to retry a failed asset again
 * (docs/design.md, decision 9): the first retry at once, then the base ×4 each time (30 s, 2, 8, 32 minutes
 * by default), held at a ceiling.
 *
 * Why a ceiling: unbounded, ×4 reaches days by the 8th retry and millennia by the 20th (`MAX_ASSET_RETRIES`
 * allows 20), and a record is only looked at when its `due` comes — so a long wait also hid a record that
 * made no progress from the stuck detector for as long.
 *
 * Why the ceiling is at most half of `STUCK_AFTER_MINUTES`: the wait itself is not progress, so a wait that
 * reached the stuck threshold would have the record reported `stuck` the moment its retry came due — and a
 * `stuck` record is followed but asks for no further retry, so it would never be retried. Half leaves room
 * for the timer's schedule and a backlog. With the defaults (1 hour, 120 minutes) both bounds are 1 hour.
 */
import type { PollSettings } from './pollDeps.js';

/** The settings the wait depends on. */
export type AssetRetryWaitSettings = Pick<
  PollSettings,
  'assetRetryBaseMs' | 'assetRetryMaxWaitMs' | 'stuckAfterMs'
>;

/** The longest wait between two asset retries: the configured ceiling, or half the stuck threshold if less. */
export function assetRetryCeilingMs(settings: AssetRetryWaitSettings): number {
  return Math.min(settings.assetRetryMaxWaitMs, Math.floor(settings.stuckAfterMs / 2));
}

/**
 * The wait before the next retry of an asset that has had `retriesMade` retries: the base for the 2nd
 * retry (and for one whose first was refused), ×4 for each retry after, never above
 * {@link assetRetryCeilingMs}. Finite for any count.
 */
export function assetRetryWaitMs(retriesMade: number, settings: AssetRetryWaitSettings): number {
  const ceilingMs = assetRetryCeilingMs(settings);
  const steps = Math.max(0, retriesMade - 1);
  // Multiply step by step and stop at the ceiling, rather than `4 ** steps`, which overflows to Infinity
  // (and to NaN times a zero base) long before the count does.
  let waitMs = settings.assetRetryBaseMs;
  for (let step = 0; step < steps && waitMs > 0 && waitMs < ceilingMs; step++) waitMs *= 4;
  return Math.min(waitMs, ceilingMs);
}
