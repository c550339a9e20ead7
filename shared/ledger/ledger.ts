/**
 * The ledger port: what the pipeline steps, the webhook receiver, the timer and the status CLI depend on.
 * `BlobLedger` implements it on blob storage; tests of callers may use any other implementation.
 *
 * Every method resolves to a typed value for the expected outcomes (absent, already exists, lost a race).
 * Only bugs and outages reject, with a `LedgerStorageError`.
 */
import type { LedgerRecord } from './record.js';
import type { LedgerState } from './states.js';

/** A record as read or written, with the ETag that conditions the next write. */
export interface StoredRecord {
  readonly record: LedgerRecord;
  readonly etag: string;
}

/**
 * The outcome of {@link Ledger.claim}. `claimed: false` means another invocation (or an earlier delivery of
 * the same event) created the record first; `record` is theirs — compare its `sourceEtag` and `generation`
 * to decide whether there is anything left to do.
 */
export type ClaimResult =
  | { readonly claimed: true; readonly record: LedgerRecord; readonly etag: string }
  | { readonly claimed: false; readonly record: LedgerRecord; readonly etag: string };

/**
 * Computes the next version of a record from the current one, or `undefined` to leave it as it is. It may
 * run several times (once per lost race) and must be pure: no I/O, no side effects the caller relies on.
 */
export type Mutation = (current: LedgerRecord) => LedgerRecord | undefined;

/** The outcome of {@link Ledger.update}. */
export type UpdateResult =
  | { readonly kind: 'updated'; readonly record: LedgerRecord; readonly etag: string }
  /** The mutation returned `undefined` or an identical record: nothing was written. */
  | { readonly kind: 'unchanged'; readonly record: LedgerRecord; readonly etag: string }
  | { readonly kind: 'not-found' }
  /** Every attempt lost a race with another writer; nothing was written. Try again later. */
  | { readonly kind: 'contention'; readonly attempts: number };

/** The outcome of {@link Ledger.linkSubmission}. */
export type LinkResult =
  | { readonly kind: 'linked' }
  /** The pointer already named this key (a retry of the same step): fine. */
  | { readonly kind: 'already-linked' }
  /** The pointer names another record. Should never happen; the caller must log and investigate. */
  | { readonly kind: 'linked-elsewhere'; readonly key: string };

/** The idempotency and work-index backbone: one record per source blob. */
export interface Ledger {
  /** Creates the ledger container when it does not exist. Safe to call on every cold start. */
  ensureContainer(): Promise<void>;

  /** Creates the record only if none exists for its key; otherwise returns the existing one. */
  claim(initial: LedgerRecord): Promise<ClaimResult>;

  /** The record and its ETag, or `undefined` when there is none. */
  get(key: string): Promise<StoredRecord | undefined>;

  /**
   * Read-modify-write under `If-Match`: on a lost race, re-reads and re-applies `mutate`, a bounded number of
   * times. History and seen event ids are trimmed to their limits and `updatedAt` is stamped on every write.
   */
  update(key: string, mutate: Mutation): Promise<UpdateResult>;

  /**
   * Keys of records whose `due` is at or before `nowIso`, at most `limit`, by the tag index. The index can
   * lag writes on real Azure: callers must re-read each record and re-check `state` and `due`.
   */
  findDue(nowIso: string, limit: number): Promise<string[]>;

  /** Keys of records in `state`, at most `limit`, by the tag index (same lag caveat as {@link findDue}). */
  findByState(state: LedgerState, limit: number): Promise<string[]>;

  /** Records `submissionId → key` once (create-only), so a webhook finds its record with one read. */
  linkSubmission(submissionId: string, key: string): Promise<LinkResult>;

  /** The key a submission id was linked to, or `undefined`. Strongly consistent (a blob read, not the index). */
  findBySubmission(submissionId: string): Promise<string | undefined>;

  /** Every record, in key order. For the status CLI: one read per record, so not for hot paths. */
  list(): AsyncIterable<LedgerRecord>;
}
