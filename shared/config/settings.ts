/**
 * The settings table: every app setting with its default, description, secret flag and parser
 * (docs/design.md, decision 11).
 *
 * {@link SETTINGS} is the single source of truth: `loadConfig` parses exactly the settings it lists, the
 * README table and the infra check are generated from it, and `local.settings.sample.json` is tested
 * against it.
 */
import { z } from 'zod';
import { BUCKETS } from '../mediamagic/buckets.js';
import { storageConnectionString } from './connectionString.js';
import { eventsQueueName } from './eventsQueueName.js';
import { FUNCTION_TIMEOUT_SECONDS } from './functionTimeout.js';
import { ncrontab } from './ncrontab.js';
import type { Parser } from './parser.js';
import { rateLimits } from './rateLimits.js';
import { serviceUrl } from './serviceUrl.js';
import { storageName } from './storageName.js';
import { webhookSecrets } from './webhookSecrets.js';
import { wholeNumber } from './wholeNumber.js';

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

/** A row of the table as written: the {@link Setting} it documents plus the parser `loadConfig` applies. */
export interface Definition<T> extends Omit<Setting, 'name'> {
  readonly parse: Parser<T>;
}

function define<T>(definition: Definition<T>): Definition<T> {
  return definition;
}

/** The table itself, keyed by setting name in README order; `loadConfig` parses with it. */
export const DEFINITIONS = {
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
      'the webhook signing secrets, space-separated, each whsec_<base64> of 24+ bytes (list the new one beside the old ' +
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
    description:
      'the queue Event Grid writes BlobCreated events to (at most 56 characters, so that its poison queue ' +
      '<name>-poison fits the 63-character limit on queue names)',
    parse: eventsQueueName(),
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
      'how long one invocation may spend retrying before handing the work to the timer, in seconds ' +
      `(1–${FUNCTION_TIMEOUT_SECONDS - 1}: shorter than host.json's functionTimeout)`,
    parse: wholeNumber(1, 3600),
  }),
  POLL_BUDGET_SECONDS: define({
    required: false,
    default: '240',
    secret: false,
    description: `how long one polling run may work, in seconds (1–${FUNCTION_TIMEOUT_SECONDS - 1}: shorter than host.json's functionTimeout)`,
    parse: wholeNumber(1, 3600),
  }),
  POLL_CONCURRENCY: define({
    required: false,
    default: '8',
    secret: false,
    description:
      'how many ledger records one polling run works on at once (1–64); at most half of them drive creates, the rest follow submissions',
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
  SWEEP_SCHEDULE: define({
    required: false,
    default: '0 17 * * * *',
    secret: false,
    description:
      'when the reconciliation sweep runs (it drives blobs whose BlobCreated event never arrived), as a ' +
      'six-field NCRONTAB expression',
    parse: ncrontab(),
  }),
  SWEEP_BUDGET_SECONDS: define({
    required: false,
    default: '240',
    secret: false,
    description: `how long one sweep run may work, in seconds (1–${FUNCTION_TIMEOUT_SECONDS - 1}: shorter than host.json's functionTimeout); the next run goes on from its cursor`,
    parse: wholeNumber(1, 3600),
  }),
  SWEEP_GRACE_MINUTES: define({
    required: false,
    default: '15',
    secret: false,
    description:
      'how old a blob unknown to the ledger must be before the sweep drives it, in minutes (0–1440): ' +
      'younger ones are left for their event',
    parse: wholeNumber(0, 1440),
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
  FLEET_NEWS: define({
    required: false,
    default: 'false',
    secret: false,
    description:
      'true to share 429 pauses and circuit-breaker openings between every process using the API key, ' +
      'through the blob fleet/news.json in LEDGER_CONTAINER (docs/pacing.md, "Fleet news"); false keeps ' +
      'them per process',
    parse: z.enum(['true', 'false'], 'must be true or false').transform((value) => value === 'true'),
  }),
  FLEET_PACING: define({
    required: false,
    default: 'false',
    secret: false,
    description:
      "true to pace every rate-limit bucket at this process's share of one fleet-wide rate, divided among " +
      'the processes with work through blobs under fleet/members/ in LEDGER_CONTAINER (docs/pacing.md, ' +
      '"Fleet pacing"); false paces each process as if it were alone',
    parse: z.enum(['true', 'false'], 'must be true or false').transform((value) => value === 'true'),
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

/** The name of a setting in the table. */
export type SettingName = keyof typeof DEFINITIONS;

/** Each setting's parsed value, or undefined when it is unset (or failed to parse). */
export type ParsedValues = { [K in SettingName]: z.output<(typeof DEFINITIONS)[K]['parse']> | undefined };

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

/**
 * The schedule the timer registers: `POLL_SCHEDULE` as the app's one NCRONTAB grammar reads it (normalised
 * as `loadConfig` normalises it), or the documented default when it is unset, blank or not valid.
 *
 * Resolved here rather than bound as `%POLL_SCHEDULE%` because the host cannot resolve an unset binding
 * expression and then never runs the safety net (docs/design.md, decision 9). An invalid value registers
 * the default rather than a schedule the host may refuse to index: the start-up check names the bad
 * setting, and each run fails with that same error until it is fixed (decision 11), which a timer that
 * never fires would not say.
 */
export function pollScheduleToRegister(env: Record<string, string | undefined> = process.env): string {
  return scheduleToRegister('POLL_SCHEDULE', env);
}

/** The schedule the sweep timer registers: `SWEEP_SCHEDULE`, resolved as {@link pollScheduleToRegister} does. */
export function sweepScheduleToRegister(env: Record<string, string | undefined> = process.env): string {
  return scheduleToRegister('SWEEP_SCHEDULE', env);
}

function scheduleToRegister(
  name: 'POLL_SCHEDULE' | 'SWEEP_SCHEDULE',
  env: Record<string, string | undefined>,
): string {
  const parsed = DEFINITIONS[name].parse.safeParse(settingOrDefault(name, env));
  const documentedDefault = settingOrDefault(name, {});
  return parsed.success ? parsed.data : documentedDefault;
}
