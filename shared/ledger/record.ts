/**
 * The ledger record — one JSON document per source blob: its types, the schema that is the trust boundary
 * for what we read back from storage, and the bounds on its history and seen event ids. Everything here is
 * pure. `docs/ledger.md` describes the same format; a test keeps the two in step. The states it moves
 * through are in states.ts, the moves themselves in transition.ts.
 */
import { z } from 'zod';
import { LEDGER_KEY_PATTERN } from './ledgerKey.js';
import { LEDGER_STATES, type LedgerState } from './states.js';

/** The only record format this code writes. Bumped when a change is not backward compatible. */
export const LEDGER_SCHEMA_VERSION = 1;

/** How many history entries a record keeps (the newest). */
export const HISTORY_LIMIT = 50;
/** How many webhook event ids a record remembers for dedupe (the newest). */
export const SEEN_EVENT_IDS_LIMIT = 100;

/** Formats epoch milliseconds the one way the ledger stores time (`Date#toISOString`, UTC, milliseconds). */
export function isoTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

// ---------------------------------------------------------------------------------------------------------
// Types. Written out by hand (instead of z.infer) so readers and editors see real field names without the
// index signature a loose schema adds; the compile-time check after the schema keeps both in step.
// ---------------------------------------------------------------------------------------------------------

/** Where the record's blob lives. */
export type LedgerSource = {
  readonly container: string;
  readonly name: string;
};

/** One MediaMagic asset of the submission, as far as we track it. */
export type LedgerAsset = {
  readonly assetId: string;
  /** The API's asset status, verbatim. */
  readonly status?: string;
  /** Retries we asked MediaMagic for (`POST .../retry`), across timer runs. */
  readonly retryCount: number;
  /** Retries of our own calls about this asset (e.g. results fetch), across timer runs. */
  readonly localRetries: number;
  readonly errorType?: string;
  readonly errorMessage?: string;
  readonly isRetryable?: boolean;
  /** True once the asset's results (or failure report) are in the results container. */
  readonly resultsWritten?: boolean;
  /** The API's own `retryCount` for the asset, verbatim. */
  readonly apiRetryCount?: number;
  /** MediaMagic refused a retry for good (409 not retryable / maximum attempts reached). */
  readonly retryRefused?: boolean;
};

/** One offending field of a 422, or of our own validation. */
export type LedgerFieldMessage = {
  readonly field: string;
  readonly message: string;
};

/** Why a record is `rejected`, `dead-lettered` or `blocked`, in words a person can act on. */
export type LedgerFailure = {
  /** Stable machine-readable kind, e.g. `validation`, `forbidden`, `unauthorized`, `asset-failed`. */
  readonly kind: string;
  /** The HTTP status, when the API said no. */
  readonly status?: number;
  /** The API's own words, or our validation's. */
  readonly detail: string;
  readonly fields?: LedgerFieldMessage[];
  /** The asset's `errorType`, for dead-lettered assets. */
  readonly errorType?: string;
};

/**
 * Consecutive timer runs whose work on the record threw instead of returning a classified failure (a storage
 * error, a bug): they give the record a growing backoff and, after a limit, send it `stuck` with an alert
 * (docs/design.md, decision 13). Removed by the next run that works the record without throwing.
 */
export type LedgerStepFailures = {
  /** Failed runs in a row. */
  readonly count: number;
  /** The last error's message, SAS signatures removed and shortened; never a secret. */
  readonly lastError: string;
  /** When the last one failed. */
  readonly lastAt: string;
};

/** One state change. */
export type LedgerHistoryEntry = {
  readonly at: string;
  readonly from: LedgerState;
  readonly to: LedgerState;
  readonly reason: string;
};

/** The ledger record of one source blob. Treat it as an immutable value: `transition` (transition.ts) returns a new one. */
export type LedgerRecord = {
  readonly schemaVersion: typeof LEDGER_SCHEMA_VERSION;
  /** `ledgerKey(source.container, source.name)`. */
  readonly key: string;
  readonly source: LedgerSource;
  /** 1-based; a re-upload of the same name with new content starts the next generation. */
  readonly generation: number;
  /** ETag of the source blob content this generation is about. */
  readonly sourceEtag: string;
  readonly contentType?: string;
  readonly contentLength?: number;
  readonly state: LedgerState;
  /** When the timer should next look (ISO, UTC, ms). Absent in terminal states. */
  readonly due?: string;
  /** The MediaMagic blob path the submission names. */
  readonly blobPath?: string;
  readonly submissionId?: string;
  /** The submission of the previous generation, so the new one is created as its next version. */
  readonly previousSubmissionId?: string;
  readonly assets: LedgerAsset[];
  /** `POST /submissions` attempts made for this generation, across invocations. */
  readonly submitAttempts: number;
  /**
   * Drives of this generation that failed, transiently, before any `POST /submissions` (the upload URL, the
   * copy). They count toward `maxSubmitAttempts` (10) with `submitAttempts`, which they must not inflate: that
   * one says whether a submission may exist. Absent when none failed.
   */
  readonly ingestFailures?: number;
  /** The adaptive status-poll interval the timer last chose. */
  readonly pollIntervalMs?: number;
  /** Last time the record moved forward; the stuck detector measures from here. */
  readonly lastProgressAt: string;
  readonly failure?: LedgerFailure;
  /** Timer runs in a row whose work on this record threw; absent when the last one did not. */
  readonly stepFailures?: LedgerStepFailures;
  /** The newest {@link HISTORY_LIMIT} state changes, oldest first. */
  readonly history: LedgerHistoryEntry[];
  /** The newest {@link SEEN_EVENT_IDS_LIMIT} webhook event ids applied to this record, oldest first. */
  readonly seenEventIds: string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * The W3C `traceparent` of the invocation that claimed this generation, so the webhook receiver and the
   * timer continue the file's trace (docs/operations.md). Absent when telemetry was off at the claim.
   */
  readonly traceParent?: string;
};

// ---------------------------------------------------------------------------------------------------------
// Schema: loose objects keep fields this version does not know, so an older instance running beside a
// newer one during a deployment does not strip what the newer one wrote.
// ---------------------------------------------------------------------------------------------------------

/** A timestamp as `Date#toISOString` writes it; one fixed shape keeps `due` tags lexicographically ordered. */
const IsoTimestampSchema = z.iso.datetime({ precision: 3 });
const LedgerStateSchema = z.enum(LEDGER_STATES);
const count = z.number().int().min(0);

const LedgerSourceSchema = z.looseObject({ container: z.string().min(1), name: z.string().min(1) });

const LedgerAssetSchema = z.looseObject({
  assetId: z.string().min(1),
  status: z.string().exactOptional(),
  retryCount: count,
  localRetries: count,
  errorType: z.string().exactOptional(),
  errorMessage: z.string().exactOptional(),
  isRetryable: z.boolean().exactOptional(),
  resultsWritten: z.boolean().exactOptional(),
  apiRetryCount: count.exactOptional(),
  retryRefused: z.boolean().exactOptional(),
});

const LedgerFailureSchema = z.looseObject({
  kind: z.string().min(1),
  status: z.number().int().exactOptional(),
  detail: z.string(),
  fields: z.array(z.looseObject({ field: z.string(), message: z.string() })).exactOptional(),
  errorType: z.string().exactOptional(),
});

const LedgerStepFailuresSchema = z.looseObject({
  count: z.number().int().min(1),
  lastError: z.string(),
  lastAt: IsoTimestampSchema,
});

const LedgerHistoryEntrySchema = z.looseObject({
  at: IsoTimestampSchema,
  from: LedgerStateSchema,
  to: LedgerStateSchema,
  reason: z.string(),
});

/** Validates a stored or about-to-be-stored record; unknown fields are accepted and kept. */
export const LedgerRecordSchema = z.looseObject({
  schemaVersion: z.literal(LEDGER_SCHEMA_VERSION),
  key: z.string().regex(LEDGER_KEY_PATTERN),
  source: LedgerSourceSchema,
  generation: z.number().int().min(1),
  sourceEtag: z.string().min(1),
  contentType: z.string().exactOptional(),
  contentLength: count.exactOptional(),
  state: LedgerStateSchema,
  due: IsoTimestampSchema.exactOptional(),
  blobPath: z.string().min(1).exactOptional(),
  submissionId: z.string().min(1).exactOptional(),
  previousSubmissionId: z.string().min(1).exactOptional(),
  assets: z.array(LedgerAssetSchema),
  submitAttempts: count,
  ingestFailures: count.exactOptional(),
  pollIntervalMs: count.exactOptional(),
  lastProgressAt: IsoTimestampSchema,
  failure: LedgerFailureSchema.exactOptional(),
  stepFailures: LedgerStepFailuresSchema.exactOptional(),
  history: z.array(LedgerHistoryEntrySchema),
  seenEventIds: z.array(z.string()),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
  traceParent: z
    .string()
    .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .exactOptional(),
});

// Fails to compile when the hand-written type and the schema drift apart (a field added to one only).
type Assert<T extends true> = T;
type _SchemaMatchesType = Assert<
  z.output<typeof LedgerRecordSchema> extends LedgerRecord
    ? LedgerRecord extends z.input<typeof LedgerRecordSchema>
      ? true
      : false
    : false
>;

/** The outcome of {@link parseLedgerRecord}. */
export type ParseRecordResult =
  { readonly ok: true; readonly record: LedgerRecord } | { readonly ok: false; readonly message: string };

/** Validates unknown data (parsed JSON) as a record, keeping unknown fields. Never throws. */
export function parseLedgerRecord(value: unknown): ParseRecordResult {
  const parsed = LedgerRecordSchema.safeParse(value);
  return parsed.success
    ? { ok: true, record: parsed.data }
    : { ok: false, message: z.prettifyError(parsed.error) };
}

/** Trims history and seen event ids to their limits, keeping the newest. Idempotent. */
export function boundRecord(record: LedgerRecord): LedgerRecord {
  if (record.history.length <= HISTORY_LIMIT && record.seenEventIds.length <= SEEN_EVENT_IDS_LIMIT) {
    return record;
  }
  return {
    ...record,
    history: record.history.slice(-HISTORY_LIMIT),
    seenEventIds: record.seenEventIds.slice(-SEEN_EVENT_IDS_LIMIT),
  };
}
