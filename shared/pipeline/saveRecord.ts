/**
 * The one way pipeline steps write a record: an ETag-guarded update that applies only if no other step
 * moved the record since it was read, logs each state change once (structured), and mirrors the state
 * onto the source blob's tags so it shows in Storage Explorer. A write that does not land says why, as one
 * of two outcomes that call for different reactions (see {@link LostWrite}).
 */
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import type { LedgerPatch } from '../ledger/transition.js';
import type { Logger } from '../logger.js';
import { isTerminal } from '../ledger/states.js';
import { STATE_TAG, toTagValue, type SourceBlobs } from '../storage/sourceBlobs.js';
import { LOG_FIELDS, LOG_LINES } from '../telemetry/names.js';
import { recordTransition } from '../telemetry/recordTransition.js';
import { moveRecord } from './moveRecord.js';

/** What {@link saveRecord} needs. */
export interface SaveDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly source: SourceBlobs;
}

/**
 * Why a step's write did not land. Nothing was written either way, and the step stops.
 * - `lost-ownership`: the record is no longer the one the step acted on — another step or invocation moved
 *   it on (a webhook, an overlapping timer run, a claim by another invocation), or a re-upload started a new
 *   generation. It is not ours to write any more; whoever moved it drives it now.
 * - `ledger-contention`: every attempt lost its ETag race to another writer (the ledger re-read and retried
 *   each time) and the ledger gave up. The record may well still be ours: it keeps its `due`, and a later
 *   run tries the step again.
 */
export type LostWrite =
  | { readonly kind: 'lost-ownership'; readonly current?: LedgerRecord }
  | { readonly kind: 'ledger-contention'; readonly attempts: number };

/** The outcome of {@link saveRecord}: the record as written, or why nothing was. */
export type SaveResult = { readonly kind: 'saved'; readonly record: LedgerRecord } | LostWrite;

/**
 * Applies `to` + `patch` to the stored record if it is still the one we acted on: same generation, state,
 * submission and attempt count. Webhooks patch assets and event ids meanwhile; those changes are kept,
 * because the patch lands on the current record.
 *
 * `lease`, when given, is the claim's `due` the writer holds (./holdClaim.ts): the write lands only while the
 * record still carries it, so a drive whose claim another drive took over cannot write.
 */
export async function saveRecord(
  deps: SaveDeps,
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  patch: LedgerPatch,
  progress = false,
  lease?: string,
): Promise<SaveResult> {
  const nowIso = isoTimestamp(deps.clock.now());
  const ours = (current: LedgerRecord): boolean =>
    isSameStep(record, current) && (lease === undefined || current.due === lease);
  const result = await deps.ledger.update(record.key, (current) =>
    ours(current) ? moveRecord(current, to, reason, nowIso, patch, progress) : undefined,
  );
  switch (result.kind) {
    case 'updated':
      if (record.state !== to) {
        logTransition(deps.logger, record, to, reason, result.record);
        recordTransition({
          from: record.state,
          to,
          terminal: isTerminal(to),
          submittedAtMs: submittedAtMs(result.record),
          nowMs: deps.clock.now(),
        });
        await deps.source.setStateTags(record.source.name, { [STATE_TAG]: toTagValue(to) });
      }
      return { kind: 'saved', record: result.record };
    case 'unchanged':
      // The record already reads as the write would leave it: nothing to write, and it is still ours.
      if (ours(result.record)) return { kind: 'saved', record: result.record };
      return lostWrite(deps.logger, record, to, { kind: 'lost-ownership', current: result.record });
    case 'not-found':
      return lostWrite(deps.logger, record, to, { kind: 'lost-ownership' });
    case 'contention':
      return lostWrite(deps.logger, record, to, { kind: 'ledger-contention', attempts: result.attempts });
  }
}

/**
 * Logs a state change the way every writer does (one structured line per transition: `blob`, `generation`,
 * `from`, `to`, `reason`, `submissionId`), so a record's story reads the same in the logs whoever moved it.
 * `from` is `record`'s state; `written` is the record as stored afterwards.
 */
export function logTransition(
  logger: Logger,
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  written: LedgerRecord,
): void {
  // The workbook reads these fields by name (shared/telemetry/names.ts), so they are spelled from there.
  const field = LOG_FIELDS.transition;
  logger.info(LOG_LINES.transition, {
    [field.blob]: record.source.name,
    [field.generation]: written.generation,
    [field.from]: record.state,
    [field.to]: to,
    [field.reason]: reason,
    ...(written.submissionId ? { [field.submissionId]: written.submissionId } : {}),
  });
}

/** When this generation was submitted: its newest entry into a submitted state, if the history holds one. */
function submittedAtMs(record: LedgerRecord): number | undefined {
  const entry = record.history.findLast((h) => h.to === 'submitted' || h.to === 'submitted-unconfirmed');
  return entry === undefined ? undefined : Date.parse(entry.at);
}

/** True while `current` is still the record a step read: no other step has moved it on since. */
function isSameStep(record: LedgerRecord, current: LedgerRecord): boolean {
  return (
    current.generation === record.generation &&
    current.state === record.state &&
    current.submissionId === record.submissionId &&
    current.submitAttempts === record.submitAttempts
  );
}

/**
 * Says which way a write was lost, with stable fields (`outcome` is the {@link LostWrite} kind): losing
 * ownership is routine when writers overlap; contention that outlasts every retry is worth a warning.
 */
function lostWrite(logger: Logger, record: LedgerRecord, to: LedgerState, lost: LostWrite): LostWrite {
  const props = { blob: record.source.name, generation: record.generation, from: record.state, to };
  if (lost.kind === 'lost-ownership') {
    logger.info('ledger write skipped: the record moved on without us (lost ownership)', {
      ...props,
      outcome: lost.kind,
      ...(lost.current
        ? { currentState: lost.current.state, currentGeneration: lost.current.generation }
        : { currentState: null }),
    });
  } else {
    logger.warn('ledger write lost every race (contention); the record stays due for a later run', {
      ...props,
      outcome: lost.kind,
      attempts: lost.attempts,
    });
  }
  return lost;
}
