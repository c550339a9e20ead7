/**
 * Ledger blob names built from an id the API (or a webhook) gave us: `submissions/<id>.json`,
 * `orphans/<id>.json`, `blobpaths/<blob path>.json` (docs/ledger.md, "Names built from ids").
 *
 * The id is URI-encoded so it names exactly one blob directly under its prefix, whatever it contains. The
 * 256-character cap on webhook ids is counted before encoding, though, and a multibyte character encodes to
 * up to 9 characters (`中` → `%E4%B8%AD`): 256 of them make a 2,300-character name, and Azure refuses any
 * name over 1,024 characters (../validation/blobAddress.ts). So a name that would not fit uses the id's
 * SHA-256 instead. A hash, not a cut: cutting would let two ids that share their first characters share one
 * blob, silently merging two submissions' pointers (or deduping one orphan away); a hash keeps one blob per
 * id. `sha256=` cannot begin an encoded id (`encodeURIComponent` always escapes `=`), so a hashed name can
 * never equal a plain one, and every name that fitted before keeps it: pointers already written stay found.
 */
import { createHash } from 'node:crypto';
import { MAX_BLOB_NAME_CHARS } from '../validation/blobAddress.js';

/** Marks a name that holds the id's hash rather than the id; never produced by `encodeURIComponent`. */
export const HASHED_ID_MARKER = 'sha256=';

/** `<prefix><encoded id>.json`, or `<prefix>sha256=<hex>.json` when that would exceed Azure's limit. */
export function idBlobName(prefix: string, id: string): string {
  const plain = `${prefix}${encodeURIComponent(id)}.json`;
  if (plain.length <= MAX_BLOB_NAME_CHARS) return plain;
  const digest = createHash('sha256').update(id, 'utf8').digest('hex');
  return `${prefix}${HASHED_ID_MARKER}${digest}.json`;
}
