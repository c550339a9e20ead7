/**
 * What a 429 does to a bucket (docs/pacing.md, "A 429"): it pauses the bucket until Retry-After, says the
 * server's bucket is empty now — so the GCRA copy is re-synchronised — and, read as a test of the pace,
 * sets the rate once per congestion episode from the accept rate measured since the previous one, over the
 * time the pace held sends back (its pause counted as such). A 429 that did not test the pace, or that the
 * server's token bucket cannot have sent, only pauses (and its pause is not held-back time).
 */
import { heldBackAcceptRate, perSecondSince } from './pacerAcceptRate.js';
import type { PacerOptions } from './pacerOptions.js';
import type { HeldBack, PacerState, RefusalReading } from './pacerState.js';

/** Before the first episode a cut measures from the first send: nothing held back, nothing accepted. */
const NOTHING_HELD_BACK: HeldBack = Object.freeze({ ms: 0, accepted: 0, refused: 0 });

/** When the pause before a 429 ended, and how long after it the sends count as its backlog. */
interface PreviousPause {
  readonly until: number;
  readonly backlogMs: number;
}

/**
 * Refusals in a row in a pause's backlog that make an unpaced bucket learn ({@link inBacklogStreak}). Two
 * matched a burst of refusals from elsewhere too: the chaos soak's bursts refuse the key's next 20 calls
 * within 3 s, so a timer whose reads were accepted at the end of one pause met the same burst after the
 * next, and learned its read demand of that moment (24/s against a limit of 40). Three in a row need the
 * refusals to go on past three seconds.
 */
const IN_BACKLOG_STREAK = 3;

/**
 * How many default pauses after a pause's end a refusal counts as in its backlog: a queue process alone
 * with its callers a little above the limit was refused every 1.5–2.1 s, so 0.5–1.1 s after each 1-s pause.
 * However long, a burst of refusals that lasts 3 s cannot make three in a row: each needs a pause first.
 */
const PAUSE_BACKLOG_PAUSES = 2;

/** A pace within 5 % of the one it was regaining counts as regained. */
const REGAINED = 0.95;

/**
 * A 429 came back at `now`: pause, count it, read it ({@link readRefusal}) and act on that reading.
 * @param retryAfterMs its Retry-After (undefined, negative or not finite = not usable: `defaultPauseMs`)
 * @param sentAfterPause every send granted before the latest 429 had been settled before this one
 */
export function recordRefusal(
  state: PacerState,
  options: PacerOptions,
  now: number,
  retryAfterMs: number | undefined,
  sentAfterPause: boolean,
): PacerState {
  const paused = pauseFor(state, options, now, retryAfterMs);
  const { heldBack } = paused;
  const previousPause = {
    until: state.pause.until,
    backlogMs: PAUSE_BACKLOG_PAUSES * options.defaultPauseMs,
  };
  const counted: PacerState = {
    ...paused,
    refusals: {
      ...paused.refusals,
      count: paused.refusals.count + 1,
      inBacklogStreak: inBacklogStreak(paused, now, previousPause),
    },
    heldBack: paused.sending.latestHeldBack ? { ...heldBack, refused: heldBack.refused + 1 } : heldBack,
    // Every send still in flight left before this answer came back, so before the pause it announces.
    sending: { ...paused.sending, inFlightBeforeRefusal: paused.sending.inFlight },
  };
  const reading = readRefusal(counted, now, sentAfterPause);
  // Read against the accepts at the previous 429; from here on, against this one's.
  const marked: PacerState = {
    ...counted,
    refusals: { ...counted.refusals, acceptedAtLatest: counted.accepts.count },
  };
  // What this 429 added to the pause: held-back time when it tested the pace (the server refills meanwhile,
  // and the sends after the pause spend that), after the new episode's anchor so that the next cut counts it.
  const pausedMs = paused.pause.totalMs - state.pause.totalMs;
  switch (reading) {
    case 'not-held-back':
      return resynchronised(marked, options, now, reading);
    case 'same-episode':
      return resynchronised(withHeldBackPause(marked, pausedMs), options, now, reading);
    case 'not-the-bucket':
      return resynchronised(measuredFromPauseEnd(marked), options, now, reading);
    case 'learned':
    case 'new-episode':
      return resynchronised(
        withHeldBackPause(newEpisode(marked, options, now), pausedMs),
        options,
        now,
        reading,
      );
  }
}

/**
 * Counts `pausedMs` of a 429 that tested the pace as held-back time for the next cut's measurement: the
 * server refills its bucket during the pause and the sends after it spend that refill, so without it a real
 * limit would read as the pace.
 */
function withHeldBackPause(state: PacerState, pausedMs: number): PacerState {
  const { heldBack, recovery } = state;
  return {
    ...state,
    heldBack: { ...heldBack, ms: heldBack.ms + pausedMs },
    // ...but no probing: nothing was sent in it (pacerRecovery.ts).
    recovery: { ...recovery, heldBackMsCredited: recovery.heldBackMsCredited + pausedMs },
  };
}

/**
 * How a 429 reads, given the state it found (already paused and counted):
 * - nothing was waiting for the pacer: what was sent was what callers asked for, below the pace (or the
 *   window), so the refusal does not say the pace is too high — another client on the key, a proxy, or a
 *   limit below demand. If the limit is real, the pause queues callers, the next sends wait for the pacer,
 *   and the next 429 is read as usual: a real limit is learned one refusal later. Except for an unpaced
 *   process in a fleet: the other clients on the key are known (their sends are in the `FleetView`), and
 *   the fleet's is the rate to learn. Its callers are a share of the fleet's demand, so its window is
 *   rarely full when a 429 comes back; eight queue processes met 68 of 74 create 429s that way and most
 *   never learned a pace, sending unpaced to the end. Nor for an unpaced process refused soon after the
 *   previous pause's end the third time in a row ({@link inBacklogStreak});
 * - no rate yet: the first one is learned — unless, alone on the bucket, it was refused again right after an
 *   honoured pause ({@link refusedAgainAfterPause}): not the bucket's either;
 * - sent after an honoured pause with nothing accepted since the episode began: not the token bucket, whose
 *   rounded-up Retry-After promised a token;
 * - within the episode's minimum span, or with nothing accepted since it began (however late it comes): the
 *   same congestion signal as the one that set the rate;
 * - otherwise a new congestion episode.
 */
export function readRefusal(state: PacerState, now: number, sentAfterPause: boolean): RefusalReading {
  const unpaced = state.pace.rate === undefined;
  const demandAboveLimit = state.refusals.inBacklogStreak >= IN_BACKLOG_STREAK;
  const tested =
    state.sending.latestHeldBack || (unpaced && (state.fleet.othersPerSecond > 0 || demandAboveLimit));
  if (!tested) return 'not-held-back';
  if (unpaced) return refusedAgainAfterPause(state, sentAfterPause) ? 'not-the-bucket' : 'learned';
  const { measuredFrom, lastsAtLeastUntil } = state.episode;
  const nothingAccepted = measuredFrom !== undefined && state.accepts.count === measuredFrom.accepted;
  if (nothingAccepted && sentAfterPause) return 'not-the-bucket';
  if (now < lastsAtLeastUntil || nothingAccepted) return 'same-episode';
  return 'new-episode';
}

/**
 * A 429 in the backlog of the previous 429's pause — after its end and within `backlogMs` (two default
 * pauses) of it, with answers accepted since that 429 — extends the streak; one later than that resets it,
 * and one during the pause (a send from before it) leaves it. At {@link IN_BACKLOG_STREAK} in a row an
 * unpaced bucket reads the refusal as a test of the rate ({@link readRefusal}): the callers met the limit
 * again each time soon after being released, so their demand is above it, although no send waited for the
 * slow-start window. Without it a lone process whose callers ask a little more than the limit only paused
 * at every 429: a queue process alone on `submission_write` met 43 of them, one every 1.5–2 s, before one
 * happened to find a send held back (weakness 13, docs/pacing.md, "Only a tested pace is cut").
 */
function inBacklogStreak(state: PacerState, now: number, previousPause: PreviousPause): number {
  const { refusals, accepts } = state;
  const { until, backlogMs } = previousPause;
  if (now <= until) return refusals.inBacklogStreak;
  const inBacklog =
    now <= until + backlogMs && refusals.count > 0 && accepts.count > refusals.acceptedAtLatest;
  return inBacklog ? refusals.inBacklogStreak + 1 : 0;
}

/**
 * Unpaced and alone on the bucket, a 429 of a send that went after the previous 429's pause, with nothing
 * accepted since that 429: the token bucket's rounded-up Retry-After promised a token, so this refusal is
 * not the bucket's. A burst of refusals from elsewhere does this (the chaos soak's next-20-calls bursts
 * taught the timer a first read pace of 12/s, its demand then, against a limit of 40); a real limit accepts
 * some of the sends released at the pause's end, and the next 429 teaches the first rate as before. The
 * paced equivalent is in {@link readRefusal} (docs/pacing.md, "Not every 429 is the bucket's").
 */
function refusedAgainAfterPause(state: PacerState, sentAfterPause: boolean): boolean {
  const { refusals, accepts, fleet } = state;
  // In a fleet the others may have taken the promised token: there the fleet's rate is learned (above).
  if (fleet.othersPerSecond > 0) return false;
  const nothingAccepted = refusals.count > 1 && accepts.count === refusals.acceptedAtLatest;
  // The sends released with it at the pause's end belong to the same reading.
  return nothingAccepted && (sentAfterPause || refusals.latestReading === 'not-the-bucket');
}

/** Pauses until `now + Retry-After` (or `defaultPauseMs`), never shortening a longer pause. */
function pauseFor(
  state: PacerState,
  options: PacerOptions,
  now: number,
  retryAfterMs: number | undefined,
): PacerState {
  const usable = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0;
  const until = now + (usable ? retryAfterMs : options.defaultPauseMs);
  const { pause } = state;
  if (until <= pause.until) return state;
  return { ...state, pause: { until, totalMs: pause.totalMs + until - Math.max(pause.until, now) } };
}

/**
 * Notes how the 429 was read and, when paced, re-synchronises the GCRA copy with the server's bucket, empty
 * now: `burst` intervals of debt from now, so what the pause refills may go at its end.
 */
function resynchronised(
  state: PacerState,
  options: PacerOptions,
  now: number,
  reading: RefusalReading,
): PacerState {
  const { pace } = state;
  const refusals = { ...state.refusals, latestReading: reading };
  if (pace.rate === undefined) return { ...state, refusals };
  const theoreticalArrivalAt = Math.max(pace.theoreticalArrivalAt, now + (options.burst * 1000) / pace.rate);
  return { ...state, refusals, pace: { ...pace, theoreticalArrivalAt } };
}

/**
 * A refusal that says nothing about our rate: the next episode measures from the end of this pause, as if
 * the time lost to it had not been — lost seconds must not read as a lower accept rate. (The pause is not
 * held-back time, and the held-back time after it counts from its end.)
 */
function measuredFromPauseEnd(state: PacerState): PacerState {
  const { pause, accepts, episode, heldBack } = state;
  return {
    ...state,
    episode: {
      measuredFrom: { accepted: accepts.count, heldBack },
      lastsAtLeastUntil: Math.max(episode.lastsAtLeastUntil, pause.until),
    },
  };
}

/** A new congestion episode begins now, with the rate (and the pace to regain) of {@link decreasedRate}. */
function newEpisode(state: PacerState, options: PacerOptions, now: number): PacerState {
  const cut = decreasedRate(state, options, now);
  return {
    ...state,
    pace: {
      ...state.pace,
      rate: cut.rate,
      learnedRate: options.ratePerSecond === undefined ? cut.rate : undefined,
    },
    recovery: { ...state.recovery, regainTarget: cut.regainTarget },
    episode: {
      measuredFrom: { accepted: state.accepts.count, heldBack: state.heldBack },
      lastsAtLeastUntil: Math.max(state.pause.until, now + options.defaultPauseMs),
    },
  };
}

/**
 * Whether the server accepted (about, {@link REGAINED}) every held-back send answered since `from`: 429s
 * (this one included) at most 5 % of the held-back answers, a failed send counted as not refused
 * (`countNotRefused`, pacerAcceptRate.ts).
 */
function acceptedAll(state: PacerState, from: HeldBack): boolean {
  const accepted = state.heldBack.accepted - from.accepted;
  const refused = state.heldBack.refused - from.refused;
  return accepted >= REGAINED * (accepted + refused);
}

/**
 * The rate a new congestion episode starts with, and the pace to regain quickly:
 * - without a rate yet, the recent accept rate counting the sends still in flight as accepted (the first
 *   429 can overtake every 201); high rather than low, the cheap direction;
 * - with one, `min(rate, max(measured, decreaseFactor × rate))`, never below `minRatePerSecond`, where
 *   `measured` is the held-back accept rate since the episode's anchor ({@link heldBackAcceptRate}). The pace
 *   to regain is the one a cut of more than 5 % came from when the cut is a guess: the blind
 *   `decreaseFactor` one (the server was measured to accept even less, which a refusal from elsewhere
 *   explains as well as a limit), or one to a measured rate while every held-back send since the anchor was
 *   accepted ({@link acceptedAll}: then only the pause that opened the span, or the pace growing during it,
 *   made the reading lower than the pace — and a refusal from elsewhere costs a pause as much as a limit
 *   refills one). None when the held-back sends met refusals too: that is the server's own figure. None
 *   either when this refusal confirms a regained pace.
 */
function decreasedRate(
  state: PacerState,
  options: PacerOptions,
  now: number,
): { readonly rate: number; readonly regainTarget: number | undefined } {
  const { decreaseFactor, minRatePerSecond } = options;
  const { pace, accepts } = state;
  // In a fleet, this process's part of what the whole fleet got through (pacerState.ts, FleetView) — or
  // what it got through itself, whichever is higher: the others' figure is up to a heartbeat old, and high
  // is the cheap direction (as for the first rate below).
  const { share, othersPerSecond } = state.fleet;
  const part = (ownPerSecond: number): number =>
    Math.max(ownPerSecond, share * (ownPerSecond + othersPerSecond));
  if (pace.rate === undefined) {
    const anchor = accepts.older ?? accepts.recent ?? { at: now, accepted: accepts.count };
    const first = perSecondSince(accepts.count - anchor.accepted + state.sending.inFlight, anchor.at, now);
    // In a fleet, the part of the fleet's sum only: each process's own first reading holds the server's
    // initial burst and its sends in flight, so taking it whenever higher made every process of a fleet
    // starting together believe in its own burst (eight processes: 35–50/s for a 20/s key, 40 s of 429s to
    // come down). The others' figures are a second old then (the roster's first heartbeats); a process that
    // saw nobody keeps its own and re-reads it once it does (pacerShare.ts, `rereadFirstRate`).
    const learned = othersPerSecond > 0 ? share * (first + othersPerSecond) : first;
    return { rate: Math.max(minRatePerSecond, learned), regainTarget: undefined };
  }
  const from = state.episode.measuredFrom?.heldBack ?? NOTHING_HELD_BACK;
  const measured = part(heldBackAcceptRate(state, from));
  const floor = decreaseFactor * pace.rate;
  const rate = Math.max(minRatePerSecond, Math.min(pace.rate, Math.max(measured, floor)));
  // A guess, not the server's figure: measured below the floor, or every held-back send since `from` was
  // accepted (then only the pause that began the span, or the pace growing, made the reading lower).
  const guess = measured < floor || acceptedAll(state, from);
  // Refused again at (about) the pace it had just regained: that pace was too high after all.
  const { regainTarget } = state.recovery;
  const confirmed = regainTarget !== undefined && pace.rate >= REGAINED * regainTarget;
  return {
    rate,
    regainTarget: rate < REGAINED * pace.rate && guess && !confirmed ? pace.rate : undefined,
  };
}
