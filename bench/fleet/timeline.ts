/**
 * What the fleet benchmark reads off the times submissions were created (the emulator's
 * `creationsAnsweredAt`, epoch ms): the fleet's rolling create rate, how long after a SIGKILL it is back
 * near the limit, and the goodput of the main flow. Pure functions over sorted timestamps, for the unit
 * test (test/bench/fleetTimeline.test.ts).
 */

/** Creates per second over the window `(at − windowMs, at]`. `times` sorted ascending. */
export function rollingRate(times: readonly number[], at: number, windowMs: number): number {
  return (countAtOrBefore(times, at) - countAtOrBefore(times, at - windowMs)) / (windowMs / 1000);
}

/** How recovery after a kill is judged. */
export interface RecoveryOptions {
  readonly windowMs: number;
  /** Creates per second that count as "back" (e.g. 0.9 × R). */
  readonly threshold: number;
  /** Grid the rate is evaluated on. */
  readonly stepMs: number;
}

/**
 * Milliseconds from `killedAt` to the end of the first rolling window that lies wholly after the kill and
 * reaches `threshold` — so never less than one window: a window still holding creates from before the kill
 * says nothing about after it. Undefined when no such window ends by the last create (the backlog ran out
 * first, or the rate never came back).
 */
export function recoveryMs(
  times: readonly number[],
  killedAt: number,
  options: RecoveryOptions,
): number | undefined {
  const last = times.at(-1);
  if (last === undefined) return undefined;
  for (let at = killedAt + options.windowMs; at <= last; at += options.stepMs) {
    if (rollingRate(times, at, options.windowMs) >= options.threshold) return at - killedAt;
  }
  return undefined;
}

/** The main flow: the creates from the first one until the backlog is worked off. */
export interface MainFlow {
  readonly first: number;
  readonly last: number;
  /** Creates in `[first, last]`. */
  readonly count: number;
  /** Creates after it (re-driven once a dead process's claims lapsed), and when the last of them came. */
  readonly tail: number;
  readonly tailLast: number | undefined;
}

/** How the main flow's end is found. */
export interface MainFlowOptions {
  /** Files in the run. */
  readonly files: number;
  /** A pause in creates at least this long ends the main flow… */
  readonly quietMs: number;
  /** …once at least this share of the files has been created (an earlier stall stays inside it). */
  readonly minShare: number;
}

/**
 * Splits the creates into the main flow and the tail: the flow ends at the last create before the first
 * gap of at least `quietMs` that begins after `minShare × files` creates. A SIGKILLed process's claimed
 * files are re-driven only when their claims lapse (a lease of 2 × the invocation budget + 60 s), long
 * after the rest: counting that wait would measure the claim lease, not the pacing. A stall before
 * `minShare` is not a tail and stays in the flow, where it lowers goodput as it should.
 */
export function mainFlow(times: readonly number[], options: MainFlowOptions): MainFlow | undefined {
  const first = times[0];
  if (first === undefined) return undefined;
  const minCount = Math.ceil(options.minShare * options.files);
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] as number) - (times[i - 1] as number);
    if (i >= minCount && gap >= options.quietMs) {
      return {
        first,
        last: times[i - 1] as number,
        count: i,
        tail: times.length - i,
        tailLast: times.at(-1),
      };
    }
  }
  return { first, last: times.at(-1) as number, count: times.length, tail: 0, tailLast: undefined };
}

/**
 * Goodput ÷ R over `[first, last]`: creates beyond the bucket's initial burst per second, divided by R —
 * the definition bench/goodput.ts uses, since the burst is free to whoever comes first at t = 0.
 */
export function goodputShare(
  span: { readonly first: number; readonly last: number; readonly count: number },
  ratePerSecond: number,
  burst: number,
): number {
  const seconds = (span.last - span.first) / 1000;
  if (span.count <= burst || seconds <= 0) return 0;
  return (span.count - burst) / seconds / ratePerSecond;
}

/** How many of `times` (sorted ascending) are ≤ `at`: binary search. */
function countAtOrBefore(times: readonly number[], at: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
