/**
 * A pacer that paces a share of a fleet rate (docs/pacing.md, "Fleet pacing"). The pacer itself knows
 * nothing of fleets: it works in this process's units — its pace is what this process may send, and what
 * it measures is what this process's sends were accepted at. These pure functions translate: the options
 * (a configured rate and burst are the fleet's) are scaled to the share, and when the share changes — a
 * process joined, left or died — the state's rates are scaled by the same factor, so the processes' paces
 * keep adding up to the fleet's.
 */
import type { PacerOptions } from './pacerOptions.js';
import type { PacerState } from './pacerState.js';

/**
 * The options of one process's part: a configured rate, the burst, the floor and the additive probe are
 * the fleet's, so each is scaled by `share` (the burst and the slow-start window never below one). The
 * proportional constants (headroom, decrease factor, probe share, pauses, windows of time) are unchanged.
 */
export function shareOptions(options: PacerOptions, share: number): PacerOptions {
  if (share === 1) return options;
  return {
    ...options,
    ...(options.ratePerSecond !== undefined ? { ratePerSecond: options.ratePerSecond * share } : {}),
    burst: Math.max(1, options.burst * share),
    minRatePerSecond: options.minRatePerSecond * share,
    increasePerSecond: options.increasePerSecond * share,
    slowStartWindow: Math.max(1, Math.round(options.slowStartWindow * share)),
  };
}

/**
 * The state after this process's share changed by `factor` (new share ÷ old): its pace, the learned rate
 * it keeps and the pace it is regaining scale with it, as does the slow-start window. The GCRA schedule
 * and the counts of sends and answers are this process's own and stay.
 */
export function rescalePacer(state: PacerState, factor: number): PacerState {
  if (factor === 1) return state;
  const scale = (rate: number | undefined): number | undefined =>
    rate === undefined ? undefined : rate * factor;
  const { pace, recovery, sending } = state;
  return {
    ...state,
    pace: { ...pace, rate: scale(pace.rate), learnedRate: scale(pace.learnedRate) },
    recovery: { ...recovery, regainTarget: scale(recovery.regainTarget) },
    sending: { ...sending, window: Math.max(1, sending.window * factor) },
  };
}

/**
 * Where this process stands in the fleet now: its share and what the others with work on the bucket send
 * per second, which the next rate set from a measurement takes into account (pacerState.ts, `FleetView`).
 */
export function withFleetView(state: PacerState, share: number, othersPerSecond: number): PacerState {
  const { fleet } = state;
  if (fleet.share === share && fleet.othersPerSecond === othersPerSecond) return state;
  return { ...state, fleet: { share, othersPerSecond } };
}

/**
 * An unpaced process joining a fleet that has learned a pace starts at its part of it (`rate`, already
 * scaled to its share) rather than in slow start: slow start in every newcomer would flood the key with
 * one window of requests each. A paced state is returned as it is.
 */
export function adoptFleetRate(state: PacerState, rate: number): PacerState {
  if (state.pace.rate !== undefined || !(rate > 0)) return state;
  return { ...state, pace: { ...state.pace, rate, learnedRate: rate } };
}
