/**
 * Every name the app emits to OpenTelemetry, in one place: span names, attribute names and metric names with
 * their units. Alert rules, workbook queries and docs/operations.md are written against these (a test checks
 * the doc lists each one), so a name changes here or nowhere.
 */

/** Span names. One source file's story is one trace: {@link SPANS.blobCreated} starts it. */
export const SPANS = {
  /** The BlobCreated queue invocation: the root of a file's trace. */
  blobCreated: 'mediamagic.blob_created',
  /** Claiming the blob's content in the ledger (the exactly-once gate). */
  claim: 'mediamagic.claim',
  /** Copy mode: the server-side copy of the source blob to MediaMagic's upload URL. */
  copy: 'mediamagic.copy',
  /** One MediaMagic API call, all its attempts included (each attempt is an event on it). */
  apiCall: 'mediamagic.api.call',
  /** One webhook delivery: verification and the ledger write. */
  webhookReceive: 'mediamagic.webhook.receive',
  /** A verified webhook event applied to a record: a child of the file's trace, linked to the delivery. */
  webhookApply: 'mediamagic.webhook.apply',
  /** One timer run. */
  pollRun: 'mediamagic.poll.run',
  /** The timer's work on one due record: a child of the file's trace, linked to the run. */
  pollRecord: 'mediamagic.poll.record',
  /** Writing one asset's results (or the failure report) to the results container. */
  resultsWrite: 'mediamagic.results.write',
} as const;

/** Span attribute names. Values never carry the API key, a SAS, a webhook secret or a URL with a query. */
export const ATTRIBUTES = {
  /** The source blob's name within the watched container. */
  blob: 'mediamagic.blob',
  /** The record's generation (1 for the first content of a name). */
  generation: 'mediamagic.generation',
  /** The MediaMagic submission id, when known. */
  submissionId: 'mediamagic.submission_id',
  /** MediaMagic rate-limit bucket of a call (e.g. `submission_write`). */
  bucket: 'mediamagic.bucket',
  /** A call's route template, method first (`POST /submissions`): never ids, never a query. */
  route: 'mediamagic.route',
  /** HTTP status of an attempt (the last attempt's on the call span). */
  httpStatus: 'http.response.status_code',
  /** A failure's stable kind (`rate-limited`, `network`, `timeout`, ...). */
  errorType: 'error.type',
  /** Attempts a call made. */
  attempts: 'mediamagic.attempts',
  /** An attempt's number (on attempt events). */
  attempt: 'mediamagic.attempt',
  /** What a step came to: a state, a result kind, or how a write was lost. */
  outcome: 'mediamagic.outcome',
  /** Ledger state before a transition. */
  fromState: 'mediamagic.state.from',
  /** Ledger state after a transition. */
  toState: 'mediamagic.state.to',
  /** A webhook event type (`asset.processing.completed`, ...). */
  eventType: 'mediamagic.event_type',
  /** A status class: `2xx`, `4xx`, `5xx`, or `none` when no response came back. */
  statusClass: 'mediamagic.status_class',
  /** A circuit breaker's API host. */
  host: 'server.address',
} as const;

/** Event names recorded on spans. */
export const EVENTS = {
  /** One attempt of an API call that failed (attributes: attempt, status, error type). */
  attemptFailed: 'mediamagic.attempt.failed',
} as const;

/** How a metric is recorded. */
export type MetricKind = 'counter' | 'histogram' | 'gauge';

/** One metric: its name, unit (UCUM, as OpenTelemetry writes it), kind and the attributes it is split by. */
export interface MetricName {
  readonly name: string;
  readonly unit: string;
  readonly kind: MetricKind;
  readonly description: string;
  readonly attributes: readonly string[];
}

/** Every metric the app records. */
export const METRICS = {
  transitions: {
    name: 'mediamagic.files.transitions',
    unit: '{transition}',
    kind: 'counter',
    description: 'Ledger state changes, by the state left and the state entered.',
    attributes: [ATTRIBUTES.fromState, ATTRIBUTES.toState],
  },
  eventLag: {
    name: 'mediamagic.event_lag',
    unit: 's',
    kind: 'histogram',
    description: 'From the upload (the BlobCreated event time) to the claim of its content.',
    attributes: [],
  },
  timeToTerminal: {
    name: 'mediamagic.time_to_terminal',
    unit: 's',
    kind: 'histogram',
    description:
      'From the submission to a terminal state (complete, rejected, dead-lettered), by that state.',
    attributes: [ATTRIBUTES.toState],
  },
  apiCalls: {
    name: 'mediamagic.api.calls',
    unit: '{attempt}',
    kind: 'counter',
    description: 'MediaMagic request attempts, by bucket and status class.',
    attributes: [ATTRIBUTES.bucket, ATTRIBUTES.statusClass],
  },
  rateLimited: {
    name: 'mediamagic.api.rate_limited',
    unit: '{response}',
    kind: 'counter',
    description: '429 responses from MediaMagic, by bucket.',
    attributes: [ATTRIBUTES.bucket],
  },
  pace: {
    name: 'mediamagic.pace',
    unit: '{request}/s',
    kind: 'gauge',
    description: "A bucket's current pace (requests per second); absent while the bucket is unpaced.",
    attributes: [ATTRIBUTES.bucket],
  },
  breakerOpen: {
    name: 'mediamagic.breaker.state',
    unit: '1',
    kind: 'gauge',
    description: 'The circuit breaker of the API host: 0 closed, 1 half-open, 2 open.',
    attributes: [ATTRIBUTES.host],
  },
  due: {
    name: 'mediamagic.records.due',
    unit: '{record}',
    kind: 'gauge',
    description: 'Records the last timer run found due.',
    attributes: [],
  },
  overdue: {
    name: 'mediamagic.records.overdue',
    unit: '{record}',
    kind: 'gauge',
    description: 'Records still due when the last timer run ran out of budget.',
    attributes: [],
  },
  stuck: {
    name: 'mediamagic.records.stuck',
    unit: '{record}',
    kind: 'gauge',
    description: 'Records the last timer run moved to stuck.',
    attributes: [],
  },
  stepErrors: {
    name: 'mediamagic.records.errors',
    unit: '{record}',
    kind: 'gauge',
    description: 'Records whose work threw in the last timer run.',
    attributes: [],
  },
  orphans: {
    name: 'mediamagic.orphans',
    unit: '{webhook}',
    kind: 'counter',
    description: 'Orphaned webhooks the timer settled, by outcome (linked, applied, foreign).',
    attributes: [ATTRIBUTES.outcome],
  },
} as const satisfies Record<string, MetricName>;

/**
 * How the log lines that alert rules and the workbook read begin. The functions log through the invocation's
 * logger, so each line is a message (and, for most, ` {json}` of its properties) in the `Message` column of
 * `AppTraces`; queries find them by these prefixes.
 */
export const LOG_LINES = {
  /** A condition that needs a person; logged as an error. Every such line starts with this. */
  alert: 'ALERT:',
  /** Each polling timer run's summary: `pollSubmissions: {json}` (the heartbeat alert counts them). */
  pollRun: 'pollSubmissions:',
  /** Each recovery timer run's summary: `sweepSource: {json}` with a `poison` and a `sweep` part. */
  recoveryRun: 'sweepSource:',
  /** One ledger state change: `ledger transition {json}` with the fields of {@link LOG_FIELDS}.transition. */
  transition: 'ledger transition',
} as const;

/** The JSON fields of those lines that queries read. */
export const LOG_FIELDS = {
  /** Of a `ledger transition` line. */
  transition: {
    blob: 'blob',
    generation: 'generation',
    from: 'from',
    to: 'to',
    reason: 'reason',
    submissionId: 'submissionId',
  },
  /** Of a `sweepSource:` line: its poison drain part and that part's counts. */
  recoveryRun: {
    poison: 'poison',
    /** Messages left in the poison queue when the drain stopped: the backlog. */
    left: 'left',
    givenUp: 'givenUp',
    unreadable: 'unreadable',
    /** Present instead of the counts when the poison queue could not be read. */
    error: 'error',
    stopped: 'stopped',
  },
} as const;

/** The instrumentation scope the app's tracer and meter are named for. */
export const INSTRUMENTATION_SCOPE = 'mediamagic-autosubmit';

/** The setting that turns telemetry on (the Application Insights connection string). */
export const CONNECTION_STRING_SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
