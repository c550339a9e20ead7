import { describe, expect, it } from 'vitest';
import {
  ALLOWED_TRANSITIONS,
  LEDGER_STATES,
  TERMINAL_STATES,
  canTransition,
  isTerminal,
  type LedgerState,
} from './states.js';

describe('state machine shape', () => {
  it('lets nothing leave a terminal state', () => {
    expect(TERMINAL_STATES).toEqual(['rejected', 'complete', 'dead-lettered']);
    for (const state of TERMINAL_STATES) expect(ALLOWED_TRANSITIONS[state]).toEqual([]);
  });

  it('gives every non-terminal state a way out and no self-loops', () => {
    for (const state of LEDGER_STATES) {
      if (!isTerminal(state)) expect(ALLOWED_TRANSITIONS[state].length).toBeGreaterThan(0);
      expect(ALLOWED_TRANSITIONS[state]).not.toContain(state);
    }
  });

  it('reaches every state from claimed, and a terminal state from every state', () => {
    const reachable = reach('claimed');
    expect([...reachable].sort()).toEqual(LEDGER_STATES.filter((s) => s !== 'claimed').sort());
    for (const state of LEDGER_STATES) {
      const canEnd = isTerminal(state) || [...reach(state)].some(isTerminal);
      expect(canEnd, state).toBe(true);
    }
  });

  it('never re-enters claimed by a transition (a new generation is not a transition)', () => {
    for (const state of LEDGER_STATES) expect(canTransition(state, 'claimed')).toBe(false);
  });
});

describe('canTransition', () => {
  const cases: [LedgerState, LedgerState, boolean, string][] = [
    ['claimed', 'submitted', true, 'the trigger created the submission'],
    ['claimed', 'rejected', true, 'validation failed'],
    ['claimed', 'submit-pending', true, 'retryable failure beyond the invocation deadline'],
    ['claimed', 'submitted-unconfirmed', true, 'an ambiguous POST then 409'],
    ['claimed', 'blocked', true, '401/402'],
    ['claimed', 'complete', false, 'cannot finish without submitting'],
    ['submit-pending', 'submitted', true, 'the timer re-drove it'],
    ['submit-pending', 'dead-lettered', true, 'submit attempts exhausted'],
    ['submitted-unconfirmed', 'submitted', true, 'reconciled: it landed'],
    ['submitted-unconfirmed', 'submit-pending', true, 'reconciled: it never landed'],
    ['submitted-unconfirmed', 'rejected', false, 'reconciliation never rejects'],
    ['submitted', 'submit-pending', false, 'never resubmit once there is a submission id'],
    ['submitted', 'submitted-unconfirmed', false, 'a known submission is not ambiguous'],
    ['submitted', 'retry-pending', true, 'an asset failed retryably'],
    ['submitted', 'complete', true, 'all assets done'],
    ['retry-pending', 'submitted', true, 'retry POST accepted'],
    ['retry-pending', 'complete', true, 'a late webhook says it completed'],
    ['retry-pending', 'dead-lettered', true, 'retries exhausted'],
    ['blocked', 'submit-pending', true, 'operator fixed the key before submission'],
    ['blocked', 'submitted', true, 'operator fixed the key while in flight'],
    ['blocked', 'complete', false, 'resume first, then finish'],
    ['stuck', 'complete', true, 'late news after the alert'],
    ['stuck', 'blocked', true, 'the probe found a key problem'],
    ['complete', 'submitted', false, 'terminal'],
    ['rejected', 'submit-pending', false, 'terminal'],
    ['dead-lettered', 'retry-pending', false, 'terminal'],
  ];
  it.each(cases)('%s → %s is %s (%s)', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });
});

/** Every state some chain of allowed transitions leads to from `from` (not `from` itself, unless a cycle returns). */
function reach(from: LedgerState): Set<LedgerState> {
  const seen = new Set<LedgerState>();
  const queue = [...ALLOWED_TRANSITIONS[from]];
  while (queue.length > 0) {
    const state = queue.shift() as LedgerState;
    if (seen.has(state)) continue;
    seen.add(state);
    queue.push(...ALLOWED_TRANSITIONS[state]);
  }
  return seen;
}
