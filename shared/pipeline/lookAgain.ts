/**
 * A timer run's second look at the due records (docs/design.md, "The timer's two lanes"). A run takes the
 * due keys it found at its start; creates at a slow gate can keep it going for its whole budget, and
 * meanwhile webhooks make records due every second. Without a second look those waited for the next run —
 * in the chaos soak, 20 s of every 25 s with 200–400 follow-ups waiting. So a worker with nothing to take,
 * while others are still busy, waits until one of them finishes a record and then looks again (at most
 * every {@link LOOK_AGAIN_EVERY_MS}), adding what this run has not had.
 *
 * Driven by the run's own progress, not a timer: no sleeping worker holds a run open, and tests with a
 * manual clock see no extra sleeper.
 */
import { isoTimestamp } from '../ledger/record.js';
import type { PollDeps } from './pollDeps.js';
import type { DueKeys } from './pollLanes.js';
import type { RunWindow } from './runWindow.js';

/** The least time between two looks of one run. */
export const LOOK_AGAIN_EVERY_MS = 1_000;

/** One run's looks again; `workDone` is called by every worker that finishes a record. */
export class LookAgain {
  private lastAt: number;
  private failed = false;
  private owed = false;
  private looking: Promise<void> | undefined;
  private wake: () => void = () => undefined;
  private changed: Promise<void>;

  constructor(
    private readonly deps: Pick<PollDeps, 'ledger' | 'clock' | 'logger' | 'poll'>,
    private readonly due: DueKeys,
    private readonly window: Pick<RunWindow, 'mayPick'>,
  ) {
    this.lastAt = deps.clock.now();
    this.changed = this.nextChange();
  }

  /** A worker finished a record: whoever waits in {@link look} may look again. */
  workDone(): void {
    this.wake();
  }

  /**
   * Records were made due by other means than a worker (orphans linked beside the run's work, pollDue.ts):
   * the next look happens at once, however recent the last one.
   */
  madeDue(): void {
    this.owed = true;
    this.wake();
  }

  /** A look is owed ({@link madeDue}) and not yet begun: a worker should not end the run before it. */
  get lookOwed(): boolean {
    return this.owed;
  }

  /**
   * Waits for the next finished record, then looks again if the last look is old enough. Resolves false
   * when the run should stop looking: it may pick no more work (runWindow.ts), or a look failed (logged
   * once; what it would have found stays due for the next run).
   */
  async look(): Promise<boolean> {
    if (this.failed || !this.window.mayPick()) return false;
    if (!this.owed) await this.changed;
    if (this.owed || this.deps.clock.now() - this.lastAt >= LOOK_AGAIN_EVERY_MS) {
      this.owed = false;
      this.looking ??= this.findMore().finally(() => (this.looking = undefined));
      await this.looking;
    }
    return !this.failed;
  }

  private async findMore(): Promise<void> {
    const { ledger, clock, poll, logger } = this.deps;
    try {
      // The look lists the due keys from the start: ask past what this run has had already.
      const added = this.due.add(
        await ledger.findDue(isoTimestamp(clock.now()), poll.batchSize + this.due.found),
      );
      // New keys: wake the other idle workers now rather than at the next finished record.
      if (added > 0) this.wake();
    } catch (error) {
      this.failed = true;
      this.wake();
      logger.warn('could not look again for due records this run; the next run will', {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.lastAt = clock.now();
    }
  }

  /** A promise the next {@link wake} resolves; each wake arms the next one. */
  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.changed = this.nextChange();
        resolve();
      };
    });
  }
}
