/**
 * The one exception the ledger throws. Expected storage outcomes (404, 409, 412) are mapped to typed results
 * by the ledger; what is left is either a bug or an outage, and callers branch on {@link LedgerStorageError.code}.
 */

/**
 * - `invalid-record`: a stored record is not valid JSON or fails the schema (a bug, or a hand edit).
 * - `invalid-pointer`: a submission pointer blob is unreadable.
 * - `invalid-write`: the caller asked to store a record that fails the schema or changes its key.
 * - `invalid-argument`: e.g. a `nowIso` that is not a timestamp, an empty submission id.
 * - `storage`: any other storage failure (auth, throttling beyond the SDK's retries, network).
 */
export type LedgerStorageErrorCode =
  'invalid-record' | 'invalid-pointer' | 'invalid-write' | 'invalid-argument' | 'storage';

/** A ledger failure that is not an expected outcome. */
export class LedgerStorageError extends Error {
  override readonly name = 'LedgerStorageError';
  constructor(
    /** Stable: branch on this, never on the message. */
    readonly code: LedgerStorageErrorCode,
    message: string,
    readonly details: {
      /** The blob involved, when there is one. */
      readonly blobName?: string;
      /** The storage HTTP status, for `storage`. */
      readonly status?: number;
      /** The storage error code (e.g. `AuthorizationFailure`), for `storage`. */
      readonly storageCode?: string;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
