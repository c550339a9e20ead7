/**
 * The pacing model of one rate-limit bucket, as pure functions `(state, options, now, …) → state` (the
 * shape of cockatiel's backoff generators): no clock, no timers, no queue. {@link BucketGate} runs a FIFO
 * queue of callers over it.
 *
 * **What it mirrors.** MediaMagic limits each API key per bucket with a token bucket (the emulator's
 * `emulator/rateLimiter.ts` is one): at most `burst` tokens, refilled continuously at R per second; a
 * request that finds less than one token gets 429 with `Retry-After` = the seconds until one is back,
 * *rounded up* — so at least one whole second even when the next token is 50 ms away. The pacer keeps a GCRA
 * copy of that bucket (a virtual-scheduling token bucket: sends may go `burst` at once, then one per `1/rate`).
 *
 * **Sending.** While no rate is known (none configured, no 429 yet) the pacer does not pace, but it does
 * bound the sends in flight: a slow-start window of `slowStartWindow`, half a place more per accepted
 * answer (×1.5 per round trip). A backlog released all at once would otherwise put thousands of requests on
 * the wire before the first 429 could come back, and nearly all of them would be 429s; with the window, the
 * first episode costs about `slowStartWindow + burst / 2` 429s (the requests in flight when the server's
 * bucket runs dry). Once a rate is known, sends are spaced by GCRA with
 * a tolerance of the server's `burst` minus a headroom (`burstHeadroom`): the headroom tokens are never spent
 * on purpose, so a request that reaches the server a little early (latency jitter) still finds a token.
 *
 * **A 429.** It pauses the bucket until `Retry-After` (never shortened), says the server's bucket is empty
 * now — so the GCRA copy is re-synchronised, and after the pause exactly what the server refilled may be
 * sent — and, once per congestion episode, sets the rate from what the server was *measured* to accept:
 * - `measured` = accepted answers per second since the previous episode began, or since the end of a later
 *   pause that a refusal not of the bucket's making caused (below); the first time: over the last few
 *   seconds of activity. Between two moments at which the server's bucket was empty, every token
 *   it refilled was either accepted or overflowed a full bucket, so `measured` is R exactly when nothing
 *   overflowed and never more than R. (The old rule learned from requests *sent*: hundreds per second in a
 *   flood, so dozens of 429 episodes to come down.)
 * - Without a rate yet, the rate becomes `measured`, counting the sends still in flight as accepted (a 429
 *   is answered before a create's work is done, so the first 429 can overtake every 201; the slow-start
 *   window bounds how many there are). It reads high (it includes the server's initial burst), and that
 *   is the cheap direction: a pace above R loses no throughput — the next 429 comes sooner and measures R
 *   — while a pace below R loses throughput for as long as it lasts.
 * - With a rate: `min(rate, max(measured, decreaseFactor × rate))`. At most the classic ×0.8 cut, but never
 *   below what the server was measured to accept. In the steady state (a backlog, the probe just crossed R)
 *   `measured` ≈ R, so the pace returns to R instead of 0.8 R; a 429 caused by jitter at a correct
 *   configured rate cuts nothing. (`measured` may also be low because little was asked for; then the ×0.8
 *   cut is the floor.)
 * - **Not every 429 is the bucket's.** A congestion episode lasts until something is accepted again: a 429
 *   with nothing accepted since the episode began (a send that was in flight through a long pause) cuts
 *   nothing more. And a 429 of a send made *after* an honoured Retry-After, with nothing accepted in
 *   between, cannot be a token-bucket refusal at all — the server's Retry-After (rounded up) promised a
 *   token by then. Something else refused it (a shared key, a proxy, the chaos soak's bursts of 20 429s in
 *   3 s every 10 s), so it only pauses, and the next episode measures from the end of that pause: the
 *   seconds lost to a refusal that was not about our rate must not read as a lower accept rate. (Before,
 *   every such 429 opened an episode, so each burst cut ×0.8 three times plus once for the time it cost,
 *   and periodic bursts wore a learned 20/s down to its floor; now a burst costs its pauses, not the pace.)
 * - **Only a pace that was tested can be cut.** A 429 while the pacer held nothing back (the latest send
 *   found the pace, the window and any pause clear) says nothing about the pace: callers asked for less than
 *   it allowed. It pauses only — and an unpaced bucket stays unpaced. (Before, the chaos
 *   soak's timer met a burst of refusals from elsewhere with its first status read and learned 0.2/s from
 *   the one answer it had: every later run handed its records off.) A real limit below what callers ask
 *   for is still learned, one refusal later: the pause queues them, so the next sends wait for the pacer.
 *
 * **Recovery.** Per second of 429-free time, the rate grows by `increaseShare` of itself, at least by
 * `increasePerSecond` (credited on accepted answers), up to a configured rate. Proportional, so probing
 * takes as many seconds at 2/s as at 100/s: a fixed +0.5/s per second was 25 %/s at a 2/s limit, kept the
 * pace oscillating above it and drew a 429 every 2.5 s. Only time in which the pace held sends back counts:
 * a pace nobody waits for has not been tested, and would otherwise compound while the bucket is idle. A
 * learned rate has no ceiling (the probe is how a raised limit is found); with a finite
 * `unpaceAboveLearnedFactor` pacing is dropped once recovery passes that multiple of the learned rate.
 *
 * **Regaining a blind cut.** A cut to the `decreaseFactor` floor is a guess: the server was measured to
 * accept even less, which a refusal from elsewhere or a lull in demand explains as well as a limit. So the
 * rate also returns to the pace the cut came from with time constant `regainMs` (CUBIC's fast return to
 * the last maximum), whichever of that and the probe is faster, again only while the pace holds sends back.
 * A bucket used in short rounds (the timer) gets little such time, and at 2 %/s a cut per burst of refusals
 * from elsewhere wore its pace down. A refusal at (about) the regained pace confirms the pace was too high:
 * that cut is not regained. A cut to the measured accept rate is the server's own figure: not regained.
 *
 * Time is epoch milliseconds throughout; there is no randomness and no module state.
 */

/** How one bucket is paced and paused. */
export interface PacerOptions {
  /** Configured pace in requests/second, also the ceiling for recovery; undefined = learned from 429s. */
  readonly ratePerSecond?: number;
  /** The server bucket's size, as far as it is known (configured); a whole number >= 1. */
  readonly burst: number;
  /** Share of `burst` kept unspent as insurance against jitter: `floor(burst × share)` tokens; in [0, 1). */
  readonly burstHeadroom: number;
  /** Sends in flight allowed while no rate is known, before any answer; a whole number >= 1. */
  readonly slowStartWindow: number;
  /** The deepest cut of the rate per congestion episode; 0 < f < 1. */
  readonly decreaseFactor: number;
  /** Increase of the rate per second of 429-free, pace-bound sending, as a share of the rate; >= 0. */
  readonly increaseShare: number;
  /** ...but at least this many requests/second per second; >= 0. */
  readonly increasePerSecond: number;
  /** The rate never goes below this many requests/second; > 0 and <= `ratePerSecond` when that is set. */
  readonly minRatePerSecond: number;
  /** Pause after a 429 that carries no usable Retry-After; also the shortest span of one congestion episode. */
  readonly defaultPauseMs: number;
  /** How far back the accept rate looks when a first rate is learned (between one and two windows). */
  readonly observeWindowMs: number;
  /** With a learned rate, pacing is dropped once recovery exceeds this multiple of it; > 1, Infinity = never. */
  readonly unpaceAboveLearnedFactor: number;
  /**
   * Time constant of the return to the pace a cut came from: each second of pace-bound sending closes
   * `1 − e^(−1000/regainMs)` of the gap; > 0.
   */
  readonly regainMs: number;
}

/** Defaults for every bucket; per-bucket config overrides them field by field. */
export const DEFAULT_PACER: PacerOptions = Object.freeze({
  /** No configured pace: MediaMagic publishes no limits, so the first 429 teaches one. */
  ratePerSecond: undefined,
  /** Strict spacing unless told: with no published bucket size, bursting is a guess that costs 429s. */
  burst: 1,
  /** A quarter of a known burst (5 of 20) stays unspent: 250 ms of early arrivals at 20/s find a token. */
  burstHeadroom: 0.25,
  /**
   * Eight at first: with a burst of 20 the first 429 comes back with about 18 others in flight, and a server
   * answering in 2 s (the emulator while Azurite is swamped) still gets 4 creates/s from the first round.
   */
  slowStartWindow: 8,
  /**
   * At most a fifth off per episode (episodes end only when something is accepted, and a refusal after an
   * honoured Retry-After opens none): the measured accept rate usually cuts less.
   */
  decreaseFactor: 0.8,
  /** 2 % per second: back from a ×0.8 cut in 11 s; past R by 1 % in half a second, so few 429s per probe. */
  increaseShare: 0.02,
  /** A twentieth of a request/second per second: a rate near the floor still climbs (0.2 → 2.5/s in 46 s). */
  increasePerSecond: 0.05,
  /** One request every five seconds at worst, so a bucket is never starved entirely. */
  minRatePerSecond: 0.2,
  /** One second: MediaMagic's Retry-After is whole seconds, so a second is the smallest honest guess. */
  defaultPauseMs: 1000,
  /** "The last few seconds": long enough to average a burst, short enough to reflect the current pace. */
  observeWindowMs: 5000,
  /** Keep a learned pace: dropping it invites a new flood of 429s; recovery raises it anyway. */
  unpaceAboveLearnedFactor: Number.POSITIVE_INFINITY,
  /**
   * Two seconds: a cut that a refusal from elsewhere caused is 86 % undone after four seconds of sending at
   * the pace; a real limit below the old pace is met again within a few seconds, and measured then.
   */
  regainMs: 2000,
});

/** A count of accepted answers at a moment, to measure the accept rate since then. */
export interface Anchor {
  readonly at: number;
  readonly accepted: number;
}

/** Everything the pacer knows about one bucket. Plain data; every function returns a new one. */
export interface PacerState {
  /** Current pace in requests/second; undefined while none is known (slow start). */
  readonly rate: number | undefined;
  /** The rate set by the last decrease while none is configured: the reference for dropping pacing. */
  readonly learnedRate: number | undefined;
  /** The pace the latest cut came from: recovery returns to it quickly (then probes slowly above it). */
  readonly regainTo: number | undefined;
  /** GCRA theoretical arrival time: when the next send would be due at exactly the current pace. */
  readonly tat: number;
  /** Epoch ms until which nothing may be sent (the latest Retry-After). */
  readonly pausedUntil: number;
  /** 429s before this time belong to the congestion episode that set the current rate. */
  readonly holdUntil: number;
  /** Recovery is credited for time after both this instant and `pausedUntil`. */
  readonly creditFrom: number;
  /** Whether the latest send had to wait for the pace or a pause (rather than finding the bucket free). */
  readonly paceBound: boolean;
  /** Sends granted and not yet settled. */
  readonly inFlight: number;
  /** Of those, the ones granted before the latest 429 came back (none was granted during its pause). */
  readonly staleInFlight: number;
  /** Sends allowed in flight while unpaced. */
  readonly window: number;
  /** Answers that took a server token (everything but a 429 and no answer), ever. */
  readonly accepted: number;
  /** The newest accept-rate anchor, set at the first accepted answer and moved every `observeWindowMs`... */
  readonly recent: Anchor | undefined;
  /** ...and the one before it, so the recent rate always spans one to two windows. */
  readonly older: Anchor | undefined;
  /**
   * Where the next decrease measures from: where the current congestion episode began (the last decrease),
   * or the end of a later pause for a 429 that was not the bucket's; undefined before the first episode.
   */
  readonly episode: Anchor | undefined;
  /** Sends granted, 429s seen and total paused milliseconds (overlapping pauses count once). */
  readonly reserved: number;
  readonly rateLimited: number;
  readonly pausedMs: number;
  /** How the latest 429 was read; undefined before the first. */
  readonly lastRefusal: RefusalReading | undefined;
}

/**
 * How a 429 was read (the module comment has the rules):
 * - `learned`: the first rate, from no pace at all;
 * - `new-episode`: a new congestion episode set the rate (lowered, or kept where the measured accept rate
 *   was at least the pace);
 * - `same-episode`: part of the episode that set the current rate; it only paused;
 * - `not-the-bucket`: sent after an honoured Retry-After with nothing accepted since; it only paused;
 * - `not-held-back`: the pacer was holding no send back, so its pace (or window) was not what the server
 *   refused; it only paused.
 */
export type RefusalReading = 'learned' | 'new-episode' | 'same-episode' | 'not-the-bucket' | 'not-held-back';

/** How a granted send ended, as far as the pacer cares. */
export type SendResult =
  /** An answer that took a token: 2xx, or a 4xx other than 429. */
  | { readonly kind: 'accepted' }
  /** 429, with its Retry-After in ms (undefined, negative or not finite = not usable). */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number | undefined }
  /** Sent but no usable answer (5xx, network error, timeout): says nothing about the bucket. */
  | { readonly kind: 'failed' }
  /** Granted but never sent (the breaker or the budget said no). */
  | { readonly kind: 'unsent' };

/**
 * Places the slow-start window gains per accepted answer: ×1.5 per round trip. TCP's ×2 overshoots by a
 * whole server burst (28 429s for a burst of 20 in the emulator); ×1.5 still reaches 100 in flight within
 * nine round trips.
 */
const SLOW_START_GROWTH = 0.5;

/** A pace within 5 % of the one it was regaining counts as regained. */
const REGAINED = 0.95;

/** Rates are averaged over at least one second, so three answers in 10 ms don't read as 300 rps. */
const MIN_OBSERVED_SPAN_MS = 1000;

/** A bucket nobody has used yet, at `now`. */
export function initialPacerState(options: PacerOptions, now: number): PacerState {
  return {
    rate: options.ratePerSecond,
    learnedRate: undefined,
    regainTo: undefined,
    tat: Number.NEGATIVE_INFINITY,
    pausedUntil: 0,
    holdUntil: Number.NEGATIVE_INFINITY,
    creditFrom: now,
    paceBound: false,
    inFlight: 0,
    staleInFlight: 0,
    window: options.slowStartWindow,
    accepted: 0,
    recent: undefined,
    older: undefined,
    episode: undefined,
    reserved: 0,
    rateLimited: 0,
    pausedMs: 0,
    lastRefusal: undefined,
  };
}

/**
 * The earliest time the next send may go: `max(now, pausedUntil, GCRA slot)`; while unpaced, `now` (or the
 * pause end) if the slow-start window has room, else Infinity (wait for an answer to free a place).
 */
export function nextSendAt(state: PacerState, options: PacerOptions, now: number): number {
  if (state.rate === undefined && state.inFlight >= state.window) return Number.POSITIVE_INFINITY;
  return estimateSendAt(state, options, now, 0);
}

/**
 * When the caller `position` places behind the next one (0 = the next) would be sent if nothing changed:
 * `max(base, max(tat, base) + position/rate − tolerance)`, base = `max(now, pausedUntil)`. While unpaced it
 * is `base` for everyone: when answers will free the slow-start window cannot be foreseen.
 */
export function estimateSendAt(
  state: PacerState,
  options: PacerOptions,
  now: number,
  position: number,
): number {
  const base = Math.max(now, state.pausedUntil);
  if (state.rate === undefined) return base;
  const interval = 1000 / state.rate;
  const tolerance = (spendableBurst(options) - 1) * interval;
  return Math.max(base, Math.max(state.tat, base) + position * interval - tolerance);
}

/**
 * Commits one send at `now` (the caller checked `nextSendAt(…) <= now`); `waited` says the sender had to
 * queue for it, i.e. the pace (or a pause) was holding sends back.
 */
export function recordSend(state: PacerState, now: number, waited: boolean): PacerState {
  const interval = state.rate === undefined ? 0 : 1000 / state.rate;
  return {
    ...state,
    paceBound: waited,
    tat: Math.max(state.tat, now) + interval,
    inFlight: state.inFlight + 1,
    reserved: state.reserved + 1,
  };
}

/** Settles one granted send with what came of it. */
export function recordResult(
  state: PacerState,
  options: PacerOptions,
  now: number,
  result: SendResult,
): PacerState {
  const settled = {
    ...state,
    inFlight: Math.max(0, state.inFlight - 1),
    staleInFlight: Math.max(0, state.staleInFlight - 1),
  };
  switch (result.kind) {
    case 'accepted':
      return recover(countAccepted(settled, options, now), options, now);
    case 'rate-limited':
      // With every send from before the latest 429 settled, this one went after its pause: Retry-After honoured.
      return rateLimited(settled, options, now, result.retryAfterMs, state.staleInFlight === 0);
    case 'failed':
    case 'unsent':
      return settled;
  }
}

/** Tokens of the server's burst the pacer may spend: `burst` minus the headroom, at least one. */
export function spendableBurst(options: PacerOptions): number {
  return Math.max(1, options.burst - Math.floor(options.burst * options.burstHeadroom));
}

/**
 * Accepted answers per second since `anchor` (over at least one second). Between two empty-bucket moments
 * this is the server's refill rate less whatever overflowed a full bucket: R or less, never more.
 */
export function acceptRate(state: PacerState, anchor: Anchor, now: number): number {
  return (state.accepted - anchor.accepted) / (Math.max(MIN_OBSERVED_SPAN_MS, now - anchor.at) / 1000);
}

/** The accept rate over the last one to two `observeWindowMs` of activity; 0 before any answer. */
export function recentAcceptRate(state: PacerState, now: number): number {
  const anchor = state.older ?? state.recent;
  return anchor === undefined ? 0 : acceptRate(state, anchor, now);
}

/** One more accepted answer: count it, move the accept-rate anchors, widen the slow-start window. */
function countAccepted(state: PacerState, options: PacerOptions, now: number): PacerState {
  const { observeWindowMs } = options;
  let { recent, older } = state;
  if (recent === undefined || now - recent.at >= 2 * observeWindowMs) {
    // The first answer, or the first after an idle spell that an older anchor would average in.
    older = undefined;
    recent = { at: now, accepted: state.accepted };
  } else if (now - recent.at >= observeWindowMs) {
    older = recent;
    recent = { at: now, accepted: state.accepted };
  }
  return {
    ...state,
    accepted: state.accepted + 1,
    recent,
    older,
    window: state.rate === undefined ? state.window + SLOW_START_GROWTH : state.window,
  };
}

/**
 * Recovery: `max(increasePerSecond, increaseShare × rate)` for each second since the last credit or the pause
 * end, whichever is later — elapsed time, not answer count, so it is fair at any rate — and only while the
 * pace is what holds sends back. A configured rate caps it; a learned one is dropped past
 * `unpaceAboveLearnedFactor` × it.
 */
function recover(state: PacerState, options: PacerOptions, now: number): PacerState {
  if (state.rate === undefined) return state;
  const from = Math.max(state.creditFrom, state.pausedUntil);
  if (now <= from) return state;
  if (!state.paceBound) return { ...state, creditFrom: now };
  const perSecond = Math.max(options.increasePerSecond, options.increaseShare * state.rate);
  const probed = state.rate + (perSecond * (now - from)) / 1000;
  const recovered =
    state.regainTo !== undefined && state.regainTo > state.rate
      ? Math.max(
          probed,
          state.regainTo - (state.regainTo - state.rate) * Math.exp(-(now - from) / options.regainMs),
        )
      : probed;
  const ceiling = options.ratePerSecond;
  if (ceiling !== undefined) return { ...state, creditFrom: now, rate: Math.min(recovered, ceiling) };
  if (state.learnedRate !== undefined && recovered > options.unpaceAboveLearnedFactor * state.learnedRate) {
    return {
      ...state,
      creditFrom: now,
      rate: undefined,
      learnedRate: undefined,
      regainTo: undefined,
      window: options.slowStartWindow,
    };
  }
  return { ...state, creditFrom: now, rate: recovered };
}

/**
 * A 429: pause until `now + Retry-After` (or `defaultPauseMs`), never shortening a longer pause; the
 * server's bucket is empty now, so re-synchronise the GCRA copy; once per episode, set the rate (see the
 * module comment). A 429 while the pacer held nothing back did not test the pace and only pauses. A 429
 * inside the hold window, or with nothing accepted since the episode began, is the same congestion signal as
 * the one that set the rate; one for a send made after an honoured pause, with nothing accepted since, is not
 * the token bucket's and only moves where the next episode measures from.
 * @param sentAfterPause every send granted before the latest 429 had been settled before this one
 */
function rateLimited(
  state: PacerState,
  options: PacerOptions,
  now: number,
  retryAfterMs: number | undefined,
  sentAfterPause: boolean,
): PacerState {
  const usable = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0;
  const until = now + (usable ? retryAfterMs : options.defaultPauseMs);
  const paused =
    until > state.pausedUntil
      ? {
          ...state,
          pausedUntil: until,
          pausedMs: state.pausedMs + until - Math.max(state.pausedUntil, now),
        }
      : state;
  // Every send still in flight left before this answer came back, so before the pause it announces.
  const counted = { ...paused, rateLimited: paused.rateLimited + 1, staleInFlight: paused.inFlight };

  const current = counted.rate;
  // Empty now means `burst` intervals of debt from now: what the pause refills may go at its end.
  const resync = (rate: number): number => Math.max(counted.tat, now + (options.burst * 1000) / rate);
  if (!counted.paceBound) {
    // Nothing was waiting for the pacer: what was sent was what callers asked for, below the pace (or the
    // window), so the refusal does not say the pace is too high — another client on the key, a proxy, or
    // a limit below demand. Pause only. If the limit is real, the pause queues callers, the next sends
    // wait for the pacer, and the next 429 is read as usual: a real limit is learned one refusal later.
    return {
      ...counted,
      lastRefusal: 'not-held-back',
      ...(current !== undefined ? { tat: resync(current) } : {}),
    };
  }
  const { episode } = counted;
  const nothingAccepted = episode !== undefined && counted.accepted === episode.accepted;
  if (current !== undefined && nothingAccepted && sentAfterPause) {
    // Not the token bucket: its Retry-After promised a token. The refusal says nothing about our rate;
    // measure the next episode from the end of this pause, as if the time lost to it had not been.
    return {
      ...counted,
      lastRefusal: 'not-the-bucket',
      episode: { at: counted.pausedUntil, accepted: counted.accepted },
      holdUntil: Math.max(counted.holdUntil, counted.pausedUntil),
      tat: resync(current),
    };
  }
  // A 429 with nothing accepted since the episode began belongs to that episode, however late it comes.
  if (current !== undefined && (now < counted.holdUntil || nothingAccepted)) {
    return { ...counted, lastRefusal: 'same-episode', tat: resync(current) };
  }
  const cut = decreasedRate(counted, options, now);
  return {
    ...counted,
    rate: cut.rate,
    lastRefusal: current === undefined ? 'learned' : 'new-episode',
    learnedRate: options.ratePerSecond === undefined ? cut.rate : undefined,
    regainTo: cut.regainTo,
    episode: { at: now, accepted: counted.accepted },
    holdUntil: Math.max(counted.pausedUntil, now + options.defaultPauseMs),
    tat: resync(cut.rate),
  };
}

/**
 * The rate a new congestion episode starts with, and the pace to regain quickly (see the module comment):
 * the pace the cut came from when the cut was the blind `decreaseFactor` one — the server was measured to
 * accept less than that, which a refusal from elsewhere or a lull in demand explains as well as a limit —
 * and none when the server was measured to accept about the pace it is cut to.
 */
function decreasedRate(
  state: PacerState,
  options: PacerOptions,
  now: number,
): { readonly rate: number; readonly regainTo: number | undefined } {
  const { decreaseFactor, minRatePerSecond } = options;
  if (state.rate === undefined) {
    const anchor = state.older ?? state.recent ?? { at: now, accepted: state.accepted };
    const answered = state.accepted - anchor.accepted + state.inFlight;
    const first = answered / (Math.max(MIN_OBSERVED_SPAN_MS, now - anchor.at) / 1000);
    return { rate: Math.max(minRatePerSecond, first), regainTo: undefined };
  }
  const measured =
    state.episode === undefined ? recentAcceptRate(state, now) : acceptRate(state, state.episode, now);
  const floor = decreaseFactor * state.rate;
  // Refused again at (about) the pace it had just regained: that pace was too high after all.
  const confirmed = state.regainTo !== undefined && state.rate >= REGAINED * state.regainTo;
  return {
    rate: Math.max(minRatePerSecond, Math.min(state.rate, Math.max(measured, floor))),
    regainTo: measured < floor && !confirmed ? state.rate : undefined,
  };
}

/**
 * Fills {@link DEFAULT_PACER} into `options` field by field (an explicit `undefined` keeps the default) and
 * checks every range.
 * @param label names the bucket in error messages
 * @throws RangeError naming the option and its value
 */
export function validatePacerOptions(options: Partial<PacerOptions>, label = 'pacer'): PacerOptions {
  const d = DEFAULT_PACER;
  const r: PacerOptions = {
    ratePerSecond: options.ratePerSecond ?? d.ratePerSecond,
    burst: options.burst ?? d.burst,
    burstHeadroom: options.burstHeadroom ?? d.burstHeadroom,
    slowStartWindow: options.slowStartWindow ?? d.slowStartWindow,
    decreaseFactor: options.decreaseFactor ?? d.decreaseFactor,
    increaseShare: options.increaseShare ?? d.increaseShare,
    increasePerSecond: options.increasePerSecond ?? d.increasePerSecond,
    minRatePerSecond: options.minRatePerSecond ?? d.minRatePerSecond,
    defaultPauseMs: options.defaultPauseMs ?? d.defaultPauseMs,
    observeWindowMs: options.observeWindowMs ?? d.observeWindowMs,
    unpaceAboveLearnedFactor: options.unpaceAboveLearnedFactor ?? d.unpaceAboveLearnedFactor,
    regainMs: options.regainMs ?? d.regainMs,
  };
  const fail = (name: keyof PacerOptions, rule: string, value: unknown): never => {
    throw new RangeError(`${label}: ${name} must be ${rule}, got ${String(value)}`);
  };
  if (!Number.isInteger(r.burst) || r.burst < 1) fail('burst', 'a whole number >= 1', r.burst);
  if (!(r.burstHeadroom >= 0 && r.burstHeadroom < 1)) fail('burstHeadroom', 'in [0, 1)', r.burstHeadroom);
  if (!Number.isInteger(r.slowStartWindow) || r.slowStartWindow < 1) {
    fail('slowStartWindow', 'a whole number >= 1', r.slowStartWindow);
  }
  if (!(r.decreaseFactor > 0 && r.decreaseFactor < 1)) fail('decreaseFactor', 'in (0, 1)', r.decreaseFactor);
  if (!Number.isFinite(r.increaseShare) || r.increaseShare < 0) {
    fail('increaseShare', 'a finite number >= 0', r.increaseShare);
  }
  if (!Number.isFinite(r.increasePerSecond) || r.increasePerSecond < 0) {
    fail('increasePerSecond', 'a finite number >= 0', r.increasePerSecond);
  }
  if (!Number.isFinite(r.minRatePerSecond) || r.minRatePerSecond <= 0) {
    fail('minRatePerSecond', 'a finite number > 0', r.minRatePerSecond);
  }
  if (
    r.ratePerSecond !== undefined &&
    !(Number.isFinite(r.ratePerSecond) && r.ratePerSecond >= r.minRatePerSecond)
  ) {
    fail('ratePerSecond', `a finite number >= minRatePerSecond (${r.minRatePerSecond})`, r.ratePerSecond);
  }
  if (!Number.isFinite(r.defaultPauseMs) || r.defaultPauseMs < 0) {
    fail('defaultPauseMs', 'a finite number >= 0', r.defaultPauseMs);
  }
  if (!Number.isFinite(r.observeWindowMs) || r.observeWindowMs <= 0) {
    fail('observeWindowMs', 'a finite number > 0', r.observeWindowMs);
  }
  if (!(r.unpaceAboveLearnedFactor > 1)) {
    fail('unpaceAboveLearnedFactor', '> 1 (Infinity keeps a learned pace)', r.unpaceAboveLearnedFactor);
  }
  if (!Number.isFinite(r.regainMs) || r.regainMs <= 0) fail('regainMs', 'a finite number > 0', r.regainMs);
  return Object.freeze(r);
}
