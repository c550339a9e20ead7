/**
 * A pacer that paces a share of a fleet rate (docs/pacing.md, "Fleet pacing"). The pacer itself knows
 * nothing of fleets: it works in this process's units — its pace is what this process may send, and what
 * it measures is what this process's sends were accepted at. These pure functions translate: the options
 * (a configured rate and burst are the fleet's) are scaled to the share, and when the share changes — a
 * process joined, left or died — the state's rates are scaled by the same factor, so the processes' paces
 * keep adding up to the fleet's.
 */
import type { PacerOptions } from './pacerOptions.js';
import { creditedTo } from './pacerRecovery.js';
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
 * How long after the start of its latest congestion episode a process keeps its own pace rather than
 * moving up to the fleet's ({@link adoptFleetRate}): two heartbeats of the roster, by when the others'
 * reports carry the cut that began it.
 */
export const FLEET_ALIGN_QUIET_MS = 10_000;

/**
 * Moves this process to its part (`rate`, already scaled to its share) of the pace the other processes on
 * the bucket believe in (the roster's median), so that the fleet keeps one rate:
 * - an unpaced process joining a fleet that has learned a pace starts at its part rather than in slow
 *   start — slow start in every newcomer would flood the key with one window of requests each;
 * - a learned pace far below it (under `decreaseFactor` × it) is raised to it once the process's latest
 *   episode is {@link FLEET_ALIGN_QUIET_MS} old: a first rate learned while the roster was stale, or a cut
 *   the others did not take, must not hold this process back for the minutes a probe would take.
 * Never lowers a pace (cuts do that, see {@link adoptFleetCut}); a configured rate is left to its options.
 */
export function adoptFleetRate(
  state: PacerState,
  options: PacerOptions,
  now: number,
  rate: number,
): PacerState {
  if (!(rate > 0) || options.ratePerSecond !== undefined) return state;
  const { pace } = state;
  if (pace.rate === undefined) return { ...state, pace: { ...pace, rate, learnedRate: rate } };
  const quiet = now >= state.episode.lastsAtLeastUntil + FLEET_ALIGN_QUIET_MS;
  if (!quiet || pace.rate >= options.decreaseFactor * rate) return state;
  return {
    ...state,
    pace: { ...pace, rate, learnedRate: rate },
    recovery: { ...state.recovery, regainTarget: undefined },
  };
}

/**
 * A first rate learned while the roster showed nobody else sending (`ownRate`: this process's own accepts,
 * its pace then), re-read once the roster shows the others that were sending meanwhile: it was this
 * process's part of what the fleet got through, not the fleet's rate. Processes that start together each
 * meet their first 429 before their first roster read shows the others' sends; kept as the fleet's rate —
 * and halved with the share when the others then appear — two processes believed in 11 and 15/s for a
 * 20/s key and spent half a minute probing back up (docs/pacing.md, "Fleet pacing"). The pace becomes
 * `share × (ownRate + othersPerSecond)` when that is higher — the first rate a fresh roster would have
 * given (pacerRefusal.ts, `decreasedRate`); the others' sends per second are their latest heartbeat
 * periods', 429s included, and high is the cheap direction (the next 429 measures). Never lowers a pace; a
 * configured rate is left to its options.
 */
export function rereadFirstRate(
  state: PacerState,
  options: PacerOptions,
  ownRate: number,
  share: number,
  othersPerSecond: number,
): PacerState {
  const { pace } = state;
  if (options.ratePerSecond !== undefined || pace.rate === undefined) return state;
  const rate = share * (ownRate + othersPerSecond);
  if (!(rate > pace.rate)) return state;
  return { ...state, pace: { ...pace, rate, learnedRate: rate } };
}

/**
 * Another process cut the bucket's fleet rate (fleetNews.ts, `FleetCut`): this process applies its part of
 * it, `rate` (already scaled to its share), as if the 429 had been its own — the fleet has one rate, not one
 * probe per process that only the process a 429 happens to reach would lower. Applying it starts a
 * congestion episode here too, so this process's own 429s of the same congestion only pause instead of
 * cutting again. A pace already at or below `rate` is kept (only the episode starts); a configured rate
 * caps it. One cut from elsewhere lowers a pace by at most one blind step (`decreaseFactor`): a process
 * that misread the fleet (a stale roster gives it a wrong share) cannot drag every other one down with it,
 * while a real limit keeps refusing and cuts again next episode. The pace it had is regained quickly, as
 * after a guessed cut of its own (pacerRecovery.ts): a cut made elsewhere holds this process back for the
 * congestion that caused it, and stands only once its own 429s confirm it.
 */
export function adoptFleetCut(
  state: PacerState,
  options: PacerOptions,
  now: number,
  rate: number,
): PacerState {
  if (!(rate > 0)) return state;
  const { pace } = state;
  const episode = {
    measuredFrom: { accepted: state.accepts.count, heldBack: state.heldBack },
    lastsAtLeastUntil: Math.max(
      state.episode.lastsAtLeastUntil,
      state.pause.until,
      now + options.defaultPauseMs,
    ),
  };
  if (pace.rate !== undefined && pace.rate <= rate) return { ...state, episode };
  const bounded = pace.rate === undefined ? rate : Math.max(rate, options.decreaseFactor * pace.rate);
  const cut = options.ratePerSecond !== undefined ? Math.min(bounded, options.ratePerSecond) : bounded;
  return {
    ...state,
    pace: { ...pace, rate: cut, learnedRate: options.ratePerSecond === undefined ? cut : undefined },
    // Regained within seconds, as a guessed cut of its own is: the cut is the other process's measurement,
    // not this one's, and one refusal cannot tell a limit from a refusal from elsewhere — spread for good,
    // the chaos soak's bursts wore every process's pace down to a third. A real limit refuses the regained
    // pace, and this process's own measurement then cuts it for good.
    recovery: { ...creditedTo(state, now), regainTarget: pace.rate },
    episode,
  };
}
