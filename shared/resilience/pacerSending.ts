/**
 * Admission: when the next send of a bucket may go, and committing one. Once a rate is known, sends are
 * spaced by GCRA with a tolerance of the server's burst less a headroom; before, a slow-start window bounds
 * the sends in flight (docs/pacing.md, "Sending").
 */
import type { PacerOptions } from './pacerOptions.js';
import type { PacerState } from './pacerState.js';

/**
 * Tokens of the server's burst the pacer may spend: `burst × (1 − burstHeadroom)`, at least one. Not rounded
 * to whole tokens: in a fleet each process spends its share of the burst (pacerShare.ts, `shareOptions`),
 * and a headroom rounded down per process vanished below four tokens — eight processes on a burst of 20
 * (2.5 each) could together spend all 20 where one process keeps 5 (docs/pacing.md, "Sending").
 */
export function spendableBurst(options: PacerOptions): number {
  return Math.max(1, options.burst * (1 - options.burstHeadroom));
}

/**
 * The earliest time the next send may go: `max(now, pause end, GCRA slot)`; while unpaced, `now` (or the
 * pause end) if the slow-start window has room, else Infinity (wait for an answer to free a place).
 */
export function nextSendAt(state: PacerState, options: PacerOptions, now: number): number {
  const { sending } = state;
  if (state.pace.rate === undefined && sending.inFlight >= sending.window) return Number.POSITIVE_INFINITY;
  return estimateSendAt(state, options, now, 0);
}

/**
 * When the caller `position` places behind the next one (0 = the next) would be sent if nothing changed:
 * `max(base, max(theoreticalArrivalAt, base) + position/rate − tolerance)`, base = `max(now, pause end)`.
 * While unpaced it is `base` for everyone: when answers will free the slow-start window cannot be foreseen.
 */
export function estimateSendAt(
  state: PacerState,
  options: PacerOptions,
  now: number,
  position: number,
): number {
  const base = Math.max(now, state.pause.until);
  const { rate, theoreticalArrivalAt } = state.pace;
  if (rate === undefined) return base;
  const interval = 1000 / rate;
  const tolerance = (spendableBurst(options) - 1) * interval;
  return Math.max(base, Math.max(theoreticalArrivalAt, base) + position * interval - tolerance);
}

/**
 * Commits one send at `now` (the caller checked `nextSendAt(…) <= now`); `waited` says the sender had to
 * queue for it, i.e. the pace (or a pause) was holding sends back. A send that waited adds the time it
 * waited for the pace to the held-back time (see {@link heldBackWaitMs}).
 */
export function recordSend(state: PacerState, now: number, waited: boolean): PacerState {
  const { pace, sending, heldBack } = state;
  const interval = pace.rate === undefined ? 0 : 1000 / pace.rate;
  return {
    ...state,
    pace: { ...pace, theoreticalArrivalAt: Math.max(pace.theoreticalArrivalAt, now) + interval },
    sending: {
      ...sending,
      latestHeldBack: waited,
      inFlight: sending.inFlight + 1,
      granted: sending.granted + 1,
      latestAt: now,
    },
    heldBack: waited ? { ...heldBack, ms: heldBack.ms + heldBackWaitMs(state, now) } : heldBack,
  };
}

/**
 * How long a send that waited, going at `now`, waited for the pace: the time since the previous send or the
 * pause end, whichever is later, but at most one interval. A send held back by the pace goes at most one
 * interval after the previous one (GCRA's next slot); a longer gap was a lull in demand, or a wait for
 * something else (a pause, the fleet's), which says nothing about the server's rate. A tested pause is
 * counted where it is set (`pacerRefusal.ts`). While unpaced nothing is counted: the window is no pace.
 */
function heldBackWaitMs(state: PacerState, now: number): number {
  const { rate } = state.pace;
  if (rate === undefined) return 0;
  const since = Math.max(state.sending.latestAt, state.pause.until);
  return Math.min(1000 / rate, Math.max(0, now - since));
}
