/**
 * Fleet news (docs/pacing.md, "Fleet news"): the few facts about one API key that every process using it
 * should hear at once — a bucket paused by a 429's Retry-After, the breaker opened by an outage — so that a
 * pause one process was told about holds every process's sends, and an outage one process found makes the
 * others fail fast instead of each finding it separately.
 *
 * This is the port; where the news lives (a storage document) is an adapter's business. The gates and
 * breakers only read the adapter's in-memory copy, so news never puts a storage call on a send's path.
 * With fleet pacing on, a 429 that cut a bucket's fleet rate is news too (a {@link FleetCut}), published
 * with its pause: every process applies it, so the fleet has one rate rather than one probe per process.
 */

/**
 * A cut of one bucket's **fleet** rate (docs/pacing.md, "Fleet pacing"): what the process that read a 429
 * as a new congestion episode set the fleet's rate to — measured, the server's own figure, never a guess —
 * for every process on the bucket to apply.
 */
export interface FleetCut {
  /** When it was made (epoch ms, the cutting process's clock): its identity, and how the latest is told. */
  readonly at: number;
  /** The fleet rate after the cut, requests/second. */
  readonly rate: number;
}

/** What the fleet knows: absolute epoch-ms times, as the publishing process's clock read them. */
export interface FleetNewsState {
  /** Per bucket, the latest pause-until any process published. */
  readonly pauses: Readonly<Record<string, number>>;
  /** The latest breaker open-until any process published; 0 when none. */
  readonly breakerOpenUntil: number;
  /** Per bucket, the latest fleet-rate cut any process published (kept {@link FLEET_CUT_KEEP_MS}). */
  readonly cuts: Readonly<Record<string, FleetCut>>;
}

/**
 * The port gates and breakers talk to. Every method is synchronous and must never throw or block: the
 * adapter publishes and refreshes in the background and, when storage fails, carries on without the news.
 */
export interface FleetNews {
  /**
   * This process paused `bucket` until `untilMs` after a 429, and perhaps cut the bucket's fleet rate; tell
   * the fleet (one publication for both).
   */
  publishPause(bucket: string, untilMs: number, cut?: FleetCut): void;
  /** This process's breaker opened until `untilMs`; tell the fleet. */
  publishBreakerOpen(untilMs: number): void;
  /**
   * The pause-until other processes published for `bucket` (epoch ms; <= now when none), from memory.
   * Asking says this process is sending: the adapter refreshes its copy only while it is asked.
   */
  pauseUntil(bucket: string): number;
  /** The breaker open-until other processes published (epoch ms; <= now when none), from memory. */
  breakerOpenUntil(): number;
  /** The latest fleet-rate cut published for `bucket` (this process's own included), from memory. */
  latestCut(bucket: string): FleetCut | undefined;
}

/** The empty news: nothing paused, nothing open. */
export const NO_FLEET_NEWS: FleetNewsState = Object.freeze({
  pauses: Object.freeze({}),
  breakerOpenUntil: 0,
  cuts: Object.freeze({}),
});

/**
 * Merges two versions of the news: per bucket and for the breaker, the later time wins, so a newer
 * pause-until (or cut) is never overwritten by an older one whichever process writes last. Times already
 * past at `now` are dropped — cuts once older than {@link FLEET_CUT_KEEP_MS} — which keeps the document as
 * small as the news that still matters; so are times the
 * clock-skew rule ({@link believeFleetTime}) would not believe, so that one process with a clock far ahead
 * cannot keep a time in the document that outranks every true one.
 */
export function mergeFleetNews(a: FleetNewsState, b: FleetNewsState, now: number): FleetNewsState {
  const pauses: Record<string, number> = {};
  for (const source of [a.pauses, b.pauses]) {
    for (const [bucket, until] of Object.entries(source)) {
      if (!current(until, now, FLEET_PAUSE_MAX_AHEAD_MS)) continue;
      if (until > (pauses[bucket] ?? 0)) pauses[bucket] = until;
    }
  }
  let open = 0;
  for (const until of [a.breakerOpenUntil, b.breakerOpenUntil]) {
    if (current(until, now, FLEET_BREAKER_MAX_AHEAD_MS) && until > open) open = until;
  }
  const cuts: Record<string, FleetCut> = {};
  for (const source of [a.cuts, b.cuts]) {
    for (const [bucket, cut] of Object.entries(source)) {
      if (!currentCut(cut, now)) continue;
      if (cut.at > (cuts[bucket]?.at ?? Number.NEGATIVE_INFINITY)) cuts[bucket] = cut;
    }
  }
  return { pauses, breakerOpenUntil: open, cuts };
}

/** Whether a cut still counts at `now`: made within {@link FLEET_CUT_KEEP_MS}, and not from a clock far ahead. */
export function currentCut(cut: FleetCut, now: number): boolean {
  return (
    cut.at > now - FLEET_CUT_KEEP_MS && believeFleetTime(cut.at, now, FLEET_PAUSE_MAX_AHEAD_MS) === cut.at
  );
}

/**
 * How long a published cut is kept and applied: a process hears news within about a refresh (2 s) plus a
 * read, so 15 s reaches every sending process; a cut much older than that has been recovered from by the
 * processes that applied it, and must not pull a newcomer below where the fleet is now.
 */
export const FLEET_CUT_KEEP_MS = 15_000;

function current(until: number, now: number, maxAheadMs: number): boolean {
  return until > now && believeFleetTime(until, now, maxAheadMs) === until;
}

/**
 * How far ahead of this process's clock a published pause is believed. Retry-After is never capped for
 * the process that received it (docs/pacing.md), but a pause heard from another process's clock is: a
 * clock that is wrong by hours must not stop the fleet for hours. Ten minutes is longer than any
 * Retry-After MediaMagic has been seen to send.
 */
export const FLEET_PAUSE_MAX_AHEAD_MS = 10 * 60_000;

/** How far ahead a published breaker open-until is believed: the longest break (60 s) plus skew. */
export const FLEET_BREAKER_MAX_AHEAD_MS = 2 * 60_000;

/**
 * The clock-skew rule: a time heard from another process is used as is when it lies at most `maxAheadMs`
 * ahead of `now`, and ignored (0: no news) when it lies further ahead — clamping it to `now + max` would
 * hold the fleet for as long as the document keeps it. A skew of s seconds thus moves the end of a shared
 * pause by s: later (the fleet waits s longer) or earlier (a process sends s early, gets its own 429 and
 * honours its own Retry-After, as without fleet news).
 */
export function believeFleetTime(untilMs: number, now: number, maxAheadMs: number): number {
  return untilMs - now > maxAheadMs ? 0 : untilMs;
}
