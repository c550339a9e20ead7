/**
 * The ledger record — one JSON document per source blob — and the state machine it moves through.
 *
 * Everything here is pure: the schema is the trust boundary for what we read back from storage, and
 * {@link transition} is the only sanctioned way to change `state`, so every change is checked against
 * {@link ALLOWED_TRANSITIONS} and leaves a history entry. `docs/ledger.md` describes the same format and
 * machine; a test keeps the two in step.
 */
import { z } from 'zod';
import { LEDGER_KEY_PATTERN } from './ledgerKey.js';

/** The only record format this code writes. Bumped when a change is not backward compatible. */
export const LEDGER_SCHEMA_VERSION = 1;

/** Every state a record can be in. The order is the lifecycle's reading order, not a rank. */
export const LEDGER_STATES = [
  'claimed',
  'rejected',
  'submit-pending',
  'submitted-unconfirmed',
  'submitted',
  'retry-pending',
  'complete',
  'dead-lettered',
  'blocked',
  'stuck',
] as const;

/** A record's state; see `docs/ledger.md` for what each one means. */
export type LedgerState = (typeof LEDGER_STATES)[number];

/** States nothing leaves (except a new generation of the source blob, which is not a transition). */
export const TERMINAL_STATES: readonly LedgerState[] = ['rejected', 'complete', 'dead-lettered'];

/**
 * The state machine: for each state, the states a record may move to. Same-state changes (a new `due`, an
 * asset's status, another submit attempt) are plain patches, not transitions, so they do not fill history.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<LedgerState, readonly LedgerState[]>> = {
  claimed: ['rejected', 'submit-pending', 'submitted-unconfirmed', 'submitted', 'blocked', 'stuck'],
  rejected: [],
  'submit-pending': ['rejected', 'submitted-unconfirmed', 'submitted', 'dead-lettered', 'blocked', 'stuck'],
  // Reconciliation either finds the submission (submitted) or proves it never landed (submit-pending);
  // it never goes straight to a fresh submission, which is what makes the ambiguous case safe.
  'submitted-unconfirmed': ['submit-pending', 'submitted', 'blocked', 'stuck'],
  submitted: ['retry-pending', 'complete', 'dead-lettered', 'blocked', 'stuck'],
  // `complete` is allowed because a webhook may report success while our retry is still scheduled.
  'retry-pending': ['submitted', 'complete', 'dead-lettered', 'blocked', 'stuck'],
  complete: [],
  'dead-lettered': [],
  // An operator fixed the key or the plan: resume where the record was, never re-claim.
  blocked: ['submit-pending', 'submitted-unconfirmed', 'submitted', 'retry-pending'],
  // `stuck` is an alert, not an end: late news (a webhook, a poll) still moves the record on.
  stuck: [
    'rejected',
    'submit-pending',
    'submitted-unconfirmed',
    'submitted',
    'retry-pending',
    'complete',
    'dead-lettered',
    'blocked',
  ],
};

/** Record fields that must be present once a record enters a state, because a reader relies on them. */
export type RequiredOnEntry = 'due' | 'submissionId' | 'failure';

/**
 * What each state needs. `due` for every state the timer drives (without it the record would never be
 * looked at again — a lost file); `submissionId` once submitted; `failure` wherever a person must be told why.
 */
export const REQUIRED_ON_ENTRY: Readonly<Record<LedgerState, readonly RequiredOnEntry[]>> = {
  claimed: ['due'],
  rejected: ['failure'],
  'submit-pending': ['due'],
  'submitted-unconfirmed': ['due'],
  submitted: ['submissionId', 'due'],
  'retry-pending': ['due'],
  complete: [],
  'dead-lettered': ['failure'],
  blocked: ['failure'],
  stuck: [],
};

/** How many history entries a record keeps (the newest). */
export const HISTORY_LIMIT = 50;
/** How many webhook event ids a record remembers for dedupe (the newest). */
export const SEEN_EVENT_IDS_LIMIT = 100;

/** True for states nothing leaves. */
export function isTerminal(state: LedgerState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** True when {@link ALLOWED_TRANSITIONS} lets a record move from `from` to `to`. */
export function canTransition(from: LedgerState, to: LedgerState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

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

/** One state change. */
export type LedgerHistoryEntry = {
  readonly at: string;
  readonly from: LedgerState;
  readonly to: LedgerState;
  readonly reason: string;
};

/** The ledger record of one source blob. Treat it as an immutable value: {@link transition} returns a new one. */
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
  /** The adaptive status-poll interval the timer last chose. */
  readonly pollIntervalMs?: number;
  /** Last time the record moved forward; the stuck detector measures from here. */
  readonly lastProgressAt: string;
  readonly failure?: LedgerFailure;
  /** The newest {@link HISTORY_LIMIT} state changes, oldest first. */
  readonly history: LedgerHistoryEntry[];
  /** The newest {@link SEEN_EVENT_IDS_LIMIT} webhook event ids applied to this record, oldest first. */
  readonly seenEventIds: string[];
  readonly createdAt: string;
  readonly updatedAt: string;
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
  status: z.string().optional(),
  retryCount: count,
  localRetries: count,
  errorType: z.string().optional(),
  errorMessage: z.string().optional(),
  isRetryable: z.boolean().optional(),
  resultsWritten: z.boolean().optional(),
  apiRetryCount: count.optional(),
  retryRefused: z.boolean().optional(),
});

const LedgerFailureSchema = z.looseObject({
  kind: z.string().min(1),
  status: z.number().int().optional(),
  detail: z.string(),
  fields: z.array(z.looseObject({ field: z.string(), message: z.string() })).optional(),
  errorType: z.string().optional(),
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
  contentType: z.string().optional(),
  contentLength: count.optional(),
  state: LedgerStateSchema,
  due: IsoTimestampSchema.optional(),
  blobPath: z.string().min(1).optional(),
  submissionId: z.string().min(1).optional(),
  previousSubmissionId: z.string().min(1).optional(),
  assets: z.array(LedgerAssetSchema),
  submitAttempts: count,
  pollIntervalMs: count.optional(),
  lastProgressAt: IsoTimestampSchema,
  failure: LedgerFailureSchema.optional(),
  history: z.array(LedgerHistoryEntrySchema),
  seenEventIds: z.array(z.string()),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
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

// ---------------------------------------------------------------------------------------------------------
// Transitions.
// ---------------------------------------------------------------------------------------------------------

/**
 * Fields a transition may set alongside the new state. Identity, lifecycle bookkeeping and history are the
 * transition's own business and cannot be patched. A key whose value is `undefined` removes the field.
 */
export type LedgerPatch = Partial<
  Omit<
    LedgerRecord,
    | 'schemaVersion'
    | 'key'
    | 'source'
    | 'generation'
    | 'sourceEtag'
    | 'state'
    | 'history'
    | 'lastProgressAt'
    | 'createdAt'
    | 'updatedAt'
  >
>;

/** Why {@link transition} refused. */
export type TransitionError =
  | {
      readonly kind: 'not-allowed';
      readonly from: LedgerState;
      readonly to: LedgerState;
      readonly message: string;
    }
  | {
      readonly kind: 'missing-field';
      readonly to: LedgerState;
      readonly field: RequiredOnEntry;
      readonly message: string;
    }
  | { readonly kind: 'invalid-record'; readonly message: string };

/** The outcome of {@link transition}. */
export type TransitionResult =
  | { readonly ok: true; readonly record: LedgerRecord }
  | { readonly ok: false; readonly error: TransitionError };

/** States whose `failure` explains them; leaving them for another state drops the stale explanation. */
const FAILURE_STATES: readonly LedgerState[] = ['rejected', 'dead-lettered', 'blocked'];

/**
 * Moves a record to `to`: checks {@link ALLOWED_TRANSITIONS}, applies `patch`, appends a history entry
 * (bounded to {@link HISTORY_LIMIT}), stamps `updatedAt` and — unless the move is into `stuck`, which is the
 * absence of progress — `lastProgressAt`. Entering a terminal state removes `due` so the timer stops looking;
 * leaving a failure state drops `failure` unless the patch sets one. The result must carry what the target
 * state requires ({@link REQUIRED_ON_ENTRY}) and pass the schema. Pure; returns a typed error, never throws.
 *
 * `nowIso` must be a {@link isoTimestamp} string.
 */
export function transition(
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  nowIso: string,
  patch: LedgerPatch = {},
): TransitionResult {
  const from = record.state;
  if (!canTransition(from, to)) {
    return { ok: false, error: { kind: 'not-allowed', from, to, message: `${from} → ${to} is not allowed` } };
  }
  const next = applyTransition(record, to, reason, nowIso, patch);
  const missing = REQUIRED_ON_ENTRY[to].find((field) => next[field] === undefined);
  if (missing) {
    const message = `entering ${to} requires ${missing}`;
    return { ok: false, error: { kind: 'missing-field', to, field: missing, message } };
  }
  const parsed = parseLedgerRecord(next);
  if (!parsed.ok) return { ok: false, error: { kind: 'invalid-record', message: parsed.message } };
  return { ok: true, record: parsed.record };
}

function applyTransition(
  record: LedgerRecord,
  to: LedgerState,
  reason: string,
  nowIso: string,
  patch: LedgerPatch,
): LedgerRecord {
  const from = record.state;
  const entry: LedgerHistoryEntry = { at: nowIso, from, to, reason };
  const next: Record<string, unknown> = {
    ...record,
    ...patch,
    // Restated after the patch so a cast-away patch still cannot rewrite identity or bookkeeping.
    schemaVersion: record.schemaVersion,
    key: record.key,
    source: record.source,
    generation: record.generation,
    sourceEtag: record.sourceEtag,
    createdAt: record.createdAt,
    state: to,
    history: [...record.history, entry].slice(-HISTORY_LIMIT),
    lastProgressAt: to === 'stuck' ? record.lastProgressAt : nowIso,
    updatedAt: nowIso,
  };
  if (isTerminal(to)) delete next.due;
  const keepsFailure = FAILURE_STATES.includes(to) || Object.hasOwn(patch, 'failure');
  if (FAILURE_STATES.includes(from) && !keepsFailure) delete next.failure;
  return withoutUndefined(next) as LedgerRecord;
}

/** Drops keys whose value is `undefined`, so "absent" has one representation in memory and in JSON. */
function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
