/**
 * Recovery after a cut: a proportional probe, the quick regain of a guessed cut, and dropping a learned pace
 * that recovery has left far behind (docs/pacing.md, "Recovery" and "Regaining a guessed cut"). Only time in
 * which the pace held sends back counts: a pace nobody waits for has not been tested.
 */
import type { PacerOptions } from './pacerOptions.js';
import type { PacerState } from './pacerState.js';

/**
 * Credits recovery for the time since the last credit or the pause end, whichever is later — elapsed time,
 * not answer count, so it is fair at any rate — if the latest send was held back. A configured rate caps
 * it; a learned one is dropped past `unpaceAboveLearnedFactor` × it (slow start again).
 */
export function recover(state: PacerState, options: PacerOptions, now: number): PacerState {
  const { pace, recovery } = state;
  if (pace.rate === undefined) return state;
  const from = Math.max(recovery.creditedUntil, state.pause.until);
  if (now <= from) return state;
  const credited: PacerState = { ...state, recovery: { ...recovery, creditedUntil: now } };
  if (!state.sending.latestHeldBack) return credited;
  const recovered = recoveredRate(pace.rate, recovery.regainTarget, options, now - from);
  const ceiling = options.ratePerSecond;
  if (ceiling !== undefined) return withRate(credited, Math.min(recovered, ceiling));
  if (pace.learnedRate !== undefined && recovered > options.unpaceAboveLearnedFactor * pace.learnedRate) {
    return {
      ...credited,
      pace: { ...pace, rate: undefined, learnedRate: undefined },
      recovery: { creditedUntil: now, regainTarget: undefined },
      sending: { ...state.sending, window: options.slowStartWindow },
    };
  }
  return withRate(credited, recovered);
}

/**
 * `rate` after `elapsedMs` of held-back sending: `max(increasePerSecond, increaseShare × rate)` per second
 * (the probe), or the return toward `regainTarget` with time constant `regainMs`, whichever is higher.
 */
function recoveredRate(
  rate: number,
  regainTarget: number | undefined,
  options: PacerOptions,
  elapsedMs: number,
): number {
  const perSecond = Math.max(options.increasePerSecond, options.increaseShare * rate);
  const probed = rate + (perSecond * elapsedMs) / 1000;
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
  const { recovery } = state;
  if (untilMs <= recovery.creditedUntil) return state;
  return { ...state, recovery: { ...recovery, creditedUntil: untilMs } };
}
