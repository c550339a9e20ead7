/**
 * Claiming a source blob in the ledger: the exactly-once gate (docs/design.md, decision 2). Every trigger is
 * at-least-once, so the same blob arrives many times; only the invocation whose create-only write (or
 * generation bump) lands may go on to submit it.
 */
import type { Ledger, UpdateResult } from '../ledger/ledger.js';
import { ledgerKey } from '../ledger/ledgerKey.js';
import { newLedgerRecord, nextGeneration, type SourceSnapshot } from '../ledger/newRecord.js';
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import type { SourceBlobProperties } from '../storage/sourceBlobs.js';

/**
 * How long a claim holds a record before the timer may treat its claimant as dead and re-drive it: twice
 * the invocation budget plus a minute. It must outlast the claiming process, or the timer would drive a claim
 * that is still being driven: the claimant works to a deadline one budget away, calls in flight at that
 * deadline may run past it, and the timer's clock may differ from the claimant's. A copy, which may run past
 * the deadline by design, renews the lease while it runs (./holdClaim.ts).
 */
export function claimLeaseMs(invocationBudgetMs: number): number {
  return 2 * invocationBudgetMs + 60_000;
}

/** The outcome of a claim. */
export type ClaimOutcome =
  /** This invocation owns the record and must drive it. */
  | { readonly kind: 'owned'; readonly record: LedgerRecord; readonly newGeneration: boolean }
  /** Someone already claimed this content; nothing to do. */
  | { readonly kind: 'duplicate'; readonly record: LedgerRecord };

/**
 * Claims `props` (the blob's current content) for processing.
 * - No record: create-only write of generation 1.
 * - A record for the same ETag: a duplicate event (or a concurrent one that lost the race).
 * - A record for other content: the blob changed or was re-uploaded; start the next generation, which is
 *   submitted as a new MediaMagic version of the last submission. Concurrent claimants of the same new
 *   content race on the ETag loop; the loser sees the new ETag already recorded and backs off.
 *
 * `leaseMs` ({@link claimLeaseMs}) becomes the claim's `due`: if this invocation dies, the timer re-drives the
 * record then. `traceParent` (the claiming invocation's trace, when telemetry is on) is stored with the
 * generation so the processes that follow it continue the same trace.
 */
export async function claimSource(
  ledger: Ledger,
  container: string,
  props: SourceBlobProperties,
  nowMs: number,
  leaseMs: number,
  traceParent?: string,
): Promise<ClaimOutcome> {
  const key = ledgerKey(container, props.name);
  const existing = await ledger.get(key);
  if (!existing) {
    const initial = newLedgerRecord(
      { container, name: props.name },
      claimSnapshot(props, nowMs, leaseMs, traceParent),
      isoTimestamp(nowMs),
    );
    const created = await ledger.claim(initial);
    if (created.claimed) return { kind: 'owned', record: created.record, newGeneration: false };
    if (created.record.sourceEtag === props.etag) return { kind: 'duplicate', record: created.record };
    return bumpGeneration(ledger, key, props, nowMs, leaseMs, traceParent);
  }
  if (existing.record.sourceEtag === props.etag) return { kind: 'duplicate', record: existing.record };
  return bumpGeneration(ledger, key, props, nowMs, leaseMs, traceParent);
}

/**
 * Starts the next generation of the record at `key` for `props` (the blob's current content), holding it
 * for `leaseMs` — if `reasonFor(current)` gives a reason to; `undefined` leaves the record as it is. The one
 * way a generation is claimed, whether new content arrived or an operator re-drives a failed one (the CLI's
 * `resubmit`). `reasonFor` runs once per lost race, on the record as it then is.
 */
export async function claimNextGeneration(
  ledger: Ledger,
  key: string,
  props: SourceBlobProperties,
  nowMs: number,
  leaseMs: number,
  reasonFor: (current: LedgerRecord) => string | undefined,
  traceParent?: string,
): Promise<UpdateResult> {
  const snapshot = claimSnapshot(props, nowMs, leaseMs, traceParent);
  return ledger.update(key, (current) => {
    const reason = reasonFor(current);
    return reason === undefined ? undefined : nextGeneration(current, snapshot, reason, isoTimestamp(nowMs));
  });
}

/** What a claim records about the content it claims, with the end of its lease as `due`. */
function claimSnapshot(
  props: SourceBlobProperties,
  nowMs: number,
  leaseMs: number,
  traceParent: string | undefined,
): SourceSnapshot {
  return {
    sourceEtag: props.etag,
    ...(props.contentType ? { contentType: props.contentType } : {}),
    contentLength: props.contentLength,
    due: isoTimestamp(nowMs + leaseMs),
    ...(traceParent !== undefined ? { traceParent } : {}),
  };
}

async function bumpGeneration(
  ledger: Ledger,
  key: string,
  props: SourceBlobProperties,
  nowMs: number,
  leaseMs: number,
  traceParent: string | undefined,
): Promise<ClaimOutcome> {
  const result = await claimNextGeneration(
    ledger,
    key,
    props,
    nowMs,
    leaseMs,
    (current) =>
      current.sourceEtag === props.etag
        ? undefined
        : `new content (ETag ${props.etag}) replaced ${current.sourceEtag}`,
    traceParent,
  );
  switch (result.kind) {
    case 'updated':
      return { kind: 'owned', record: result.record, newGeneration: true };
    case 'unchanged':
      return { kind: 'duplicate', record: result.record };
    case 'not-found':
      throw new Error(`ledger record ${key} vanished while claiming a new generation`);
    case 'contention':
      throw new Error(`ledger record ${key} is too contended to claim (${result.attempts} attempts)`);
  }
}
