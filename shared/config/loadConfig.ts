/**
 * The app's settings, validated once at start-up (docs/design.md, decision 11).
 *
 * A bad deployment fails at start-up with ONE error that names every missing or bad setting, instead of
 * failing later, one file at a time. Secret values never appear in an error message. The settings and
 * their parsers are the table in `settings.ts`; this module applies it and assembles the {@link Config}.
 *
 * This is the one module that throws: a process without valid settings must not start.
 */
import type { z } from 'zod';
import type { Bucket } from '../mediamagic/buckets.js';
import { ConfigError } from './configError.js';
import { budgetTimeoutProblems } from './functionTimeout.js';
import type { BucketPace } from './rateLimits.js';
import { DEFINITIONS, type Definition, type ParsedValues, type SettingName } from './settings.js';
import { resolveStorage, type StorageSettings } from './storageSettings.js';

/** `copy`: server-side copy into MediaMagic's upload URL. `passthrough`: the blob already is in MediaMagic's storage. */
export type IngestMode = 'copy' | 'passthrough';

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
  /** Six-field NCRONTAB expression for the reconciliation sweep's timer. */
  readonly sweepSchedule: string;
  readonly sweepBudgetSeconds: number;
  /** How old an unclaimed blob must be before the sweep drives it (0: at once). */
  readonly sweepGraceMinutes: number;
  readonly webhookMaxBodyBytes: number;
  readonly timeouts: ApiTimeouts;
  /** Configured pace per bucket; a bucket without an entry is paced only by what 429s teach. */
  readonly rateLimits: Readonly<Partial<Record<Bucket, BucketPace>>>;
  /** Share 429 pauses and breaker openings with the other processes using the key (`FLEET_NEWS`). */
  readonly fleetNews: boolean;
  /** Pace each bucket at this process's share of one fleet-wide rate (`FLEET_PACING`). */
  readonly fleetPacing: boolean;
  readonly copyBlockSizeMb: number;
  readonly copyConcurrency: number;
}

/**
 * Loads and validates every setting. Throws a single {@link ConfigError} naming each problem; returns a
 * frozen {@link Config} otherwise. Blank values count as unset (app settings cannot always be deleted).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values = parseSettings(env, problems);
  const storage = resolveStorage(values, problems);
  checkContainersDiffer(values, problems);
  problems.push(...budgetTimeoutProblems(values));
  if (problems.length > 0 || storage === undefined) throw new ConfigError(problems);
  return deepFreeze(assemble(values, storage));
}

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
    sweepSchedule: v.SWEEP_SCHEDULE,
    sweepBudgetSeconds: v.SWEEP_BUDGET_SECONDS,
    sweepGraceMinutes: v.SWEEP_GRACE_MINUTES,
    webhookMaxBodyBytes: v.WEBHOOK_MAX_BODY_BYTES,
    timeouts: {
      connectMs: v.MEDIAMAGIC_CONNECT_TIMEOUT_MS,
      headersMs: v.MEDIAMAGIC_HEADERS_TIMEOUT_MS,
      bodyMs: v.MEDIAMAGIC_BODY_TIMEOUT_MS,
    },
    rateLimits: values.MEDIAMAGIC_RATE_LIMITS ?? {},
    fleetNews: v.FLEET_NEWS,
    fleetPacing: v.FLEET_PACING,
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
