/**
 * Circuit breaker for one API host (docs/design.md, decision 7): counts only server faults and network
 * failures, opens per instance, admits one probe at a time, and fails fast.
 *
 * - **Trips** on `consecutiveFailures` in a row (works at the low per-instance volumes a serverless function
 *   sees) or on a failure ratio over a rolling window once `minimumThroughput` calls were seen (so 2
 *   failures out of 3 calls do not open it).
 * - **Half-open** admits exactly one probe; everyone else fails fast with `retryAt` rather than waiting for
 *   the verdict, because a parked serverless execution burns its deadline (cockatiel waits; Polly, opossum
 *   and Akka fail fast). A probe that never reports cannot wedge the breaker: admitting it re-arms the
 *   breaker so another probe is admitted `openMs` later (Polly's `_blockedUntil`).
 * - **Break duration** doubles on each consecutive re-open (probe failed) up to `maxOpenMs`, and resets
 *   when a probe gets an answer.
 * - **Neutral** outcomes (4xx, 429) are answers from a working server: for the breaker they are as healthy
 *   as a 2xx (they reset the consecutive count and count as non-failures in the ratio, as Polly and opossum
 *   treat unhandled outcomes), so they can never trip it, and a neutral probe closes it.
 *
 * Outcomes reported with `probe: true` act as a probe's verdict only while the breaker is half-open; a late
 * verdict from a superseded probe is treated like any other call's outcome. Outcomes of ordinary calls that
 * were admitted before the breaker opened are ignored while it is open or half-open: they describe the host
 * as it was before the trip.
 *
 * With fleet news (./fleetNews.ts) an opening is published for the other processes using the same API key,
 * and an open-until they published that lies ahead opens this breaker until then (without lengthening its
 * own break duration): it fails fast, and after that time admits one probe as after a break of its own.
 */
import type { Clock } from '../clock.js';
import { believeFleetTime, FLEET_BREAKER_MAX_AHEAD_MS, type FleetNews } from './fleetNews.js';
import { optionRangeError, withDefaults } from './resolveOptions.js';

/** When a breaker trips and how long it stays open. */
export interface BreakerOptions {
  /** Trip after this many failures in a row; a whole number >= 1. */
  readonly consecutiveFailures: number;
  /** Or trip when failures / calls over the window reach this share; in (0, 1]. */
  readonly failureRatio: number;
  /** Calls in the window before the ratio applies; a whole number >= 1. */
  readonly minimumThroughput: number;
  /** Length of the rolling window for the ratio, in ms. */
  readonly windowMs: number;
  /** Duration of the first break, in ms. */
  readonly openMs: number;
  /** The break duration doubles on each consecutive re-open up to this, in ms; >= openMs. */
  readonly maxOpenMs: number;
}

/** Defaults for every host's breaker. */
export const DEFAULT_BREAKER: BreakerOptions = Object.freeze({
  /** Five in a row: at low volume the ratio never reaches its minimum throughput, this still trips. */
  consecutiveFailures: 5,
  /** Half the calls failing is an outage, not a blip (opossum's default). */
  failureRatio: 0.5,
  /** Ten calls before the ratio counts, so one unlucky pair of calls does not open the breaker. */
  minimumThroughput: 10,
  /** Thirty seconds of history (Polly's `SamplingDuration`). */
  windowMs: 30_000,
  /** Five seconds for the first break (Polly's `BreakDuration`). */
  openMs: 5_000,
  /** A minute at most: long enough to shed load in an outage, short enough to notice recovery. */
  maxOpenMs: 60_000,
});

/** The observable state of a breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Permission to call: a probe when the breaker is testing the host; otherwise fail fast until `retryAt`. */
export type Permit =
  { readonly ok: true; readonly probe: boolean } | { readonly ok: false; readonly retryAt: number };

/** Each state carries only its own fields. */
type Inner =
  | { readonly name: 'closed' }
  | { readonly name: 'open'; readonly openUntil: number }
  | { readonly name: 'half-open'; readonly rearmAt: number };

/** The rolling window is kept as this many time slots, so memory is fixed whatever the call rate. */
const WINDOW_SLOTS = 10;

/** The breaker of one API host. */
export class CircuitBreaker {
  readonly #options: BreakerOptions;
  readonly #clock: Clock;
  readonly #window: HealthWindow;
  readonly #fleet: FleetNews | undefined;
  #state: Inner = { name: 'closed' };
  #consecutive = 0;
  #breakMs: number;

  /**
   * @param options overrides of {@link DEFAULT_BREAKER}
   * @param fleet where openings are shared with the other processes using the same API key
   * @throws RangeError when an option is out of range (see {@link validateBreakerOptions})
   */
  constructor(options: Partial<BreakerOptions>, clock: Clock, fleet?: FleetNews) {
    this.#options = validateBreakerOptions(options);
    this.#clock = clock;
    this.#fleet = fleet;
    this.#window = new HealthWindow(this.#options.windowMs);
    this.#breakMs = this.#options.openMs;
  }

  /**
   * Closed → ok. Open before its break ends → fail fast with `retryAt`. Open after it → exactly one caller
   * gets `{ ok: true, probe: true }` and the breaker is half-open; every other caller fails fast until the
   * probe reports, or until `openMs` has passed without a verdict, when another probe is admitted.
   */
  tryAcquire(): Permit {
    const now = this.#clock.now();
    this.#hearFleet(now);
    const state = this.#state;
    switch (state.name) {
      case 'closed':
        return { ok: true, probe: false };
      case 'open':
        return now < state.openUntil ? { ok: false, retryAt: state.openUntil } : this.#admitProbe(now);
      case 'half-open':
        return now < state.rearmAt ? { ok: false, retryAt: state.rearmAt } : this.#admitProbe(now);
    }
  }

  /** The call succeeded. A probe's success closes the breaker and resets the break duration. */
  recordSuccess(probe: boolean): void {
    this.#recordAnswer(probe);
  }

  /**
   * The call failed with a server fault or a network failure (callers report only those here). A probe's
   * failure re-opens the breaker for twice the previous break, up to `maxOpenMs`.
   */
  recordFailure(probe: boolean): void {
    const now = this.#clock.now();
    if (probe && this.#state.name === 'half-open') {
      this.#breakMs = Math.min(this.#options.maxOpenMs, this.#breakMs * 2);
      this.#open(now);
      return;
    }
    if (this.#state.name !== 'closed') return;
    this.#consecutive += 1;
    this.#window.record(now, true);
    const { calls, failures } = this.#window.totals(now);
    const ratioTrips =
      calls >= this.#options.minimumThroughput && failures / calls >= this.#options.failureRatio;
    // A trip from closed uses openMs: #breakMs is reset whenever the breaker closes.
    if (this.#consecutive >= this.#options.consecutiveFailures || ratioTrips) this.#open(now);
  }

  /**
   * The server answered with a 4xx or 429: not a fault, so it never trips the breaker; it counts as a
   * healthy answer, and a neutral probe closes the breaker.
   */
  recordNeutral(probe: boolean): void {
    this.#recordAnswer(probe);
  }

  /** `open` until a caller is admitted as the probe after the break, then `half-open` until its verdict. */
  get state(): BreakerState {
    return this.#state.name;
  }

  #recordAnswer(probe: boolean): void {
    if (probe && this.#state.name === 'half-open') {
      this.#close();
      return;
    }
    if (this.#state.name !== 'closed') return;
    this.#consecutive = 0;
    this.#window.record(this.#clock.now(), false);
  }

  /**
   * An open-until another process published that lies ahead: a closed breaker opens until then, an open
   * one stays open at least that long. A half-open one keeps waiting for its probe's verdict.
   */
  #hearFleet(now: number): void {
    if (this.#fleet === undefined) return;
    const until = believeFleetTime(this.#fleet.breakerOpenUntil(), now, FLEET_BREAKER_MAX_AHEAD_MS);
    if (until <= now) return;
    const state = this.#state;
    if (state.name === 'closed') {
      this.#state = { name: 'open', openUntil: until };
      this.#consecutive = 0;
      this.#window.reset();
    } else if (state.name === 'open' && until > state.openUntil) {
      this.#state = { name: 'open', openUntil: until };
    }
  }

  #admitProbe(now: number): Permit {
    this.#state = { name: 'half-open', rearmAt: now + this.#options.openMs };
    return { ok: true, probe: true };
  }

  #open(now: number): void {
    const openUntil = now + this.#breakMs;
    this.#state = { name: 'open', openUntil };
    this.#consecutive = 0;
    this.#window.reset();
    this.#fleet?.publishBreakerOpen(openUntil);
  }

  #close(): void {
    this.#state = { name: 'closed' };
    this.#breakMs = this.#options.openMs;
    this.#consecutive = 0;
    // Failures from before the break describe the outage that is over; keeping them would re-trip at once.
    this.#window.reset();
  }
}

/**
 * One {@link CircuitBreaker} per API host, created on first use with the same options. Host names are
 * case-insensitive, so they are keyed in lower case.
 */
export class CircuitBreakers {
  readonly #options: BreakerOptions;
  readonly #clock: Clock;
  readonly #fleet: FleetNews | undefined;
  readonly #breakers = new Map<string, CircuitBreaker>();

  /**
   * @param options overrides of {@link DEFAULT_BREAKER}, validated now so a bad setting fails start-up
   * @param fleet where openings are shared with the other processes using the same API key (one API host
   *   per key, so the news names no host)
   * @throws RangeError when an option is out of range
   */
  constructor(options: Partial<BreakerOptions>, clock: Clock, fleet?: FleetNews) {
    this.#options = validateBreakerOptions(options);
    this.#clock = clock;
    this.#fleet = fleet;
  }

  /** The breaker for `host` (e.g. `api.mediamagic.example`), created on first use. */
  forHost(host: string): CircuitBreaker {
    const key = host.toLowerCase();
    let breaker = this.#breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#options, this.#clock, this.#fleet);
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }
}

/**
 * Fills {@link DEFAULT_BREAKER} into `options` field by field (an explicit `undefined` keeps the default) and
 * checks every range.
 * @throws RangeError naming the option and its value
 */
export function validateBreakerOptions(options: Partial<BreakerOptions>): BreakerOptions {
  const r = withDefaults(DEFAULT_BREAKER, options);
  const fail = optionRangeError<BreakerOptions>('circuit breaker');
  if (!Number.isInteger(r.consecutiveFailures) || r.consecutiveFailures < 1) {
    fail('consecutiveFailures', 'a whole number >= 1', r.consecutiveFailures);
  }
  if (!(r.failureRatio > 0 && r.failureRatio <= 1)) fail('failureRatio', 'in (0, 1]', r.failureRatio);
  if (!Number.isInteger(r.minimumThroughput) || r.minimumThroughput < 1) {
    fail('minimumThroughput', 'a whole number >= 1', r.minimumThroughput);
  }
  if (!Number.isFinite(r.windowMs) || r.windowMs <= 0) fail('windowMs', 'a finite number > 0', r.windowMs);
  if (!Number.isFinite(r.openMs) || r.openMs <= 0) fail('openMs', 'a finite number > 0', r.openMs);
  if (!Number.isFinite(r.maxOpenMs) || r.maxOpenMs < r.openMs) {
    fail('maxOpenMs', `a finite number >= openMs (${r.openMs})`, r.maxOpenMs);
  }
  return Object.freeze(r);
}

/** Calls and failures in a rolling window, kept as {@link WINDOW_SLOTS} time slots. */
class HealthWindow {
  readonly #slotMs: number;
  readonly #slots: { index: number; calls: number; failures: number }[];

  constructor(windowMs: number) {
    this.#slotMs = windowMs / WINDOW_SLOTS;
    this.#slots = Array.from({ length: WINDOW_SLOTS }, () => ({
      index: Number.NEGATIVE_INFINITY,
      calls: 0,
      failures: 0,
    }));
  }

  record(now: number, failed: boolean): void {
    const index = Math.floor(now / this.#slotMs);
    const slot = this.#slots[((index % WINDOW_SLOTS) + WINDOW_SLOTS) % WINDOW_SLOTS];
    if (slot === undefined) return;
    if (slot.index !== index) {
      slot.index = index;
      slot.calls = 0;
      slot.failures = 0;
    }
    slot.calls += 1;
    if (failed) slot.failures += 1;
  }

  /** Sums the slots that overlap the last `windowMs` (the oldest slot may reach up to one slot further back). */
  totals(now: number): { calls: number; failures: number } {
    const current = Math.floor(now / this.#slotMs);
    let calls = 0;
    let failures = 0;
    for (const slot of this.#slots) {
      const age = current - slot.index;
      if (age >= 0 && age < WINDOW_SLOTS) {
        calls += slot.calls;
        failures += slot.failures;
      }
    }
    return { calls, failures };
  }

  reset(): void {
    for (const slot of this.#slots) {
      slot.index = Number.NEGATIVE_INFINITY;
      slot.calls = 0;
      slot.failures = 0;
    }
  }
}
