/**
 * What the pacer knows about one bucket, grouped by concern: the pace and its GCRA schedule, the sends in
 * flight, the pause, the accepted answers, the time the pace held sends back (what a cut measures the server
 * over), the congestion episode, recovery, and the refusals seen. Plain readonly data; the pacer's functions
 * return a new state and never change one.
 */
import type { PacerOptions } from './pacerOptions.js';

/** Everything the pacer knows about one bucket. */
export interface PacerState {
  readonly pace: Pace;
  readonly sending: Sending;
  readonly pause: Pause;
  readonly accepts: Accepts;
  readonly heldBack: HeldBack;
  readonly episode: Episode;
  readonly recovery: Recovery;
  readonly refusals: Refusals;
  readonly fleet: FleetView;
}

/** The pace sends are spaced by, and the GCRA schedule that spaces them (the copy of the server's bucket). */
export interface Pace {
  /** Requests/second; undefined while none is known (slow start). */
  readonly rate: number | undefined;
  /** The rate set by the last decrease while none is configured: the reference for dropping pacing. */
  readonly learnedRate: number | undefined;
  /**
   * GCRA's theoretical arrival time: when the next send would be due at exactly `rate`. The further it lies
   * in the past, the fuller the copy of the server's bucket (one token per `1/rate` of lead).
   */
  readonly theoreticalArrivalAt: number;
}

/** The sends granted and not yet settled, and what bounds them while no rate is known. */
export interface Sending {
  /** Sends granted and not yet settled. */
  readonly inFlight: number;
  /** Of those, the ones granted before the latest 429 came back (none was granted during its pause). */
  readonly inFlightBeforeRefusal: number;
  /** Sends allowed in flight while unpaced (the slow-start window). */
  readonly window: number;
  /** Whether the latest send was held back: it had to wait for the pace, the window or a pause. */
  readonly latestHeldBack: boolean;
  /** Sends granted, ever. */
  readonly granted: number;
  /** When the latest send was granted (epoch ms); -Infinity before the first. */
  readonly latestAt: number;
}

/** The pause the latest Retry-After asked for. */
export interface Pause {
  /** Epoch ms until which nothing may be sent. */
  readonly until: number;
  /** Total milliseconds paused; overlapping pauses count once. */
  readonly totalMs: number;
}

/** A count of accepted answers at a moment, to measure the accept rate since then. */
export interface Anchor {
  readonly at: number;
  readonly accepted: number;
}

/** The answers that took a server token, and the anchors the recent accept rate is measured from. */
export interface Accepts {
  /** Answers that took a server token (everything but a 429 and no answer), ever. */
  readonly count: number;
  /** The newest anchor, set at the first accepted answer and moved every `observeWindowMs`... */
  readonly recent: Anchor | undefined;
  /** ...and the one before it, so the recent rate always spans one to two windows. */
  readonly older: Anchor | undefined;
}

/**
 * The time in which the pace held sends back, and the accepted answers that belong to it, both counted ever:
 * what a cut measures the server's rate over (docs/pacing.md, "A 429"). A lull in demand
 * (nobody waiting) and the pause of a 429 that did not test the pace are not in it: neither says anything
 * about the server's rate, and counting them read as a lower limit (weakness 12).
 */
export interface HeldBack {
  /**
   * Milliseconds in which sends waited for the pace (at most one interval per send: longer, they waited for
   * something else), plus the pauses of 429s that tested the pace (the server refills then, and the sends
   * after the pause spend that refill).
   */
  readonly ms: number;
  /**
   * Answers other than 429 that came back while the latest send was held back: accepted ones, and sends that
   * failed (5xx, network error) or were never sent. A failed send is not a refusal — the server's limiter let
   * it through or never saw it — and its slot of the pace was spent all the same: left out, the soak's 10 % of
   * 5xx read as a server accepting 0.9 × the pace, and every burst of refusals from elsewhere cut that much.
   */
  readonly accepted: number;
  /** 429s that came back while the latest send was held back. */
  readonly refused: number;
}

/** Where the next cut measures from: the counts at the start of the current episode (or a later point). */
export interface EpisodeAnchor {
  /** `accepts.count` there: nothing accepted since means the same count now. */
  readonly accepted: number;
  /** `heldBack` there: the measured accept rate is the held-back answers per held-back second since. */
  readonly heldBack: HeldBack;
}

/** The congestion episode that set the current rate: the 429s that belong to it cut nothing more. */
export interface Episode {
  /**
   * Where the next decrease measures the accept rate from: where the current episode began, or the end of a
   * later pause for a 429 that was not the bucket's; undefined before the first episode.
   */
  readonly measuredFrom: EpisodeAnchor | undefined;
  /** A 429 before this time belongs to the current episode, whatever was accepted meanwhile. */
  readonly lastsAtLeastUntil: number;
}

/** How far the rate has recovered since the latest cut, and where to. */
export interface Recovery {
  /** Recovery has been credited (or deliberately not) for the time up to here. */
  readonly creditedUntil: number;
  /**
   * `heldBack.ms` when recovery was last credited: the probe credits only the held-back time since, so a
   * pace that holds a send back now and then (bunched callers far below it) is barely probed.
   */
  readonly heldBackMsCredited: number;
  /**
   * The pace the latest guessed cut came from (a blind one, or one every held-back send was accepted through):
   * recovery returns to it quickly (then probes slowly above it).
   */
  readonly regainTarget: number | undefined;
}

/**
 * Where this process stands in a fleet sharing the key (docs/pacing.md, "Fleet pacing"): its share of the
 * fleet's rate, and what the other processes with work on the bucket send per second. A rate set from a
 * measurement is this share of what the whole fleet was measured to get through — this process's accepts
 * plus the others' sends — not of this process's accepts alone, which are its part only when every
 * process sends its share (in slow start they do not). Alone: share 1, others 0.
 */
export interface FleetView {
  readonly share: number;
  readonly othersPerSecond: number;
}

/** The 429s seen. */
export interface Refusals {
  readonly count: number;
  /** How the latest one was read; undefined before the first. */
  readonly latestReading: RefusalReading | undefined;
  /** The accepted answers counted (`accepts.count`) when the latest one came back; 0 before the first. */
  readonly acceptedAtLatest: number;
  /**
   * 429s in a row, each after the end of the previous one's pause and within a pause's length of it, with
   * answers accepted in between (pacerRefusal.ts, `refusedInPauseBacklog`); one after that window resets it.
   */
  readonly inBacklogStreak: number;
}

/**
 * How a 429 was read (docs/pacing.md, "A 429"):
 * - `learned`: the first rate, from no pace at all;
 * - `new-episode`: a new congestion episode set the rate (lowered, or kept where the measured accept rate
 *   was at least the pace);
 * - `same-episode`: part of the episode that set the current rate; it only paused;
 * - `not-the-bucket`: sent after an honoured Retry-After with nothing accepted since; it only paused;
 * - `not-held-back`: the pacer was holding no send back, so its pace (or window) was not what the server
 *   refused; it only paused.
 */
export type RefusalReading = 'learned' | 'new-episode' | 'same-episode' | 'not-the-bucket' | 'not-held-back';

/** A bucket nobody has used yet, at `now`. */
export function initialPacerState(options: PacerOptions, now: number): PacerState {
  return {
    pace: {
      rate: options.ratePerSecond,
      learnedRate: undefined,
      theoreticalArrivalAt: Number.NEGATIVE_INFINITY,
    },
    sending: {
      inFlight: 0,
      inFlightBeforeRefusal: 0,
      window: options.slowStartWindow,
      latestHeldBack: false,
      granted: 0,
      latestAt: Number.NEGATIVE_INFINITY,
    },
    pause: { until: 0, totalMs: 0 },
    accepts: { count: 0, recent: undefined, older: undefined },
    heldBack: { ms: 0, accepted: 0, refused: 0 },
    episode: { measuredFrom: undefined, lastsAtLeastUntil: Number.NEGATIVE_INFINITY },
    recovery: { creditedUntil: now, heldBackMsCredited: 0, regainTarget: undefined },
    refusals: { count: 0, latestReading: undefined, acceptedAtLatest: 0, inBacklogStreak: 0 },
    fleet: { share: 1, othersPerSecond: 0 },
  };
}
