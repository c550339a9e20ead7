/**
 * The timer's two lanes (docs/design.md, "The timer's two lanes"). A due record needs either a create —
 * `claimed`, `submit-pending`, an unconfirmed one probed with a create, a `stuck` one without a submission —
 * or a follow-up: status reads and result fetches. Creates wait at the `upload` and `submission_write` gates,
 * whose pace is the key's slowest (and, in a fleet, only this process's share of it); follow-ups wait at
 * `submission_read`. With one pool of workers, a backlog of creates held every worker at the write gate and
 * follow-ups waited behind them: in the chaos soak the timer worked 2–6 records a second while 400 submitted
 * records went past the stuck threshold, and drained them in a minute once the creates were done. So at most
 * half of a run's workers drive creates at once; the rest are left to follow-ups, and take creates too when
 * no follow-up is waiting. And a run that creates keep going looks again for what came due meanwhile
 * (pollDue.ts): webhooks make records due every second, and they must not wait for the creates to end.
 */
import type { LedgerRecord } from '../ledger/record.js';

/** Which gate a due record's step waits at: `submit` (creates) or `follow` (reads). */
export type Lane = 'submit' | 'follow';

/** The lane of a due record's next step (pollDue.ts, `driveRecord`, decides the step itself). */
export function laneOf(record: LedgerRecord): Lane {
  switch (record.state) {
    case 'claimed':
    case 'submit-pending':
      return 'submit';
    case 'submitted-unconfirmed':
      // Linked by a webhook meanwhile: only a promotion. Otherwise a create probe (reconcileUnconfirmed.ts).
      return record.submissionId ? 'follow' : 'submit';
    case 'stuck':
      return record.submissionId ? 'follow' : 'submit';
    default:
      return 'follow';
  }
}

/** How many of `concurrency` workers may drive creates at once: half, at least one. */
export function submitSlotsOf(concurrency: number): number {
  return Math.max(1, Math.floor(concurrency / 2));
}

/** A key handed to a worker, and whether a submit slot was already taken for it. */
export interface TakenKey {
  readonly key: string;
  /** A deferred create: the slot is this worker's; it must {@link DueKeys.leaveSubmit} when done. */
  readonly holdsSubmitSlot: boolean;
}

/**
 * Hands one run's due keys to its workers, holding at most `submitSlots` of them in the submit lane at
 * once. A worker that reads a create while the lane is full defers it and takes the next key; a deferred
 * create goes first to the next worker once a slot is free (read again then: it may have moved on).
 */
export class DueKeys {
  private next = 0;
  private submitting = 0;
  private readonly keys: string[];
  private readonly deferred: string[] = [];
  private readonly seen: Set<string>;
  private closed = false;

  constructor(
    keys: readonly string[],
    private readonly submitSlots: number,
  ) {
    this.keys = [...keys];
    this.seen = new Set(keys);
  }

  /** The next key to work on, or undefined when none is left that a worker may take now. */
  take(): TakenKey | undefined {
    if (!this.closed && this.deferred.length > 0 && this.submitting < this.submitSlots) {
      this.submitting++;
      return { key: this.deferred.shift() as string, holdsSubmitSlot: true };
    }
    if (this.next < this.keys.length)
      return { key: this.keys[this.next++] as string, holdsSubmitSlot: false };
    return undefined;
  }

  /** Takes a submit slot for a create read from a fresh key; false when the lane is full or closed. */
  enterSubmit(): boolean {
    if (this.closed || this.submitting >= this.submitSlots) return false;
    this.submitting++;
    return true;
  }

  /** Gives a submit slot back. */
  leaveSubmit(): void {
    this.submitting = Math.max(0, this.submitting - 1);
  }

  /** Creates being driven now (submit slots held). */
  get creating(): number {
    return this.submitting;
  }

  /**
   * Starts no create from now on: a deferred create stays deferred (left for the next run), a create read
   * from a fresh key is deferred. For the tail of a run (runWindow.ts), where a new create would hold the run
   * open longer.
   */
  closeSubmit(): void {
    this.closed = true;
  }

  /** Puts a create back for when a submit slot is free. */
  defer(key: string): void {
    this.deferred.push(key);
  }

  /**
   * Adds the keys of a later look at the due records that this run has not had yet (a key is handed out at
   * most once per run, as in one look); returns how many.
   */
  add(keys: readonly string[]): number {
    const fresh = keys.filter((key) => !this.seen.has(key));
    for (const key of fresh) {
      this.seen.add(key);
      this.keys.push(key);
    }
    return fresh.length;
  }

  /** Every key this run has had. */
  get found(): number {
    return this.seen.size;
  }

  /** Keys not worked on: never taken, or deferred and not taken again. */
  get left(): number {
    return this.keys.length - this.next + this.deferred.length;
  }
}
