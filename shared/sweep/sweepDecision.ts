/**
 * What the sweep does with one listed blob (docs/design.md, decision 13, "The reconciliation sweep"): pure,
 * so the rules can be read and tested apart from storage.
 */

/** A blob as the container listing describes it. */
export interface ListedBlob {
  readonly name: string;
  /** The ETag the listing reported (quoted or not: listings and headers differ). */
  readonly etag: string;
  /** When its content last changed, in ms since the epoch. */
  readonly lastModifiedMs: number;
}

/** What the sweep does with one blob. */
export type SweepDecision =
  /** The ledger already claimed exactly this content: its own triggers handle it. */
  | { readonly kind: 'known' }
  /** Unclaimed content, but uploaded within the grace period: its event is probably still on its way. */
  | { readonly kind: 'too-new'; readonly reason: DriveReason }
  /** Unclaimed content old enough that its event was lost: drive it. */
  | { readonly kind: 'drive'; readonly reason: DriveReason };

/** Why a blob's content is unclaimed: no record at all, or a record for another generation's content. */
export type DriveReason = 'unknown' | 'changed';

/**
 * Decides for one blob. `recordEtag` is the ledger record's `sourceEtag`, undefined when there is no record.
 * A grace of 0 never waits (the backfill command); a positive grace leaves blobs younger than it, and a
 * lastModified in the future (clock skew) counts as young.
 */
export function decideSweep(
  blob: ListedBlob,
  recordEtag: string | undefined,
  nowMs: number,
  graceMs: number,
): SweepDecision {
  if (recordEtag !== undefined && sameEtag(recordEtag, blob.etag)) return { kind: 'known' };
  const reason: DriveReason = recordEtag === undefined ? 'unknown' : 'changed';
  if (graceMs > 0 && nowMs - blob.lastModifiedMs < graceMs) return { kind: 'too-new', reason };
  return { kind: 'drive', reason };
}

/**
 * ETags compared as opaque values: a listing spells them bare (`0x8D…`), a properties response quoted
 * (`"0x8D…"`), and the ledger keeps what the properties call returned.
 */
export function sameEtag(a: string, b: string): boolean {
  return bare(a) === bare(b);
}

function bare(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
