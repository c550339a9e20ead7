/**
 * One way to change a record's state inside a ledger `update`: a real transition when the state changes, a
 * plain patch when it stays (a new `due`, another attempt), so callers need not care which it is.
 */
import type { LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import { transition, type LedgerPatch } from '../ledger/transition.js';

/**
 * Moves `record` to `to` with `patch`; throws only on a programming error (a transition the code forbids).
 * A same-state move counts as progress (for stuck detection) only when `progress` says so, e.g. an asset
 * moved from submitted to processing.
 */
export function moveRecord(
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  nowIso: string,
  patch: LedgerPatch = {},
  progress = false,
): LedgerRecord {
  if (record.state === to) {
    const next: Record<string, unknown> = {
      ...record,
      ...patch,
      updatedAt: nowIso,
      ...(progress ? { lastProgressAt: nowIso } : {}),
    };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    return next as LedgerRecord;
  }
  const result = transition(record, to, reason, nowIso, patch);
  if (!result.ok)
    throw new Error(`ledger transition refused: ${result.error.message} (record ${record.key})`);
  return result.record;
}
