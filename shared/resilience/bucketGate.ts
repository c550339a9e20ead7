/**
 * Per-bucket gate (docs/design.md, decision 7): every caller of one MediaMagic rate-limit bucket in this
 * process waits in one FIFO queue, and the pacer (`pacer.ts`, pure) decides when the head may go. A 429
 * pauses the whole queue until its Retry-After; nobody is sent before that.
 *
 * Why a queue rather than handing out future send slots: a caller holding a slot 3 s ahead cannot give it
 * back when a 429 pauses the bucket, so the schedule after the pause would keep everyone's old slots — and
 * the tokens the server refilled during the pause could never be caught up. With a queue, nothing is
 * promised ahead: after the pause the pacer's re-synchronised copy of the server's bucket lets exactly the
 * refill go, then spacing resumes.
 *
 * Callers retrying after a failed attempt queue ahead of first attempts (they have waited already, and
 * their invocation's deadline is nearer). A caller whose estimated turn is past its deadline is answered at
 * once with the time it would have gone, so it can hand off instead of waiting.
 *
 * With fleet news (./fleetNews.ts) a pause another process published holds this queue exactly like a
 * pause of its own — nothing is sent before it — without touching the pacer's state: what the pacer learns
 * stays what this process saw. A pause of its own is published for the others.
 *
 * With fleet shares (./fleetShares.ts) the gate paces this process's share of the fleet's rate: the
 * configured options are the fleet's and are scaled to the share (./pacerShare.ts), and when the share
 * changes the pacer's rates are scaled with it. The share is read from memory; the gate reports each send
 * so the fleet knows this process has work. With both, the fleet has one rate: a 429 that cuts this
 * process's pace publishes the cut with the pause, and a cut another process published is applied here
 * (`adoptFleetCut`); a pause is published only while other processes send on the bucket (alone, nobody
 * would hear it), and the time a published pause held the queue credits no recovery.
 *
 * Every granted send must be settled exactly once with {@link BucketGate.settle}; time comes from the
 * injected {@link Clock}, and the only timer is the gate's own wake-up for the queue's head.
 */
import type { Clock } from '../clock.js';
import {
  believeFleetTime,
  currentCut,
  FLEET_PAUSE_MAX_AHEAD_MS,
  type FleetCut,
  type FleetNews,
} from './fleetNews.js';
import type { FleetShares } from './fleetShares.js';
import {
  estimateSendAt,
  initialPacerState,
  recentAcceptRate,
  nextSendAt,
  recordResult,
  recordSend,
  validatePacerOptions,
  type PacerOptions,
  type PacerState,
  type RefusalReading,
  type SendResult,
} from './pacer.js';
import { creditNothingUntil } from './pacerRecovery.js';
import {
  adoptFleetCut,
  adoptFleetRate,
  FLEET_ALIGN_QUIET_MS,
  rereadFirstRate,
  rescalePacer,
  shareOptions,
  withFleetView,
} from './pacerShare.js';

export {
  DEFAULT_PACER,
  validatePacerOptions,
  type PacerOptions,
  type RefusalReading,
  type SendResult,
} from './pacer.js';

/**
 * One 429 as the gate read it — for logs: the pace a bucket runs at is learned, and without this line
 * nobody can tell why a bucket went slow.
 */
export interface RefusalEvent {
  readonly bucket: string;
  readonly reading: RefusalReading;
  /** The pace before and after, requests/second; undefined = unpaced. */
  readonly rateBefore: number | undefined;
  readonly rateAfter: number | undefined;
  /** Accepted answers per second over the last few seconds, before this 429. */
  readonly recentAcceptedPerSecond: number;
  /** How long the bucket is paused from now, in ms. */
  readonly pausedForMs: number;
  /** Sends waiting in the queue when it came. */
  readonly queued: number;
}

/** Told of every 429 a gate settles; must not throw (it runs inside `settle`). */
export type RefusalObserver = (event: RefusalEvent) => void;

/** A send granted now (`sendAt`), or none granted and the earliest time one would have been. */
export type Acquire =
  { readonly ok: true; readonly sendAt: number } | { readonly ok: false; readonly retryAt: number };

/** How a caller queues. */
export interface TakeOptions {
  /** Aborting removes the caller from the queue; `take` then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** A retry of a call that already made an attempt: queues ahead of first attempts. */
  readonly retry?: boolean;
}

/** Counters for stats and benchmarks. */
export interface BucketGateStats {
  /** Sends granted. */
  readonly reserved: number;
  /** 429s reported. */
  readonly rateLimited: number;
  /** Current pace; absent when unpaced. */
  readonly ratePerSecond?: number;
  /** Epoch ms until which the bucket is paused. */
  readonly pausedUntil: number;
  /** Total milliseconds the bucket has been (or is scheduled to be) paused; overlapping pauses count once. */
  readonly pausedMs: number;
  /** Callers waiting in the queue now. */
  readonly queued: number;
  /** Sends granted and not yet settled. */
  readonly inFlight: number;
  /** This process's share of the fleet's rate (1 without fleet pacing, or alone). */
  readonly share: number;
}

/** A share that moved by less than this (relative) is left as it is: rescaling is not worth the churn. */
const SHARE_TOLERANCE = 0.01;

/** Node's longest timer (about 24.8 days); a longer wait re-arms when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

interface Waiter {
  readonly deadlineMs: number;
  readonly resolve: (acquire: Acquire) => void;
  readonly detach: () => void;
}

/** The gate of one bucket, shared by every caller of that bucket in the process. */
export class BucketGate {
  /** The options as configured: the fleet's, when the rate is shared. */
  readonly #fleetOptions: PacerOptions;
  /** The options of this process's share. */
  #options: PacerOptions;
  readonly #clock: Clock;
  readonly #observer: RefusalObserver | undefined;
  readonly #fleet: FleetNews | undefined;
  readonly #shares: FleetShares | undefined;
  #share = 1;
  /** The `at` of the latest fleet cut applied or made here: each is applied once. */
  #cutAt: number | undefined;
  /** A first rate learned while the roster showed nobody else sending, until the roster is read again. */
  #learnedAlone: { readonly at: number; readonly rate: number } | undefined;
  #state: PacerState;
  /** Retries first, then first attempts; each FIFO. */
  readonly #retries: Waiter[] = [];
  readonly #fresh: Waiter[] = [];
  #timer: { readonly at: number; readonly abort: AbortController } | undefined;

  /**
   * @param bucket the bucket this gate paces (for stats and error messages)
   * @param options overrides of {@link DEFAULT_PACER}
   * @param observer told of every 429 settled, with how it was read
   * @param fleet where pauses are shared with the other processes using the same API key
   * @param shares this process's share of the fleet's rate; without it the process paces alone
   * @throws RangeError when an option is out of range (see {@link validatePacerOptions})
   */
  constructor(
    readonly bucket: string,
    options: Partial<PacerOptions>,
    clock: Clock,
    observer?: RefusalObserver,
    fleet?: FleetNews,
    shares?: FleetShares,
  ) {
    this.#fleetOptions = validatePacerOptions(options, bucket);
    this.#options = this.#fleetOptions;
    this.#clock = clock;
    this.#observer = observer;
    this.#fleet = fleet;
    this.#shares = shares;
    this.#state = initialPacerState(this.#options, clock.now());
  }

  /**
   * Queues for the next send. Resolves `{ ok: true, sendAt }` when the caller may send now (the send is
   * counted as in flight until {@link settle}), or `{ ok: false, retryAt }` as soon as its turn is estimated
   * to come after `deadlineMs` — then nothing was granted and nothing needs settling.
   */
  take(deadlineMs: number, options: TakeOptions = {}): Promise<Acquire> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<Acquire>((resolve, reject) => {
      const queue = options.retry ? this.#retries : this.#fresh;
      const onAbort = (): void => {
        remove(queue, waiter);
        reject(signal?.reason as Error);
        this.#pump();
      };
      const waiter: Waiter = {
        deadlineMs,
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      const now = this.#clock.now();
      this.#syncShare();
      if (this.#head() === undefined && this.#nextSendAt(now) <= now) {
        this.#grant(now, false);
        resolve({ ok: true, sendAt: now });
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.#pump();
    });
  }

  /** Settles a send granted by {@link take}: what came of it feeds the pacer (a 429 pauses the bucket). */
  settle(result: SendResult): void {
    const now = this.#clock.now();
    const before = this.#state;
    this.#state = recordResult(before, this.#options, now, result);
    if (result.kind === 'rate-limited') {
      this.#shares?.noteRefused(this.bucket);
      this.#noteFirstRate(before, now);
      this.#tell(before, now);
      this.#publishRefusal(before, now);
    }
    this.#pump();
  }

  /**
   * Tells the fleet of a 429 that extended this process's pause, with the cut when it set the pace anew (only
   * with fleet pacing: the cut is of the fleet's rate). Alone on the bucket, as far as the roster knows, there
   * is nobody to tell.
   */
  #publishRefusal(before: PacerState, now: number): void {
    const after = this.#state;
    if (this.#fleet === undefined || !this.#othersSend()) return;
    const extended = after.pause.until > before.pause.until && after.pause.until > now;
    const reading = after.refusals.latestReading;
    // Only a measured cut is the fleet's: a first rate is this process's own reading of slow start (the
    // roster's median spreads it), and a guessed cut — to be regained within seconds — is as likely a refusal
    // from elsewhere (the chaos soak's bursts), which spread to every process wore the whole fleet down.
    const measuredCut = reading === 'new-episode' && after.recovery.regainTarget === undefined;
    const cut: FleetCut | undefined =
      this.#shares !== undefined && measuredCut && after.pace.rate !== undefined
        ? { at: now, rate: after.pace.rate / this.#share }
        : undefined;
    if (cut !== undefined) this.#cutAt = cut.at;
    if (extended || cut !== undefined) {
      this.#fleet.publishPause(this.bucket, Math.max(after.pause.until, now), cut);
    }
  }

  /** Whether other processes send on this bucket: always assumed without fleet pacing's roster. */
  #othersSend(): boolean {
    return this.#shares === undefined || this.#shares.othersPerSecond(this.bucket) > 0;
  }

  /** Epoch ms until which this process's own 429s paused the bucket (<= now when open). */
  get pausedUntil(): number {
    return this.#state.pause.until;
  }

  /** Current pace in requests/second, undefined when unpaced. */
  get ratePerSecond(): number | undefined {
    return this.#state.pace.rate;
  }

  /** Counters for stats/benchmarks. */
  stats(): BucketGateStats {
    const s = this.#state;
    return {
      reserved: s.sending.granted,
      rateLimited: s.refusals.count,
      ...(s.pace.rate !== undefined ? { ratePerSecond: s.pace.rate } : {}),
      pausedUntil: s.pause.until,
      pausedMs: s.pause.totalMs,
      queued: this.#retries.length + this.#fresh.length,
      inFlight: s.sending.inFlight,
      share: this.#share,
    };
  }

  /** Commits one send at `now` and tells the fleet this process has work here. */
  #grant(now: number, waited: boolean): void {
    // A published pause that held the queue until now tested nothing of this process's pace.
    const fleetPause = this.#fleetPauseUntil(now);
    if (fleetPause > this.#state.pause.until) {
      this.#state = creditNothingUntil(this.#state, Math.min(fleetPause, now));
    }
    this.#state = recordSend(this.#state, now, waited);
    const { rate } = this.#state.pace;
    this.#shares?.noteSend(this.bucket, waited, rate === undefined ? undefined : rate / this.#share);
  }

  /**
   * Follows this process's share of the fleet's rate: scales the options and the pacer's rates when it
   * moved, applies a cut another process published, and moves an unpaced process (or one far below) to its
   * part of the pace the fleet believes in.
   */
  #syncShare(): void {
    if (this.#shares === undefined) return;
    const share = this.#shares.share(this.bucket);
    if (share > 0 && Math.abs(share - this.#share) > SHARE_TOLERANCE * this.#share) {
      this.#state = rescalePacer(this.#state, share / this.#share);
      this.#options = shareOptions(this.#fleetOptions, share);
      this.#share = share;
    }
    this.#state = withFleetView(this.#state, this.#share, this.#shares.othersPerSecond(this.bucket));
    this.#rereadFirstRate();
    this.#applyFleetCut();
    const fleetRate = this.#shares.fleetRate(this.bucket);
    if (fleetRate !== undefined) {
      const now = this.#clock.now();
      this.#state = adoptFleetRate(this.#state, this.#options, now, fleetRate * this.#share);
    }
  }

  /**
   * With fleet pacing, remembers a first rate this 429 set while the roster showed nobody else sending: it
   * measured this process's own accepts only, and is re-read when the roster shows the others
   * ({@link rereadFirstRate}). A measured cut since makes it the process's own reading, kept as it is.
   */
  #noteFirstRate(before: PacerState, now: number): void {
    const { pace, fleet, refusals } = this.#state;
    if (refusals.latestReading === 'new-episode') this.#learnedAlone = undefined;
    if (this.#shares === undefined || before.pace.rate !== undefined || pace.rate === undefined) return;
    if (fleet.othersPerSecond === 0) this.#learnedAlone = { at: now, rate: pace.rate };
  }

  /**
   * A first rate learned alone, re-read once, at the first roster read within two heartbeats of it that shows
   * others sending (pacerShare.ts, `rereadFirstRate`). Later than that the others' figures are of a time
   * after it, when they may have joined a fleet this process had already measured.
   */
  #rereadFirstRate(): void {
    const learned = this.#learnedAlone;
    if (learned === undefined || this.#shares === undefined) return;
    if (this.#clock.now() > learned.at + FLEET_ALIGN_QUIET_MS) {
      this.#learnedAlone = undefined;
      return;
    }
    const others = this.#shares.othersPerSecond(this.bucket);
    if (others <= 0) return;
    this.#learnedAlone = undefined;
    this.#state = rereadFirstRate(this.#state, this.#options, learned.rate, this.#share, others);
  }

  /** Applies, once, this process's part of the latest cut another process made to the fleet's rate. */
  #applyFleetCut(): void {
    // Cuts are of the fleet's rate: only a process pacing a share of it (fleet pacing on) has a part of one.
    if (this.#fleet === undefined || this.#shares === undefined || !this.#othersSend()) return;
    const cut = this.#fleet.latestCut(this.bucket);
    const now = this.#clock.now();
    if (cut === undefined || cut.at === this.#cutAt || !currentCut(cut, now)) return;
    this.#cutAt = cut.at;
    this.#learnedAlone = undefined;
    this.#state = adoptFleetCut(this.#state, this.#options, now, cut.rate * this.#share);
  }

  #tell(before: PacerState, now: number): void {
    const after = this.#state;
    if (this.#observer === undefined || after.refusals.latestReading === undefined) return;
    try {
      this.#observer({
        bucket: this.bucket,
        reading: after.refusals.latestReading,
        rateBefore: before.pace.rate,
        rateAfter: after.pace.rate,
        recentAcceptedPerSecond: recentAcceptRate(before, now),
        pausedForMs: Math.max(0, after.pause.until - now),
        queued: this.#retries.length + this.#fresh.length,
      });
    } catch {
      // A log line that failed must not wedge the queue: the gate's state is already settled.
    }
  }

  /** Grants every head that may go now, hands off those that cannot make their deadline, re-arms the timer. */
  #pump(): void {
    const now = this.#clock.now();
    this.#syncShare();
    for (let head = this.#head(); head; head = this.#head()) {
      if (this.#nextSendAt(now) > now) break;
      this.#shift();
      this.#grant(now, true);
      head.detach();
      head.resolve({ ok: true, sendAt: now });
    }
    this.#handOffLate(now);
    this.#arm(now);
  }

  /** Answers every waiter whose estimated turn is after its deadline; the rest move up in the estimate. */
  #handOffLate(now: number): void {
    let position = 0;
    for (const queue of [this.#retries, this.#fresh]) {
      for (let i = 0; i < queue.length;) {
        const waiter = queue[i] as Waiter;
        const at = estimateSendAt(this.#state, this.#options, this.#fleetNow(now), position);
        if (at > waiter.deadlineMs) {
          queue.splice(i, 1);
          waiter.detach();
          waiter.resolve({ ok: false, retryAt: at });
        } else {
          i += 1;
          position += 1;
        }
      }
    }
  }

  /**
   * Wakes the gate when the head may go. While unpaced the head may instead be waiting for answers to free
   * the slow-start window (settle() pumps then), so it also wakes at the earliest deadline to hand off
   * whoever can no longer make it. Keeps a timer that is already due sooner.
   */
  #arm(now: number): void {
    if (!this.#head()) {
      this.#disarm();
      return;
    }
    let at = this.#nextSendAt(now);
    if (this.#state.pace.rate === undefined) {
      for (const waiter of [...this.#retries, ...this.#fresh]) at = Math.min(at, waiter.deadlineMs + 1);
    }
    if (!Number.isFinite(at)) {
      this.#disarm();
      return;
    }
    if (this.#timer && this.#timer.at <= at) return;
    this.#disarm();
    const abort = new AbortController();
    this.#timer = { at, abort };
    this.#clock.sleep(Math.min(MAX_TIMER_MS, Math.max(0, at - now)), abort.signal).then(
      () => {
        if (this.#timer?.abort !== abort) return;
        this.#timer = undefined;
        this.#pump();
      },
      () => undefined, // disarmed
    );
  }

  /**
   * The pacer's next send time with a fleet pause counted in: the pacer is asked as of the pause's end, which
   * is exactly how its own pause enters (`max(now, pause end)`), so its learned state is left alone.
   */
  #nextSendAt(now: number): number {
    return nextSendAt(this.#state, this.#options, this.#fleetNow(now));
  }

  /** `now`, or the end of a fleet pause that lies ahead. */
  #fleetNow(now: number): number {
    return Math.max(now, this.#fleetPauseUntil(now));
  }

  #fleetPauseUntil(now: number): number {
    if (this.#fleet === undefined || !this.#othersSend()) return 0;
    return believeFleetTime(this.#fleet.pauseUntil(this.bucket), now, FLEET_PAUSE_MAX_AHEAD_MS);
  }

  #disarm(): void {
    this.#timer?.abort.abort();
    this.#timer = undefined;
  }

  #head(): Waiter | undefined {
    return this.#retries[0] ?? this.#fresh[0];
  }

  #shift(): void {
    if (this.#retries.length > 0) this.#retries.shift();
    else this.#fresh.shift();
  }
}

/**
 * One {@link BucketGate} per bucket of an API, created on first use. `K` names the API's buckets; the API's
 * client supplies them. The composition root creates one of these per process so every function and caller
 * shares the same gates.
 */
export class BucketGates<K extends string> {
  readonly #config: Partial<Record<K, Partial<PacerOptions>>>;
  readonly #clock: Clock;
  readonly #observer: RefusalObserver | undefined;
  readonly #fleet: FleetNews | undefined;
  readonly #shares: FleetShares | undefined;
  readonly #gates = new Map<K, BucketGate>();

  /**
   * @param buckets every bucket the API has; configuration naming any other is refused
   * @param config per-bucket overrides of {@link DEFAULT_PACER}; every entry is validated now, so a bad
   *   setting fails start-up rather than the first call to that bucket
   * @param observer told of every 429 any gate settles (see {@link RefusalEvent})
   * @param fleet where every gate shares its pauses with the other processes using the same API key
   * @param shares where every gate learns its share of the fleet's rate
   * @throws RangeError for an unknown bucket name or an out-of-range option
   */
  constructor(
    buckets: readonly K[],
    config: Partial<Record<K, Partial<PacerOptions>>>,
    clock: Clock,
    observer?: RefusalObserver,
    fleet?: FleetNews,
    shares?: FleetShares,
  ) {
    const known: readonly string[] = buckets;
    for (const [name, options] of Object.entries<Partial<PacerOptions> | undefined>(config)) {
      if (!known.includes(name)) {
        throw new RangeError(
          `pacer config names unknown bucket "${name}"; expected one of ${buckets.join(', ')}`,
        );
      }
      validatePacerOptions(options ?? {}, name);
    }
    this.#config = { ...config };
    this.#clock = clock;
    this.#observer = observer;
    this.#fleet = fleet;
    this.#shares = shares;
  }

  /** The gate for `bucket`, created with its configured options on first use. */
  get(bucket: K): BucketGate {
    let gate = this.#gates.get(bucket);
    if (gate === undefined) {
      gate = new BucketGate(
        bucket,
        this.#config[bucket] ?? {},
        this.#clock,
        this.#observer,
        this.#fleet,
        this.#shares,
      );
      this.#gates.set(bucket, gate);
    }
    return gate;
  }

  /** Stats of every gate used so far, by bucket (the timer logs them with its run summary). */
  snapshot(): Partial<Record<K, BucketGateStats>> {
    const stats: Partial<Record<K, BucketGateStats>> = {};
    for (const [bucket, gate] of this.#gates) stats[bucket] = gate.stats();
    return stats;
  }
}

function remove(queue: Waiter[], waiter: Waiter): void {
  const i = queue.indexOf(waiter);
  if (i >= 0) queue.splice(i, 1);
}
