/**
 * One deadline per invocation bounds every wait (docs/design.md, decision 6). When a wait would end after it,
 * the caller records "retry at T" for the timer to re-drive instead of sleeping past the function's timeout
 * or shortening a Retry-After to fit.
 */

/** Either wait `ms` now, or hand off: nothing may be attempted before `retryAt` (epoch ms). */
export type WaitDecision =
  { readonly kind: 'wait'; readonly ms: number } | { readonly kind: 'retry-later'; readonly retryAt: number };

/**
 * Decides whether a wait of `waitMs` starting at `nowMs` fits before `deadlineMs`. A wait that ends exactly
 * at the deadline still fits. The wait is never shortened to fit: `retryAt` is the full `nowMs + waitMs`.
 *
 * A negative wait is "now" (0); a NaN wait (a computation gone wrong upstream) is also treated as 0 rather
 * than letting NaN slip past every comparison into a sleep.
 */
export function decideWait(nowMs: number, waitMs: number, deadlineMs: number): WaitDecision {
  const ms = waitMs > 0 ? waitMs : 0;
  const until = nowMs + ms;
  if (until > deadlineMs) return { kind: 'retry-later', retryAt: until };
  return { kind: 'wait', ms };
}
