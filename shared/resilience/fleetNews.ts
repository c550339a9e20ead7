/**
 * Fleet news (docs/pacing.md, "Fleet news"): the few facts about one API key that every process using it
 * should hear at once — a bucket paused by a 429's Retry-After, the breaker opened by an outage — so that a
 * pause one process was told about holds every process's sends, and an outage one process found makes the
 * others fail fast instead of each finding it separately.
 *
 * This is the port; where the news lives (a storage document) is an adapter's business. The gates and
 * breakers only read the adapter's in-memory copy, so news never puts a storage call on a send's path.
 * The rate itself is not shared here: each process still learns its own pace.
 */

/** What the fleet knows: absolute epoch-ms times, as the publishing process's clock read them. */
export interface FleetNewsState {
  /** Per bucket, the latest pause-until any process published. */
  readonly pauses: Readonly<Record<string, number>>;
  /** The latest breaker open-until any process published; 0 when none. */
  readonly breakerOpenUntil: number;
}

/**
 * The port gates and breakers talk to. Every method is synchronous and must never throw or block: the
 * adapter publishes and refreshes in the background and, when storage fails, carries on without the news.
 */
export interface FleetNews {
  /** This process paused `bucket` until `untilMs` after a 429; tell the fleet. */
  publishPause(bucket: string, untilMs: number): void;
  /** This process's breaker opened until `untilMs`; tell the fleet. */
  publishBreakerOpen(untilMs: number): void;
  /**
   * The pause-until other processes published for `bucket` (epoch ms; <= now when none), from memory.
   * Asking says this process is sending: the adapter refreshes its copy only while it is asked.
   */
  pauseUntil(bucket: string): number;
  /** The breaker open-until other processes published (epoch ms; <= now when none), from memory. */
  breakerOpenUntil(): number;
}

/** The empty news: nothing paused, nothing open. */
export const NO_FLEET_NEWS: FleetNewsState = Object.freeze({
  pauses: Object.freeze({}),
  breakerOpenUntil: 0,
});

/**
 * Merges two versions of the news: per bucket and for the breaker, the later time wins, so a newer
 * pause-until is never overwritten by an older one whichever process writes last. Times already past at
 * `now` are dropped, which keeps the document as small as the news that still matters; so are times the
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
  return { pauses, breakerOpenUntil: open };
}

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
