/**
 * The pacing model of one rate-limit bucket: pure functions `(state, options, now, …) → state` in the shape
 * of cockatiel's backoff generators — no clock, no timers, no queue, no randomness, no module state.
 * {@link BucketGate} runs a FIFO queue of callers over it. How and why it paces: docs/pacing.md.
 *
 * - **Models** the server's token bucket for this bucket (R per second, `burst` tokens, a 429's
 *   Retry-After rounded up to whole seconds) with a GCRA copy, and a slow-start window while R is unknown.
 * - **Inputs**: {@link PacerOptions} (validated once), the time `now` (epoch ms), each send as it is
 *   granted ({@link recordSend}) and what came of it ({@link recordResult}).
 * - **Outputs**: when the next send may go ({@link nextSendAt}), when a queued caller's turn is estimated to
 *   come ({@link estimateSendAt}), and the state — its pace, pause and counters, how the latest 429 was read.
 * - **Invariants**: nothing goes before the pause end (a pause is never shortened); at a steady rate, sends
 *   stay within `spendableBurst + L·rate` in any span L; a 429 never raises the rate, cuts it at most once
 *   per congestion episode and never below `minRatePerSecond`; only a 429 of a send the pacer held back can
 *   set the rate, measured over the time sends were held back (lulls in demand and pauses not caused by the
 *   pace left out); recovery counts only time in which sends were held back, probes no pace above twice the
 *   recent accept rate, and never passes a configured rate.
 */
import { countAccepted, countNotRefused } from './pacerAcceptRate.js';
import type { PacerOptions } from './pacerOptions.js';
import { recover } from './pacerRecovery.js';
import { recordRefusal } from './pacerRefusal.js';
import type { PacerState } from './pacerState.js';

export { acceptRate, recentAcceptRate } from './pacerAcceptRate.js';
export { DEFAULT_PACER, validatePacerOptions, type PacerOptions } from './pacerOptions.js';
export { estimateSendAt, nextSendAt, recordSend, spendableBurst } from './pacerSending.js';
export {
  initialPacerState,
  type Accepts,
  type Anchor,
  type Episode,
  type EpisodeAnchor,
  type HeldBack,
  type Pace,
  type PacerState,
  type Pause,
  type Recovery,
  type RefusalReading,
  type Refusals,
  type Sending,
} from './pacerState.js';

/** How a granted send ended, as far as the pacer cares. */
export type SendResult =
  /** An answer that took a token: 2xx, or a 4xx other than 429. */
  | { readonly kind: 'accepted' }
  /** 429, with its Retry-After in ms (undefined, negative or not finite = not usable). */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number | undefined }
  /** Sent but no usable answer (5xx, network error, timeout): not a refusal, nothing accepted either. */
  | { readonly kind: 'failed' }
  /** Granted but never sent (the breaker or the budget said no). */
  | { readonly kind: 'unsent' };

/** Settles one granted send with what came of it. */
export function recordResult(
  state: PacerState,
  options: PacerOptions,
  now: number,
  result: SendResult,
): PacerState {
  const { sending } = state;
  const settled: PacerState = {
    ...state,
    sending: {
      ...sending,
      inFlight: Math.max(0, sending.inFlight - 1),
      inFlightBeforeRefusal: Math.max(0, sending.inFlightBeforeRefusal - 1),
    },
  };
  switch (result.kind) {
    case 'accepted':
      return recover(countAccepted(settled, options, now), options, now);
    case 'rate-limited':
      // With every send from before the latest 429 settled, this one went after its pause: Retry-After honoured.
      return recordRefusal(settled, options, now, result.retryAfterMs, sending.inFlightBeforeRefusal === 0);
    case 'failed':
    case 'unsent':
      return countNotRefused(settled);
  }
}
