/**
 * The ledger's primary key: one record per source blob, whatever its name looks like.
 */
import { createHash } from 'node:crypto';

/**
 * Hex SHA-256 of `container + '/' + name`. Hashing (instead of using the name) keeps every record at a flat,
 * fixed-length path no matter which characters or how many `/` the source blob name has, and a webhook or
 * timer that only knows the key never needs to escape anything.
 *
 * `name` must be the blob name exactly as the storage SDK spells it (decoded, case preserved): blob names are
 * case-sensitive, so `A.mp4` and `a.mp4` are different blobs and get different records.
 */
export function ledgerKey(container: string, name: string): string {
  return createHash('sha256').update(`${container}/${name}`, 'utf8').digest('hex');
}

/** Matches a string that {@link ledgerKey} could have produced. */
export const LEDGER_KEY_PATTERN = /^[0-9a-f]{64}$/;
