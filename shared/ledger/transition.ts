/**
 * {@link transition}: the only sanctioned way to change a record's `state`, so every change is checked
 * against `ALLOWED_TRANSITIONS` (states.ts) and leaves a history entry. Pure.
 */
import { HISTORY_LIMIT, parseLedgerRecord, type LedgerHistoryEntry, type LedgerRecord } from './record.js';
import {
  REQUIRED_ON_ENTRY,
  canTransition,
  isTerminal,
  type LedgerState,
  type RequiredOnEntry,
} from './states.js';

/**
 * Fields a transition may set alongside the new state. Identity, lifecycle bookkeeping and history are the
 * transition's own business and cannot be patched. A key whose value is `undefined` removes the field.
 */
export type LedgerPatch = {
  readonly [
    K in keyof Omit<
      LedgerRecord,
      | 'schemaVersion'
      | 'key'
      | 'source'
      | 'generation'
      | 'sourceEtag'
      | 'state'
      | 'history'
      | 'lastProgressAt'
      | 'createdAt'
      | 'updatedAt'
    >
  ]?: LedgerRecord[K] | undefined;
};

/** Why {@link transition} refused. */
export type TransitionError =
  | {
      readonly kind: 'not-allowed';
      readonly from: LedgerState;
      readonly to: LedgerState;
      readonly message: string;
    }
  | {
      readonly kind: 'missing-field';
      readonly to: LedgerState;
      readonly field: RequiredOnEntry;
      readonly message: string;
    }
  | { readonly kind: 'invalid-record'; readonly message: string };

/** The outcome of {@link transition}. */
export type TransitionResult =
  | { readonly ok: true; readonly record: LedgerRecord }
  | { readonly ok: false; readonly error: TransitionError };

/** States whose `failure` explains them; leaving them for another state drops the stale explanation. */
const FAILURE_STATES: readonly LedgerState[] = ['rejected', 'dead-lettered', 'blocked'];

/**
 * Moves a record to `to`: checks `ALLOWED_TRANSITIONS` (states.ts), applies `patch`, appends a history entry
 * (bounded to {@link HISTORY_LIMIT}), stamps `updatedAt` and — unless the move is into `stuck`, which is the
 * absence of progress — `lastProgressAt`. Entering a terminal state removes `due` so the timer stops looking;
 * leaving a failure state drops `failure` unless the patch sets one. The result must carry what the target
 * state requires ({@link REQUIRED_ON_ENTRY}) and pass the schema. Pure; returns a typed error, never throws.
 *
 * `nowIso` must be an `isoTimestamp` (record.ts) string.
 */
export function transition(
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  nowIso: string,
  patch: LedgerPatch = {},
): TransitionResult {
  const from = record.state;
  if (!canTransition(from, to)) {
    return { ok: false, error: { kind: 'not-allowed', from, to, message: `${from} → ${to} is not allowed` } };
  }
  const next = applyTransition(record, to, reason, nowIso, patch);
  const missing = REQUIRED_ON_ENTRY[to].find((field) => next[field] === undefined);
  if (missing) {
    const message = `entering ${to} requires ${missing}`;
    return { ok: false, error: { kind: 'missing-field', to, field: missing, message } };
  }
  const parsed = parseLedgerRecord(next);
  if (!parsed.ok) return { ok: false, error: { kind: 'invalid-record', message: parsed.message } };
  return { ok: true, record: parsed.record };
}

function applyTransition(
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  nowIso: string,
  patch: LedgerPatch,
): LedgerRecord {
  const from = record.state;
  const entry: LedgerHistoryEntry = { at: nowIso, from, to, reason };
  const next: Record<string, unknown> = {
    ...record,
    ...patch,
    // Restated after the patch so a cast-away patch still cannot rewrite identity or bookkeeping.
    schemaVersion: record.schemaVersion,
    key: record.key,
    source: record.source,
    generation: record.generation,
    sourceEtag: record.sourceEtag,
    createdAt: record.createdAt,
    state: to,
    history: [...record.history, entry].slice(-HISTORY_LIMIT),
    lastProgressAt: to === 'stuck' ? record.lastProgressAt : nowIso,
    updatedAt: nowIso,
  };
  if (isTerminal(to)) delete next.due;
  const keepsFailure = FAILURE_STATES.includes(to) || Object.hasOwn(patch, 'failure');
  if (FAILURE_STATES.includes(from) && !keepsFailure) delete next.failure;
  return withoutUndefined(next) as LedgerRecord;
}

/** Drops keys whose value is `undefined`, so "absent" has one representation in memory and in JSON. */
function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
