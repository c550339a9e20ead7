/**
 * When a timer run's workers may pick new work, and by when what they pick must end (docs/design.md, "The
 * timer's two lanes": the tail of a run).
 *
 * A run stops picking a second before its budget ends. But a create past its upload may go on after the
 * budget (submitClaimed.ts: the upload is not thrown away for want of a few seconds), up to one invocation
 * budget more, and the run lasts as long as its longest create. With the other workers idle through that
 * tail, and the next run not started (runs never overlap), follow-ups waited: in the chaos soak 5–8 s of
 * every 25-s run with 50–95 records due and no status read at all. So while a create holds the run open
 * past its budget, the other workers go on with follow-ups — never a new create, which would hold it open
 * longer — each bounded by the latest the run's creates may end.
 */
import type { DueKeys } from './pollLanes.js';

/** Stop picking new work this long before the end: the last records' own calls need the time. */
export const LAST_PICK_BEFORE_END_MS = 1_000;

/** A run's picking window: its budget, then the tail its creates may hold it open for. */
export class RunWindow {
  /**
   * @param budgetEndMs when the run's budget ends.
   * @param tailEndMs the latest a create the run started may end (≥ `budgetEndMs`): the budget plus one
   *   invocation budget, within the host's function timeout.
   */
  constructor(
    private readonly now: () => number,
    private readonly due: DueKeys,
    private readonly budgetEndMs: number,
    private readonly tailEndMs: number,
  ) {}

  /**
   * Whether a worker may pick new work now: within the budget, or in the tail while a create still holds the
   * run (the submit lane is closed then, so what is picked is a follow-up).
   */
  mayPick(): boolean {
    const now = this.now();
    if (now < this.budgetEndMs - LAST_PICK_BEFORE_END_MS) return true;
    if (this.due.creating === 0 || now >= this.tailEndMs - LAST_PICK_BEFORE_END_MS) return false;
    this.due.closeSubmit();
    return true;
  }

  /** The deadline for work picked now: the budget's end, or in the tail the tail's end. */
  deadlineMs(): number {
    return this.now() < this.budgetEndMs - LAST_PICK_BEFORE_END_MS ? this.budgetEndMs : this.tailEndMs;
  }
}
