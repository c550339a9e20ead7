/**
 * The time-driven processing state machine. Each asset runs `submitted → processing → complete | failed`
 * on the injected clock; a retry starts a new run straight in `processing`. Transitions are applied by
 * {@link Processor.tick}, which the server calls before every request (so reads are never stale) and a
 * single unref'd timer calls at the next due transition (so webhooks fire without anyone polling).
 */
import type { Clock } from '../shared/clock.js';
import type { AssetFailure, AssetRecord, AssetRun } from './model.js';
import { outcomeFor, type RunOutcome } from './scripts.js';

/** How long processing takes. Defaults are short so tests run fast. */
export interface ProcessingTimings {
  /** From create to `processing`. Default 50 ms. */
  readonly startDelayMs: number;
  /** From `processing` to the terminal state. Default 150 ms. */
  readonly durationMs: number;
  /** The duration of a `.mmslow.` asset. Default 2000 ms. */
  readonly slowMs: number;
}

/** Default timings: complete ~200 ms after create. */
export const DEFAULT_TIMINGS: ProcessingTimings = { startDelayMs: 50, durationMs: 150, slowMs: 2000 };

/** The failures the scripted outcomes produce. `errorType` values are a documented gap. */
export const FAILURES: Readonly<Record<Exclude<RunOutcome, 'complete'>, AssetFailure>> = {
  retryable: {
    type: 'TransientProcessingError',
    message: 'Analysis timed out in a sidekick; the asset can be retried (simulated)',
    retryable: true,
  },
  fatal: {
    type: 'UnprocessableMediaError',
    message: 'The media could not be decoded; retrying will not help (simulated)',
    retryable: false,
  },
};

/** Why a retry is refused (each is a 409 with its own `detail`). */
export type RetryRefusal = 'in-progress' | 'not-failed' | 'not-retryable' | 'max-attempts';

/** Called once per terminal transition, in the order the transitions happened. */
export type TerminalListener = (asset: AssetRecord) => void;

/** Owns every asset's run and moves it along. */
export class Processor {
  private readonly active = new Set<AssetRecord>();
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private stopped = false;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private timings: ProcessingTimings,
    readonly maxRetryAttempts: number,
    private readonly onTerminal: TerminalListener,
  ) {}

  /** Starts the initial run of a new asset. `extraDelayMs` is the sandbox `simulationDelaySeconds`. */
  start(asset: AssetRecord, extraDelayMs: number): void {
    const now = this.clock.now();
    const processingAt = now + this.timings.startDelayMs;
    this.begin(asset, {
      attempt: 0,
      processingAt,
      finishAt: processingAt + this.durationOf(asset) + extraDelayMs,
      outcome: outcomeFor(asset.script, 0),
    });
    asset.status = 'submitted';
  }

  /** Why `asset` cannot be retried now, or undefined when it can. Checked in the order the 409s are documented. */
  retryRefusal(asset: AssetRecord): RetryRefusal | undefined {
    if (asset.run && asset.retryCount > 0) return 'in-progress';
    if (asset.status !== 'failed') return 'not-failed';
    if (!asset.failure?.retryable) return 'not-retryable';
    if (asset.retryCount >= this.maxRetryAttempts) return 'max-attempts';
    return undefined;
  }

  /** The per-asset `isRetryable`: a retry would be accepted right now. */
  isRetryable(asset: AssetRecord): boolean {
    return this.retryRefusal(asset) === undefined;
  }

  /** Starts a retry run; the caller has checked {@link retryRefusal}. The asset is `processing` at once. */
  retry(asset: AssetRecord): void {
    const now = this.clock.now();
    asset.retryCount += 1;
    asset.failure = null;
    asset.completedAt = null;
    this.begin(asset, {
      attempt: asset.retryCount,
      processingAt: now,
      finishAt: now + this.durationOf(asset),
      outcome: outcomeFor(asset.script, asset.retryCount),
    });
    asset.status = 'processing';
  }

  /** Applies every transition that is due, firing terminal listeners in time order. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const due: AssetRecord[] = [];
    for (const asset of this.active) {
      const run = asset.run;
      if (!run) continue;
      if (asset.status === 'submitted' && now >= run.processingAt) asset.status = 'processing';
      if (!this.held && now >= run.finishAt) due.push(asset);
    }
    due.sort((a, b) => (a.run?.finishAt ?? 0) - (b.run?.finishAt ?? 0));
    for (const asset of due) this.finish(asset, now);
    this.arm();
  }

  /** Stops assets from reaching a terminal state (they stay `processing`) until {@link release}. */
  hold(): void {
    this.held = true;
  }

  /** Lets held assets finish; overdue ones finish at once. */
  release(): void {
    this.held = false;
    this.tick();
  }

  /** Finishes every in-flight run now (or only `assetId`'s), even while held. */
  finishNow(assetId?: string): void {
    const now = this.clock.now();
    const targets = [...this.active].filter((a) => assetId === undefined || a.assetId === assetId);
    for (const asset of targets) {
      asset.status = 'processing';
      this.finish(asset, now);
    }
    this.arm();
  }

  /** Replaces the timings used by runs started from now on. */
  setTimings(timings: ProcessingTimings): void {
    this.timings = timings;
  }

  /** The current timings. */
  getTimings(): ProcessingTimings {
    return this.timings;
  }

  /** How many runs are in flight. */
  pendingCount(): number {
    return this.active.size;
  }

  /** Cancels the timer; no transition happens afterwards. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private begin(asset: AssetRecord, run: AssetRun): void {
    asset.run = run;
    this.active.add(asset);
    this.arm();
  }

  private finish(asset: AssetRecord, now: number): void {
    const run = asset.run;
    if (!run) return;
    this.active.delete(asset);
    asset.run = null;
    asset.completedAt = now;
    if (run.outcome === 'complete') {
      asset.status = 'complete';
      asset.failure = null;
    } else {
      asset.status = 'failed';
      asset.failure = FAILURES[run.outcome];
    }
    this.onTerminal(asset);
  }

  private durationOf(asset: AssetRecord): number {
    const d = asset.script.duration;
    if (d === undefined) return this.timings.durationMs;
    return d === 'slow' ? this.timings.slowMs : d;
  }

  /** (Re)arms the single timer for the earliest due transition. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || this.active.size === 0) return;
    let next = Infinity;
    for (const asset of this.active) {
      const run = asset.run;
      if (!run) continue;
      if (asset.status === 'submitted') next = Math.min(next, run.processingAt);
      if (!this.held) next = Math.min(next, run.finishAt);
    }
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }
}
