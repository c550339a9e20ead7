import { describe, expect, it } from 'vitest';
import { newLedgerRecord } from '../ledger/newRecord.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import { DueKeys, laneOf, submitSlotsOf } from './pollLanes.js';

const NOW = '2026-12-07T12:00:00.000Z';
const record = (state: LedgerState, submissionId?: string): LedgerRecord => ({
  ...newLedgerRecord({ container: 'media', name: 'a.png' }, { sourceEtag: '"e"', due: NOW }, NOW),
  state,
  ...(submissionId ? { submissionId } : {}),
});

describe('laneOf: which gate a due record waits at', () => {
  it('creates: a claim, a hand-off, a probe of an unconfirmed creation, a stuck record with no submission', () => {
    expect(laneOf(record('claimed'))).toBe('submit');
    expect(laneOf(record('submit-pending'))).toBe('submit');
    expect(laneOf(record('submitted-unconfirmed'))).toBe('submit');
    expect(laneOf(record('stuck'))).toBe('submit');
  });

  it('follow-ups: a submission to read, including an unconfirmed or stuck one whose id is known', () => {
    expect(laneOf(record('submitted', 's1'))).toBe('follow');
    expect(laneOf(record('retry-pending', 's1'))).toBe('follow');
    expect(laneOf(record('submitted-unconfirmed', 's1'))).toBe('follow');
    expect(laneOf(record('stuck', 's1'))).toBe('follow');
  });
});

describe('submitSlotsOf', () => {
  it('is half of the workers, at least one', () => {
    expect([1, 2, 3, 16, 17].map(submitSlotsOf)).toEqual([1, 1, 1, 8, 8]);
  });
});

describe('DueKeys: hands out a run’s keys, at most `submitSlots` creates at once', () => {
  it('hands out every key once, in order, then nothing', () => {
    const due = new DueKeys(['a', 'b'], 1);
    expect(due.take()).toEqual({ key: 'a', holdsSubmitSlot: false });
    expect(due.take()).toEqual({ key: 'b', holdsSubmitSlot: false });
    expect(due.take()).toBeUndefined();
    expect(due.left).toBe(0);
  });

  it('refuses a create beyond the slots; the deferred key goes first once a slot is free, with the slot', () => {
    const due = new DueKeys(['a', 'b', 'c'], 1);
    due.take();
    expect(due.enterSubmit()).toBe(true);
    due.take();
    expect(due.enterSubmit()).toBe(false);
    due.defer('b');
    expect(due.left).toBe(2); // c never taken, b deferred
    // The lane is full: the deferred create waits, fresh keys go on.
    expect(due.take()).toEqual({ key: 'c', holdsSubmitSlot: false });
    expect(due.take()).toBeUndefined();
    expect(due.left).toBe(1);
    due.leaveSubmit();
    expect(due.take()).toEqual({ key: 'b', holdsSubmitSlot: true });
    expect(due.enterSubmit()).toBe(false); // the slot went with b
    expect(due.left).toBe(0);
  });

  it('never counts a slot below zero', () => {
    const due = new DueKeys([], 2);
    due.leaveSubmit();
    expect(due.enterSubmit()).toBe(true);
    expect(due.enterSubmit()).toBe(true);
    expect(due.enterSubmit()).toBe(false);
  });
});
