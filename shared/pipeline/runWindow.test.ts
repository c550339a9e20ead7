import { describe, expect, it } from 'vitest';
import { DueKeys } from './pollLanes.js';
import { LAST_PICK_BEFORE_END_MS, RunWindow } from './runWindow.js';

const START = 1_000_000;
const BUDGET_END = START + 20_000;
const TAIL_END = BUDGET_END + 10_000;

function setUp(keys: readonly string[], slots = 1) {
  const clock = { at: START };
  const due = new DueKeys(keys, slots);
  return { clock, due, window: new RunWindow(() => clock.at, due, BUDGET_END, TAIL_END) };
}

describe('RunWindow: when a timer run may pick new work', () => {
  it('picks until a second before the budget ends, with the budget as the deadline', () => {
    const { clock, window } = setUp(['a']);
    expect(window.mayPick()).toBe(true);
    expect(window.deadlineMs()).toBe(BUDGET_END);
    clock.at = BUDGET_END - LAST_PICK_BEFORE_END_MS - 1;
    expect(window.mayPick()).toBe(true);
    clock.at = BUDGET_END - LAST_PICK_BEFORE_END_MS;
    expect(window.mayPick()).toBe(false); // no create holds the run: it ends
  });

  it('past the budget, picks follow-ups while a create holds the run, bounded by the tail', () => {
    const { clock, due, window } = setUp(['create', 'follow'], 1);
    expect(due.take()?.key).toBe('create');
    expect(due.enterSubmit()).toBe(true); // the create is being driven
    clock.at = BUDGET_END;
    expect(window.mayPick()).toBe(true);
    expect(window.deadlineMs()).toBe(TAIL_END);
    clock.at = TAIL_END - LAST_PICK_BEFORE_END_MS;
    expect(window.mayPick()).toBe(false);
  });

  it('starts no create in the tail: a deferred create stays deferred, a fresh one is deferred', () => {
    const { clock, due, window } = setUp(['c1', 'c2', 'c3'], 2);
    due.take();
    expect(due.enterSubmit()).toBe(true); // c1 driven
    due.take();
    due.defer('c2'); // as if the lane were full when c2 was read
    clock.at = BUDGET_END;
    expect(window.mayPick()).toBe(true);
    // A slot is free (one of two held), yet the deferred create is not handed out in the tail.
    expect(due.take()).toEqual({ key: 'c3', holdsSubmitSlot: false });
    expect(due.enterSubmit()).toBe(false); // c3 read as a create: deferred
    due.defer('c3');
    expect(due.take()).toBeUndefined();
    expect(due.left).toBe(2); // both stay due for the next run
    due.leaveSubmit(); // c1 done
    expect(due.creating).toBe(0);
    expect(window.mayPick()).toBe(false); // nothing holds the run any more
  });
});
