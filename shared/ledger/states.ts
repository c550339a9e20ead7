/**
 * The state machine a ledger record moves through: its states, which moves are allowed, which states are
 * terminal, and what a record must carry on entering each. `docs/ledger.md` describes the same machine; a
 * test keeps the two in step. `transition` (transition.ts) is the only sanctioned way to move.
 */

/** Every state a record can be in. The order is the lifecycle's reading order, not a rank. */
export const LEDGER_STATES = [
  'claimed',
  'rejected',
  'submit-pending',
  'submitted-unconfirmed',
  'submitted',
  'retry-pending',
  'complete',
  'dead-lettered',
  'blocked',
  'stuck',
] as const;

/** A record's state; see `docs/ledger.md` for what each one means. */
export type LedgerState = (typeof LEDGER_STATES)[number];

/** States nothing leaves (except a new generation of the source blob, which is not a transition). */
export const TERMINAL_STATES: readonly LedgerState[] = ['rejected', 'complete', 'dead-lettered'];

/**
 * The state machine: for each state, the states a record may move to. Same-state changes (a new `due`, an
 * asset's status, another submit attempt) are plain patches, not transitions, so they do not fill history.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<LedgerState, readonly LedgerState[]>> = {
  claimed: ['rejected', 'submit-pending', 'submitted-unconfirmed', 'submitted', 'blocked', 'stuck'],
  rejected: [],
  'submit-pending': ['rejected', 'submitted-unconfirmed', 'submitted', 'dead-lettered', 'blocked', 'stuck'],
  // Reconciliation either finds the submission (submitted) or proves it never landed (submit-pending);
  // it never goes straight to a fresh submission, which is what makes the ambiguous case safe.
  'submitted-unconfirmed': ['submit-pending', 'submitted', 'blocked', 'stuck'],
  submitted: ['retry-pending', 'complete', 'dead-lettered', 'blocked', 'stuck'],
  // `complete` is allowed because a webhook may report success while our retry is still scheduled.
  'retry-pending': ['submitted', 'complete', 'dead-lettered', 'blocked', 'stuck'],
  complete: [],
  'dead-lettered': [],
  // An operator fixed the key or the plan: resume where the record was, never re-claim.
  blocked: ['submit-pending', 'submitted-unconfirmed', 'submitted', 'retry-pending'],
  // `stuck` is an alert, not an end: late news (a webhook, a poll) still moves the record on.
  stuck: [
    'rejected',
    'submit-pending',
    'submitted-unconfirmed',
    'submitted',
    'retry-pending',
    'complete',
    'dead-lettered',
    'blocked',
  ],
};

/** Record fields that must be present once a record enters a state, because a reader relies on them. */
export type RequiredOnEntry = 'due' | 'submissionId' | 'failure';

/**
 * What each state needs. `due` for every state the timer drives (without it the record would never be
 * looked at again — a lost file); `submissionId` once submitted; `failure` wherever a person must be told why.
 */
export const REQUIRED_ON_ENTRY: Readonly<Record<LedgerState, readonly RequiredOnEntry[]>> = {
  claimed: ['due'],
  rejected: ['failure'],
  'submit-pending': ['due'],
  'submitted-unconfirmed': ['due'],
  submitted: ['submissionId', 'due'],
  'retry-pending': ['due'],
  complete: [],
  'dead-lettered': ['failure'],
  blocked: ['failure'],
  stuck: [],
};

/** True for states nothing leaves. */
export function isTerminal(state: LedgerState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** True when {@link ALLOWED_TRANSITIONS} lets a record move from `from` to `to`. */
export function canTransition(from: LedgerState, to: LedgerState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
