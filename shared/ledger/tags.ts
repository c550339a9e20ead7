/**
 * The work index: blob index tags on each record blob, and the tag queries the timer and the status CLI
 * run. Tags are derived from the record body only, and written in the same Put Blob as the body, so a
 * query hit always names a blob whose body had those values at the time of the write.
 */
import type { LedgerRecord } from './record.js';
import { isTerminal, type LedgerState } from './states.js';

/** Tag names. Short, because tag keys and values share a per-blob size limit. */
export const TAG = { state: 'state', due: 'due', generation: 'gen' } as const;

/**
 * The tags a record blob carries. `due` is left out for terminal states even if a body somehow kept one, so
 * a finished record can never be picked up by {@link dueFilter}.
 */
export function recordTags(record: LedgerRecord): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.state]: record.state,
    [TAG.generation]: String(record.generation),
  };
  if (record.due !== undefined && !isTerminal(record.state)) tags[TAG.due] = record.due;
  return tags;
}

/**
 * Records whose `due` has come. Tag comparisons are lexicographic, which orders ISO timestamps correctly
 * only because every `due` has the same fixed shape (`Date#toISOString`); `nowIso` must have it too.
 * No `@container` clause: the query runs on the container-scoped endpoint, which already limits it.
 */
export function dueFilter(nowIso: string): string {
  return `"${TAG.due}" <= '${nowIso}'`;
}

/** Records in one state. */
export function stateFilter(state: LedgerState): string {
  return `"${TAG.state}" = '${state}'`;
}
