/**
 * Measuring the server by what it accepted: counting accepted answers and the accept rate since an anchor.
 * Between two moments at which the server's bucket was empty, every token it refilled was either accepted or
 * overflowed a full bucket — so the accept rate over that span is the server's rate R when nothing
 * overflowed, and never more (docs/pacing.md, "A 429"). What overflows is what nobody asked for: so a cut
 * measures only over the time the pace held sends back, and counts only the answers that belong to it.
 */
import type { PacerOptions } from './pacerOptions.js';
import type { Anchor, HeldBack, PacerState } from './pacerState.js';

/**
 * Places the slow-start window gains per accepted answer: ×1.5 per round trip. TCP's ×2 overshoots by a
 * whole server burst (28 429s for a burst of 20 in the emulator); ×1.5 still reaches 100 in flight within
 * nine round trips.
 */
const SLOW_START_GROWTH = 0.5;

/** Rates are averaged over at least one second, so three answers in 10 ms don't read as 300 rps. */
const MIN_OBSERVED_SPAN_MS = 1000;

/** `count` per second over the time since `since` (at least {@link MIN_OBSERVED_SPAN_MS}). */
export function perSecondSince(count: number, since: number, now: number): number {
  return count / (Math.max(MIN_OBSERVED_SPAN_MS, now - since) / 1000);
}

/**
 * Accepted answers per second since `anchor` (over at least one second). Between two empty-bucket moments
 * this is the server's refill rate less whatever overflowed a full bucket: R or less, never more.
 */
export function acceptRate(state: PacerState, anchor: Anchor, now: number): number {
  return perSecondSince(state.accepts.count - anchor.accepted, anchor.at, now);
}

/**
 * Accepted answers per held-back second since `from` (over at least one second): the server's rate as the
 * sends that waited for the pace found it, with lulls in demand and pauses that did not test the pace left
 * out. R or less when the server's bucket was empty at `from` and now; the pace while it never ran dry.
 */
export function heldBackAcceptRate(state: PacerState, from: HeldBack): number {
  const { heldBack } = state;
  return (heldBack.accepted - from.accepted) / (Math.max(MIN_OBSERVED_SPAN_MS, heldBack.ms - from.ms) / 1000);
}

/** The accept rate over the last one to two `observeWindowMs` of activity; 0 before any answer. */
export function recentAcceptRate(state: PacerState, now: number): number {
  const anchor = state.accepts.older ?? state.accepts.recent;
  return anchor === undefined ? 0 : acceptRate(state, anchor, now);
}

/**
 * One more accepted answer: count it (as held back too, while the latest send was), move the accept-rate
 * anchors, widen the slow-start window.
 */
export function countAccepted(state: PacerState, options: PacerOptions, now: number): PacerState {
  const { observeWindowMs } = options;
  const { accepts, sending, heldBack } = state;
  let { recent, older } = accepts;
  if (recent === undefined || now - recent.at >= 2 * observeWindowMs) {
    // The first answer, or the first after an idle spell that an older anchor would average in.
    older = undefined;
    recent = { at: now, accepted: accepts.count };
  } else if (now - recent.at >= observeWindowMs) {
    older = recent;
    recent = { at: now, accepted: accepts.count };
  }
  return {
    ...state,
    accepts: { count: accepts.count + 1, recent, older },
    heldBack: sending.latestHeldBack ? { ...heldBack, accepted: heldBack.accepted + 1 } : heldBack,
    sending:
      state.pace.rate === undefined ? { ...sending, window: sending.window + SLOW_START_GROWTH } : sending,
  };
}

/**
 * A send that failed (no usable answer: 5xx, network error, timeout) or was granted but never sent: not
 * refused, so counted with the held-back answers a cut measures by while the latest send was held back — the
 * measurement asks at what rate the server stopped refusing, and this slot of the pace was not refused. The
 * accepted count itself (the recent accept rate) is left alone: nothing was accepted.
 */
export function countNotRefused(state: PacerState): PacerState {
  const { heldBack, sending } = state;
  if (!sending.latestHeldBack) return state;
  return { ...state, heldBack: { ...heldBack, accepted: heldBack.accepted + 1 } };
}
