/**
 * The app's settings, validated once at start-up (docs/design.md, decision 11).
 *
 * {@link SETTINGS} is the single source of truth: `loadConfig` parses exactly the settings it lists, the
 * README table and the infra check are generated from it, and `local.settings.sample.json` is tested
 * against it. A bad deployment fails at start-up with ONE error that names every missing or bad setting,
 * instead of failing later, one file at a time. Secret values never appear in an error message.
 *
 * This is the one module that throws: a process without valid settings must not start.
 */
import { z } from 'zod';
import { BUCKETS, isBucket, type Bucket } from './mediamagic/buckets.js';

/** How the app reaches its storage account. */
export type StorageSettings =
  | { readonly kind: 'connection-string'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly blobServiceUri: string;
      readonly queueServiceUri: string;
      /** Client id of a user-assigned managed identity; absent = the system-assigned identity. */
      readonly clientId?: string;
    };

/** `copy`: server-side copy into MediaMagic's upload URL. `passthrough`: the blob already is in MediaMagic's storage. */
export type IngestMode = 'copy' | 'passthrough';

/** The pace of one rate-limit bucket: a token bucket refilled at `ratePerSecond`, holding at most `burst`. */
export interface BucketPace {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Connect/headers/body timeouts of one MediaMagic exchange (structurally `TransportTimeouts`). */
export interface ApiTimeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
}

/** The validated settings. Units stay in the names (`…Seconds`, `…Ms`, `…Mb`) as they are in the settings. */
export interface Config {
  readonly storage: StorageSettings;
  /** `https://host[/path]` without a trailing slash. */
  readonly apiBaseUrl: string;
  readonly apiKey: string;
  /** True for an `sk_test_` key: the key prefix alone selects MediaMagic's sandbox. */
  readonly sandbox: boolean;
  /** Every accepted webhook signing secret, each `whsec_<base64>` as given (several during rotation). */
  readonly webhookSecrets: readonly string[];
  readonly sourceContainer: string;
  readonly blobEventsQueue: string;
  readonly ledgerContainer: string;
  readonly resultsContainer: string;
  readonly ingestMode: IngestMode;
  /** Six-field NCRONTAB expression for the polling timer. */
  readonly pollSchedule: string;
  readonly maxAssetRetries: number;
  readonly invocationBudgetSeconds: number;
  readonly pollBudgetSeconds: number;
  readonly pollConcurrency: number;
  readonly stuckAfterMinutes: number;
  /** Wait before the first look at a submission whose creation response was lost. */
  readonly reconcileDelaySeconds: number;
  readonly webhookMaxBodyBytes: number;
  readonly timeouts: ApiTimeouts;
  /** Configured pace per bucket; a bucket without an entry is paced only by what 429s teach. */
  readonly rateLimits: Readonly<Partial<Record<Bucket, BucketPace>>>;
  readonly copyBlockSizeMb: number;
  readonly copyConcurrency: number;
}

/** One row of the settings table. */
export interface Setting {
  readonly name: string;
  /** True when start-up fails without it. */
  readonly required: boolean;
  /** Used when the setting is unset or blank. */
  readonly default?: string;
  /** Its value must never be logged or echoed in an error. */
  readonly secret: boolean;
  /** What it is, as a noun phrase (it completes "X is required (…)"). */
  readonly description: string;
  /**
   * Set when one of several alternative forms is required rather than this setting itself: every
   * setting of the group shares the label. Only `storage` exists (connection string or identity).
   */
  readonly requiredGroup?: 'storage';
}

/** The one error `loadConfig` throws; `problems` has one line per missing or bad setting. */
export class ConfigError extends Error {
  readonly code = 'MM_CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Invalid configuration (${count}):\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Microsoft's public, documented Azurite/emulator account key — not a secret. Copied from
 * `scripts/lib/azurite.ts` because `scripts/` is not deployed with the app.
 */
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** What `UseDevelopmentStorage=true` stands for: Azurite on its default ports. */
export const DEVELOPMENT_STORAGE_CONNECTION_STRING =
  `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};` +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;' +
  'QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

/**
 * Loads and validates every setting. Throws a single {@link ConfigError} naming each problem; returns a
 * frozen {@link Config} otherwise. Blank values count as unset (app settings cannot always be deleted).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values = parseSettings(env, problems);
  const storage = resolveStorage(values, problems);
  checkContainersDiffer(values, problems);
  if (problems.length > 0 || storage === undefined) throw new ConfigError(problems);
  return deepFreeze(assemble(values, storage));
}

/** Every value that must never reach a log line, for the logger's `Redactor`. */
export function secretsOf(config: Config): string[] {
  const secrets = [config.apiKey, ...config.webhookSecrets];
  if (config.storage.kind === 'connection-string') {
    const parts = connectionStringParts(config.storage.connectionString);
    for (const key of ['accountkey', 'sharedaccesssignature']) {
      const value = parts?.get(key);
      if (value) secrets.push(value);
    }
  }
  return secrets;
}

// ---------------------------------------------------------------------------------------------------
// The settings table

/** A setting's parser: a zod schema from the raw (trimmed, non-blank) string to its typed value. */
type Parser<T> = z.ZodType<T, string>;

interface Definition<T> extends Omit<Setting, 'name'> {
  readonly parse: Parser<T>;
}

function define<T>(definition: Definition<T>): Definition<T> {
  return definition;
}

const DEFINITIONS = {
  AzureWebJobsStorage: define({
    required: false,
    requiredGroup: 'storage',
    secret: true,
    description:
      'the storage account (host state, source, ledger and results containers, BlobCreated queue) as a ' +
      'connection string, or UseDevelopmentStorage=true for Azurite; leave unset to use the identity-based ' +
      'AzureWebJobsStorage__* settings instead',
    parse: storageConnectionString(),
  }),
  AzureWebJobsStorage__blobServiceUri: define({
    required: false,
    requiredGroup: 'storage',
    secret: false,
    description:
      'identity-based storage: the blob service URI, e.g. https://<account>.blob.core.windows.net ' +
      '(used only when AzureWebJobsStorage is unset)',
    parse: serviceUrl(),
  }),
  AzureWebJobsStorage__queueServiceUri: define({
    required: false,
    requiredGroup: 'storage',
    secret: false,
    description:
      'identity-based storage: the queue service URI, e.g. https://<account>.queue.core.windows.net ' +
      '(used only when AzureWebJobsStorage is unset)',
    parse: serviceUrl(),
  }),
  AzureWebJobsStorage__credential: define({
    required: false,
    secret: false,
    description: 'identity-based storage: the credential type, managedidentity',
    parse: z
      .string()
      .refine((v) => v.toLowerCase() === 'managedidentity', 'must be managedidentity')
      .transform(() => 'managedidentity' as const),
  }),
  AzureWebJobsStorage__clientId: define({
    required: false,
    secret: false,
    description:
      'identity-based storage: the client id of a user-assigned managed identity (unset = system-assigned)',
    parse: z
      .string()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'must be a client id (GUID, e.g. 00000000-0000-0000-0000-000000000000)',
      ),
  }),
  MEDIAMAGIC_API_BASE_URL: define({
    required: false,
    default: 'https://mm-midmarket-integrations-api-preview.azurewebsites.net',
    secret: false,
    description: 'the MediaMagic Integrations API base URL (http only for loopback hosts, e.g. the emulator)',
    parse: serviceUrl(),
  }),
  MEDIAMAGIC_API_KEY: define({
    required: true,
    secret: true,
    description: 'the MediaMagic API key, sk_live_… or sk_test_… (the prefix selects live or sandbox)',
    parse: z
      .string()
      .regex(/^sk_(live|test)_\S+$/, 'must start with sk_live_ or sk_test_ and contain no whitespace'),
  }),
  MEDIAMAGIC_WEBHOOK_SECRETS: define({
    required: false,
    secret: true,
    description:
      'the webhook signing secrets, space-separated, each whsec_<base64> (list the new one beside the old ' +
      'during rotation); unset = no webhook can be verified',
    parse: webhookSecrets(),
  }),
  SOURCE_CONTAINER: define({
    required: false,
    default: 'uploads',
    secret: false,
    description: 'the watched container whose new blobs are submitted',
    parse: storageName('container'),
  }),
  BLOB_EVENTS_QUEUE: define({
    required: false,
    default: 'blob-created',
    secret: false,
    description: 'the queue Event Grid writes BlobCreated events to',
    parse: storageName('queue'),
  }),
  LEDGER_CONTAINER: define({
    required: false,
    default: 'mediamagic-ledger',
    secret: false,
    description: 'the container holding one ledger record per source blob',
    parse: storageName('container'),
  }),
  RESULTS_CONTAINER: define({
    required: false,
    default: 'mediamagic-results',
    secret: false,
    description: 'the container results and failure reports are written to',
    parse: storageName('container'),
  }),
  INGEST_MODE: define({
    required: false,
    default: 'copy',
    secret: false,
    description:
      'copy (server-side copy into a MediaMagic upload URL) or passthrough (the source container already ' +
      'is MediaMagic storage and blob names are <workspace-id>/<file> blob paths)',
    parse: z.enum(['copy', 'passthrough'], 'must be one of copy, passthrough'),
  }),
  POLL_SCHEDULE: define({
    required: false,
    default: '0 */1 * * * *',
    secret: false,
    description: 'when the polling timer runs, as a six-field NCRONTAB expression',
    parse: ncrontab(),
  }),
  MAX_ASSET_RETRIES: define({
    required: false,
    default: '3',
    secret: false,
    description: 'how many times a failed, retryable asset is retried before it is dead-lettered (0–20)',
    parse: wholeNumber(0, 20),
  }),
  INVOCATION_BUDGET_SECONDS: define({
    required: false,
    default: '120',
    secret: false,
    description:
      'how long one invocation may spend retrying before handing the work to the timer, in seconds (1–3600)',
    parse: wholeNumber(1, 3600),
  }),
  POLL_BUDGET_SECONDS: define({
    required: false,
    default: '240',
    secret: false,
    description: 'how long one polling run may work, in seconds (1–3600)',
    parse: wholeNumber(1, 3600),
  }),
  POLL_CONCURRENCY: define({
    required: false,
    default: '8',
    secret: false,
    description: 'how many ledger records one polling run works on at once (1–64)',
    parse: wholeNumber(1, 64),
  }),
  STUCK_AFTER_MINUTES: define({
    required: false,
    default: '120',
    secret: false,
    description: 'after how many minutes without progress a record is reported as stuck (1–10080)',
    parse: wholeNumber(1, 10_080),
  }),
  RECONCILE_DELAY_SECONDS: define({
    required: false,
    default: '300',
    secret: false,
    description:
      'how many seconds after a lost creation response the timer first checks whether the submission landed (5–86400)',
    parse: wholeNumber(5, 86_400),
  }),
  WEBHOOK_MAX_BODY_BYTES: define({
    required: false,
    default: '262144',
    secret: false,
    description: 'the largest webhook body accepted, in bytes (1024–10485760)',
    parse: wholeNumber(1024, 10 * 1024 * 1024),
  }),
  MEDIAMAGIC_CONNECT_TIMEOUT_MS: define({
    required: false,
    default: '10000',
    secret: false,
    description: 'how long to wait for a TCP/TLS connection to MediaMagic, in milliseconds (100–600000)',
    parse: wholeNumber(100, 600_000),
  }),
  MEDIAMAGIC_HEADERS_TIMEOUT_MS: define({
    required: false,
    default: '30000',
    secret: false,
    description: "how long to wait for MediaMagic's response headers, in milliseconds (100–600000)",
    parse: wholeNumber(100, 600_000),
  }),
  MEDIAMAGIC_BODY_TIMEOUT_MS: define({
    required: false,
    default: '30000',
    secret: false,
    description: 'the longest pause allowed while reading a response body, in milliseconds (100–600000)',
    parse: wholeNumber(100, 600_000),
  }),
  MEDIAMAGIC_RATE_LIMITS: define({
    required: false,
    secret: false,
    description:
      `a pace per rate-limit bucket, comma-separated bucket=ratePerSecond[:burst], e.g. ` +
      `submission_write=20:20,upload=10 (buckets: ${BUCKETS.join(', ')}; burst defaults to one second's worth)`,
    parse: rateLimits(),
  }),
  COPY_BLOCK_SIZE_MB: define({
    required: false,
    default: '8',
    secret: false,
    description: 'the block size of the server-side copy, in MiB (4–100)',
    parse: wholeNumber(4, 100),
  }),
  COPY_CONCURRENCY: define({
    required: false,
    default: '4',
    secret: false,
    description: 'how many blocks of one copy are in flight at once (1–16)',
    parse: wholeNumber(1, 16),
  }),
} as const;

export type SettingName = keyof typeof DEFINITIONS;
type ParsedValues = { [K in SettingName]: z.output<(typeof DEFINITIONS)[K]['parse']> | undefined };

/** Every setting the app reads, in README order. Derived from the same table `loadConfig` parses with. */
export const SETTINGS: readonly Setting[] = Object.freeze(
  (Object.entries(DEFINITIONS) as [SettingName, Definition<unknown>][]).map(([name, d]) =>
    Object.freeze({
      name,
      required: d.required,
      ...(d.default === undefined ? {} : { default: d.default }),
      secret: d.secret,
      description: d.description,
      ...(d.requiredGroup === undefined ? {} : { requiredGroup: d.requiredGroup }),
    }),
  ),
);

// ---------------------------------------------------------------------------------------------------
// Parsing the table

function parseSettings(env: Record<string, string | undefined>, problems: string[]): ParsedValues {
  const values: Partial<Record<SettingName, unknown>> = {};
  for (const name of Object.keys(DEFINITIONS) as SettingName[]) {
    const definition: Definition<unknown> = DEFINITIONS[name];
    const raw = blankToUndefined(env[name]) ?? definition.default;
    if (raw === undefined) {
      if (definition.required) problems.push(`${name} is required (${definition.description})`);
      continue;
    }
    if (/^@Microsoft\.KeyVault\(/i.test(raw)) {
      problems.push(
        `${name} is an unresolved Key Vault reference: the platform could not fetch the secret ` +
          "(check that the app's managed identity may read it and that the secret exists)",
      );
      continue;
    }
    const result = definition.parse.safeParse(raw);
    if (result.success) values[name] = result.data;
    else problems.push(describeProblem(name, definition, raw, result.error));
  }
  // Each value was produced by its own definition's parser, so the record matches ParsedValues.
  return values as ParsedValues;
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function describeProblem(
  name: string,
  definition: Definition<unknown>,
  raw: string,
  error: z.ZodError,
): string {
  const reasons = [...new Set(error.issues.map((issue) => issue.message))].join('; ');
  return definition.secret ? `${name} ${reasons}` : `${name} ${reasons} (got ${echo(raw)})`;
}

/** Quotes a non-secret value for an error, cut short and with any URL credentials masked. */
function echo(raw: string): string {
  const masked = raw.replace(/\/\/[^/@\s]*@/g, '//***@');
  return JSON.stringify(masked.length > 100 ? `${masked.slice(0, 100)}…` : masked);
}

function resolveStorage(values: ParsedValues, problems: string[]): StorageSettings | undefined {
  if (values.AzureWebJobsStorage !== undefined) {
    return { kind: 'connection-string', connectionString: values.AzureWebJobsStorage };
  }
  const blob = values.AzureWebJobsStorage__blobServiceUri;
  const queue = values.AzureWebJobsStorage__queueServiceUri;
  if (blob !== undefined && queue !== undefined) {
    const clientId = values.AzureWebJobsStorage__clientId;
    return {
      kind: 'identity',
      blobServiceUri: blob,
      queueServiceUri: queue,
      ...(clientId === undefined ? {} : { clientId }),
    };
  }
  problems.push(describeMissingStorage(blob !== undefined, queue !== undefined));
  return undefined;
}

function describeMissingStorage(hasBlob: boolean, hasQueue: boolean): string {
  const blobName = 'AzureWebJobsStorage__blobServiceUri';
  const queueName = 'AzureWebJobsStorage__queueServiceUri';
  if (hasBlob) return `${queueName} is required when ${blobName} is set (identity-based storage needs both)`;
  if (hasQueue) return `${blobName} is required when ${queueName} is set (identity-based storage needs both)`;
  return (
    'AzureWebJobsStorage is required (a storage connection string, or UseDevelopmentStorage=true for ' +
    `Azurite), unless ${blobName} and ${queueName} are set for identity-based access`
  );
}

/** Results or ledger records written into the watched container would raise BlobCreated events of their own. */
function checkContainersDiffer(values: ParsedValues, problems: string[]): void {
  const { SOURCE_CONTAINER: source, LEDGER_CONTAINER: ledger, RESULTS_CONTAINER: results } = values;
  if (source !== undefined && source === ledger) {
    problems.push(`LEDGER_CONTAINER must differ from SOURCE_CONTAINER (both are "${source}")`);
  }
  if (source !== undefined && source === results) {
    problems.push(`RESULTS_CONTAINER must differ from SOURCE_CONTAINER (both are "${source}")`);
  }
  if (ledger !== undefined && ledger === results) {
    problems.push(`RESULTS_CONTAINER must differ from LEDGER_CONTAINER (both are "${ledger}")`);
  }
}

function assemble(values: ParsedValues, storage: StorageSettings): Config {
  // Every setting below has a default or is required, so parseSettings either set it or reported it.
  const v = values as { [K in SettingName]-?: NonNullable<ParsedValues[K]> };
  return {
    storage,
    apiBaseUrl: v.MEDIAMAGIC_API_BASE_URL,
    apiKey: v.MEDIAMAGIC_API_KEY,
    sandbox: v.MEDIAMAGIC_API_KEY.startsWith('sk_test_'),
    webhookSecrets: values.MEDIAMAGIC_WEBHOOK_SECRETS ?? [],
    sourceContainer: v.SOURCE_CONTAINER,
    blobEventsQueue: v.BLOB_EVENTS_QUEUE,
    ledgerContainer: v.LEDGER_CONTAINER,
    resultsContainer: v.RESULTS_CONTAINER,
    ingestMode: v.INGEST_MODE,
    pollSchedule: v.POLL_SCHEDULE,
    maxAssetRetries: v.MAX_ASSET_RETRIES,
    invocationBudgetSeconds: v.INVOCATION_BUDGET_SECONDS,
    pollBudgetSeconds: v.POLL_BUDGET_SECONDS,
    pollConcurrency: v.POLL_CONCURRENCY,
    stuckAfterMinutes: v.STUCK_AFTER_MINUTES,
    reconcileDelaySeconds: v.RECONCILE_DELAY_SECONDS,
    webhookMaxBodyBytes: v.WEBHOOK_MAX_BODY_BYTES,
    timeouts: {
      connectMs: v.MEDIAMAGIC_CONNECT_TIMEOUT_MS,
      headersMs: v.MEDIAMAGIC_HEADERS_TIMEOUT_MS,
      bodyMs: v.MEDIAMAGIC_BODY_TIMEOUT_MS,
    },
    rateLimits: values.MEDIAMAGIC_RATE_LIMITS ?? {},
    copyBlockSizeMb: v.COPY_BLOCK_SIZE_MB,
    copyConcurrency: v.COPY_CONCURRENCY,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Parsers for each kind of value. Each issue message is a predicate ("must …") completing the setting name.

function wholeNumber(min: number, max: number): Parser<number> {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.string().regex(/^\d+$/, rule).transform(Number).pipe(z.number().min(min, rule).max(max, rule));
}

/** Azure's rules for container and queue names (identical for both). */
function storageName(what: 'container' | 'queue'): Parser<string> {
  return z
    .string()
    .refine(
      (name) => /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name),
      `must be a valid ${what} name: 3–63 lowercase letters, digits and single hyphens, starting and ending ` +
        'with a letter or digit',
    );
}

/**
 * An absolute http(s) URL without credentials, query or fragment, normalised without a trailing slash.
 * Plain http is accepted only for loopback hosts (Azurite, the local emulator).
 */
function serviceUrl(): Parser<string> {
  return z.string().transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue('must be an absolute http(s) URL');
      return z.NEVER;
    }
    const problem = serviceUrlProblem(url);
    if (problem !== undefined) {
      ctx.addIssue(problem);
      return z.NEVER;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  });
}

function serviceUrlProblem(url: URL): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return 'must use https (plain http is allowed only for localhost / 127.0.0.1 / [::1])';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)';
  if (url.search !== '' || url.hash !== '') return 'must not contain a query string or fragment';
  return undefined;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * A storage connection string. `UseDevelopmentStorage=true` expands to Azurite's; anything else must
 * carry an account key or a SAS, and reach both the blob and the queue service (the host needs both).
 */
function storageConnectionString(): Parser<string> {
  return z.string().transform((raw, ctx) => {
    if (/^UseDevelopmentStorage=true;?$/i.test(raw)) return DEVELOPMENT_STORAGE_CONNECTION_STRING;
    const problem = connectionStringProblem(raw);
    if (problem === undefined) return raw;
    ctx.addIssue(problem);
    return z.NEVER;
  });
}

function connectionStringProblem(raw: string): string | undefined {
  const parts = connectionStringParts(raw);
  if (parts === undefined) {
    return 'must be a storage connection string (Key=Value pairs separated by ";") or UseDevelopmentStorage=true';
  }
  const protocol = parts.get('defaultendpointsprotocol')?.toLowerCase();
  const reaches = (service: 'blob' | 'queue'): boolean =>
    parts.has(`${service}endpoint`) || protocol === 'https' || protocol === 'http';
  if (parts.has('accountkey')) {
    if (!parts.has('accountname')) return 'is missing AccountName';
    if (!isBase64(parts.get('accountkey') ?? '')) return 'has an AccountKey that is not base64';
  } else if (!parts.has('sharedaccesssignature')) {
    return 'must contain AccountName and AccountKey, or a SharedAccessSignature';
  }
  if (!reaches('blob') || !reaches('queue')) {
    return 'must contain DefaultEndpointsProtocol=https (or both BlobEndpoint and QueueEndpoint)';
  }
  return undefined;
}

/** Key=Value pairs (keys lower-cased); values may contain "=" (base64 padding). Undefined if malformed. */
function connectionStringParts(raw: string): Map<string, string> | undefined {
  const parts = new Map<string, string>();
  for (const segment of raw.split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0 || eq === segment.length - 1) return undefined;
    parts.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  return parts.size > 0 ? parts : undefined;
}

/** Standard base64, padding optional (Standard Webhooks secrets are often unpadded). */
function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.replace(/=+$/, '').length % 4 !== 1;
}

/** Whitespace-separated `whsec_<base64>` secrets. Problems name the entry by position, never by value. */
function webhookSecrets(): Parser<string[]> {
  return z.string().transform((raw, ctx) => {
    const secrets = raw.split(/\s+/);
    const bad = secrets.flatMap((secret, i) =>
      secret.startsWith('whsec_') && isBase64(secret.slice('whsec_'.length)) ? [] : [i + 1],
    );
    if (bad.length === 0) return secrets;
    const which = secrets.length === 1 ? 'the secret' : `entry ${bad.join(', ')} of ${secrets.length}`;
    ctx.addIssue(`must be whsec_ followed by base64 (${which} is not)`);
    return z.NEVER;
  });
}

/** `bucket=ratePerSecond[:burst]`, comma-separated; each bucket at most once. */
function rateLimits(): Parser<Partial<Record<Bucket, BucketPace>>> {
  return z.string().transform((raw, ctx) => {
    const paces: Partial<Record<Bucket, BucketPace>> = {};
    for (const entry of raw.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      const parsed = parseRateLimit(entry);
      if (typeof parsed === 'string') ctx.addIssue(parsed);
      else if (paces[parsed.bucket] !== undefined)
        ctx.addIssue(`must name each bucket once (${parsed.bucket} repeats)`);
      else paces[parsed.bucket] = parsed.pace;
    }
    return paces;
  });
}

function parseRateLimit(entry: string): { bucket: Bucket; pace: BucketPace } | string {
  const match = /^([\w-]+)\s*=\s*(\d+(?:\.\d+)?)(?:\s*:\s*(\d+))?$/.exec(entry);
  if (!match) return `must be bucket=ratePerSecond[:burst] entries separated by commas ("${entry}" is not)`;
  const [, bucket = '', rateText = '', burstText] = match;
  if (!isBucket(bucket)) return `names unknown bucket "${bucket}" (known: ${BUCKETS.join(', ')})`;
  const ratePerSecond = Number(rateText);
  if (ratePerSecond <= 0 || ratePerSecond > 10_000) {
    return `must give ${bucket} a rate above 0 and at most 10000 per second`;
  }
  const burst = burstText === undefined ? Math.max(1, Math.ceil(ratePerSecond)) : Number(burstText);
  if (burst < 1 || burst > 10_000) return `must give ${bucket} a burst from 1 to 10000`;
  return { bucket, pace: { ratePerSecond, burst } };
}

const NCRONTAB_FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

/** The shape of a six-field NCRONTAB expression: `*`, values, ranges, steps and lists, within each field's range. */
function ncrontab(): Parser<string> {
  const shape =
    'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}, e.g. 0 */5 * * * *)';
  return z.string().transform((raw, ctx) => {
    const fields = raw.split(/\s+/);
    if (fields.length !== 6) {
      ctx.addIssue(`${shape}; it has ${fields.length} field${fields.length === 1 ? '' : 's'}`);
      return z.NEVER;
    }
    const bad = fields.findIndex((field, i) => !isCronField(field, NCRONTAB_FIELDS[i] ?? NCRONTAB_FIELDS[0]));
    if (bad === -1) return fields.join(' ');
    ctx.addIssue(
      `${shape}; its ${NCRONTAB_FIELDS[bad]?.name ?? 'field'} field "${fields[bad]}" is not valid`,
    );
    return z.NEVER;
  });
}

function isCronField(field: string, spec: (typeof NCRONTAB_FIELDS)[number]): boolean {
  const names: readonly string[] = 'names' in spec ? spec.names : [];
  const value = (text: string): number | undefined => {
    if (/^\d+$/.test(text)) return Number(text);
    const index = names.indexOf(text.toLowerCase());
    return index === -1 ? undefined : index + spec.min;
  };
  const inRange = (n: number | undefined): n is number => n !== undefined && n >= spec.min && n <= spec.max;
  return field.split(',').every((item) => {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return false;
    const [, range = '', step] = match;
    if (step !== undefined && Number(step) < 1) return false;
    if (range === '*') return true;
    const [from, to] = range.split('-').map(value);
    if (!inRange(from)) return false;
    return to === undefined || (inRange(to) && to >= from);
  });
}

/**
 * A setting's value from `env`, or its documented default — for binding options resolved at registration
 * time (before `loadConfig` runs, and without failing registration over an unrelated bad setting).
 */
export function settingOrDefault(
  name: SettingName,
  env: Record<string, string | undefined> = process.env,
): string {
  const value = env[name]?.trim();
  if (value) return value;
  return SETTINGS.find((s) => s.name === name)?.default ?? '';
}
