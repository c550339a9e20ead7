/**
 * How records start: the first claim of a source blob, and a later generation when the same name is
 * uploaded again with new content. Both are pure and produce a `claimed` record.
 */
import { ledgerKey } from './ledgerKey.js';
import { HISTORY_LIMIT, LEDGER_SCHEMA_VERSION, type LedgerRecord } from './record.js';

/** What is known about the source blob at claim time. */
export interface SourceSnapshot {
  /** ETag of the content being claimed. */
  readonly sourceEtag: string;
  readonly contentType?: string;
  readonly contentLength?: number;
  /**
   * When the timer should treat the claim as abandoned (the claiming invocation crashed) and re-drive it.
   * A claim is a lease in all but name: the trigger that claimed it normally moves it on long before.
   */
  readonly due: string;
  /** The claiming invocation's W3C `traceparent`, when telemetry is on. */
  readonly traceParent?: string;
}

/** The first record for a source blob: generation 1, state `claimed`, nothing attempted. */
export function newLedgerRecord(
  source: { readonly container: string; readonly name: string },
  snapshot: SourceSnapshot,
  nowIso: string,
): LedgerRecord {
  return {
    schemaVersion: LEDGER_SCHEMA_VERSION,
    key: ledgerKey(source.container, source.name),
    source: { container: source.container, name: source.name },
    generation: 1,
    ...snapshotFields(snapshot),
    state: 'claimed',
    assets: [],
    submitAttempts: 0,
    lastProgressAt: nowIso,
    history: [],
    seenEventIds: [],
    createdAt: nowIso,
    updatedAt: nowIso,
  };
}

/**
 * The next generation of an existing record: the same key, a fresh `claimed` lifecycle for the new content,
 * and `previousSubmissionId` pointing at the last submission so it is submitted as a new MediaMagic version.
 *
 * Not a state transition (terminal states stay terminal for their generation); the history entry records
 * the step. Whether a new generation may start while the old one is still in flight is the caller's policy —
 * webhooks for the old submission still resolve to this key, so handlers must compare `submissionId`.
 * Unknown fields and the seen event ids are kept: they may belong to the older submission's late webhooks.
 */
export function nextGeneration(
  record: LedgerRecord,
  snapshot: SourceSnapshot,
  reason: string,
  nowIso: string,
): LedgerRecord {
  const previousSubmissionId = record.submissionId ?? record.previousSubmissionId;
  const {
    contentType: _contentType,
    contentLength: _contentLength,
    blobPath: _blobPath,
    submissionId: _submissionId,
    pollIntervalMs: _pollIntervalMs,
    failure: _failure,
    ingestFailures: _ingestFailures,
    traceParent: _traceParent,
    ...kept
  } = record;
  return {
    ...kept,
    generation: record.generation + 1,
    ...snapshotFields(snapshot),
    state: 'claimed',
    ...(previousSubmissionId ? { previousSubmissionId } : {}),
    assets: [],
    submitAttempts: 0,
    lastProgressAt: nowIso,
    history: [...record.history, { at: nowIso, from: record.state, to: 'claimed' as const, reason }].slice(
      -HISTORY_LIMIT,
    ),
    updatedAt: nowIso,
  };
}

function snapshotFields(
  snapshot: SourceSnapshot,
): Pick<LedgerRecord, 'sourceEtag' | 'contentType' | 'contentLength' | 'due' | 'traceParent'> {
  return {
    sourceEtag: snapshot.sourceEtag,
    ...(snapshot.contentType !== undefined ? { contentType: snapshot.contentType } : {}),
    ...(snapshot.contentLength !== undefined ? { contentLength: snapshot.contentLength } : {}),
    due: snapshot.due,
    ...(snapshot.traceParent !== undefined ? { traceParent: snapshot.traceParent } : {}),
  };
}
