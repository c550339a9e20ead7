/**
 * How one bucket is paced: the pacer's options, their defaults and their ranges. Why each default is what it
 * is, with the measurements behind it: docs/pacing.md, "Options and defaults".
 */
import { optionRangeError, withDefaults, type Overrides } from './resolveOptions.js';

/** How one bucket is paced and paused. */
export interface PacerOptions {
  /** Configured pace in requests/second, also the ceiling for recovery; undefined = learned from 429s. */
  readonly ratePerSecond?: number | undefined;
  /** The server bucket's size, as far as it is known (configured); a whole number >= 1. */
  readonly burst: number;
  /** Share of `burst` kept unspent as insurance against jitter: `floor(burst × share)` tokens; in [0, 1). */
  readonly burstHeadroom: number;
  /** Sends in flight allowed while no rate is known, before any answer; a whole number >= 1. */
  readonly slowStartWindow: number;
  /** The deepest cut of the rate per congestion episode; 0 < f < 1. */
  readonly decreaseFactor: number;
  /** Increase of the rate per second of 429-free, held-back sending, as a share of the rate; >= 0. */
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
   * Time constant of the return to the pace a blind cut came from: each second of held-back sending closes
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

/**
 * Fills {@link DEFAULT_PACER} into `options` field by field (an explicit `undefined` keeps the default) and
 * checks every range.
 * @param label names the bucket in error messages
 * @throws RangeError naming the option and its value
 */
export function validatePacerOptions(options: Overrides<PacerOptions>, label = 'pacer'): PacerOptions {
  const r = withDefaults(DEFAULT_PACER, options);
  const fail = optionRangeError<PacerOptions>(`${label}:`);
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
