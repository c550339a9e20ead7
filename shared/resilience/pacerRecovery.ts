/**
 * Recovery after a cut: a proportional probe, the quick regain of a guessed cut, and dropping a learned pace
 * that recovery has left far behind (docs/pacing.md, "Recovery" and "Regaining a guessed cut"). Only time in
 * which the pace held sends back, and was in use, counts: a pace nobody waits for has not been tested.
 */
import { recentAcceptRate } from './pacerAcceptRate.js';
import type { PacerOptions } from './pacerOptions.js';
import type { PacerState, Recovery } from './pacerState.js';

/**
 * The probe stops while the pace is more than twice what the server recently accepted (Linux's test of a
 * congestion window that limits in slow start, `tcp_is_cwnd_limited`): a pace twice its use has not been
 * tested, whatever its spacing held back. The queue trigger's batches of sixteen, spread at the pace, kept
 * probing a pace no sustained demand reached, and a fleet's believed rate drifted to four times the server's.
 */
const PROBE_ABOVE_USE = 2;

/**
 * Credits recovery for the time since the last credit or the pause end, whichever is later, if the latest
 * send was held back — time, not answer count, so it is fair at any rate. The probe counts only the
 * held-back part of that time (`heldBack.ms`, at most one interval per send that waited), so it runs in
 * proportion to how much of the pace is used, and none of it while the pace is above twice its use
 * ({@link PROBE_ABOVE_USE}). The return to a guessed cut's pace counts all of it: that pace was in use. A
 * configured rate caps recovery; a learned one is dropped past `unpaceAboveLearnedFactor` × it (slow start
 * again).
 */
export function recover(state: PacerState, options: PacerOptions, now: number): PacerState {
  const { pace, recovery, heldBack } = state;
  if (pace.rate === undefined) return state;
  const from = Math.max(recovery.creditedUntil, state.pause.until);
  if (now <= from) return state;
  const credited: PacerState = { ...state, recovery: creditedTo(state, now) };
  if (!state.sending.latestHeldBack) return credited;
  const elapsedMs = now - from;
  const tested = pace.rate < PROBE_ABOVE_USE * recentAcceptRate(state, now);
  const heldBackMs = tested ? Math.max(0, Math.min(elapsedMs, heldBack.ms - recovery.heldBackMsCredited)) : 0;
  const recovered = recoveredRate(pace.rate, recovery.regainTarget, options, heldBackMs, elapsedMs);
  const ceiling = options.ratePerSecond;
  if (ceiling !== undefined) return withRate(credited, Math.min(recovered, ceiling));
  if (pace.learnedRate !== undefined && recovered > options.unpaceAboveLearnedFactor * pace.learnedRate) {
    return {
      ...credited,
      pace: { ...pace, rate: undefined, learnedRate: undefined },
      recovery: { ...credited.recovery, regainTarget: undefined },
      sending: { ...state.sending, window: options.slowStartWindow },
    };
  }
  return withRate(credited, recovered);
}

/**
 * `rate` after `heldBackMs` of probing — `max(increasePerSecond, increaseShare × rate)` per held-back
 * second — or after `elapsedMs` of return toward `regainTarget` with time constant `regainMs`, whichever is
 * higher.
 */
function recoveredRate(
  rate: number,
  regainTarget: number | undefined,
  options: PacerOptions,
  heldBackMs: number,
  elapsedMs: number,
): number {
  const perSecond = Math.max(options.increasePerSecond, options.increaseShare * rate);
  const probed = rate + (perSecond * heldBackMs) / 1000;
  if (regainTarget === undefined || regainTarget <= rate) return probed;
  return Math.max(probed, regainTarget - (regainTarget - rate) * Math.exp(-elapsedMs / options.regainMs));
}

function withRate(state: PacerState, rate: number): PacerState {
  return { ...state, pace: { ...state.pace, rate } };
}

/**
 * Credits no recovery for the time up to `untilMs`: the end of a pause another process published (fleet
 * news), which held this process's sends back without testing its pace — as its own pause credits none.
 */
export function creditNothingUntil(state: PacerState, untilMs: number): PacerState {
  if (untilMs <= state.recovery.creditedUntil) return state;
  return { ...state, recovery: creditedTo(state, untilMs) };
}

/**
 * The recovery marks moved to `untilMs` (never back) and to the held-back time so far: whatever lies before
 * them has been credited, or deliberately not, and the probe never counts it again.
 */
export function creditedTo(state: PacerState, untilMs: number): Recovery {
  const { recovery } = state;
  return {
    ...recovery,
    creditedUntil: Math.max(recovery.creditedUntil, untilMs),
    heldBackMsCredited: state.heldBack.ms,
  };
}
