/**
 * Command-line configuration for `npm run emulator`: flags (which win) and `MM_EMULATOR_*` environment
 * variables, parsed into `startEmulator` options, plus starting an Azurite for it on request.
 */
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { BUCKETS, isBucket } from '../shared/mediamagic/buckets.js';
import { startAzurite, type AzuriteInstance } from '../devkit/azurite.js';
import {
  FaultRulesSchema,
  KeysSchema,
  parseConfig,
  RateLimitsSchema,
  WebhookChaosSchema,
} from './configSchemas.js';
import type { RateLimit, RateLimits } from './rateLimiter.js';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from './server.js';

/** The default port of a CLI-started emulator (tests use port 0). */
export const DEFAULT_CLI_PORT = 4010;

/** What the CLI was asked to do. */
export interface CliConfig {
  readonly help: boolean;
  readonly startAzurite: boolean;
  /** Options for `startEmulator`, except that the connection string is replaced when `startAzurite`. */
  readonly options: EmulatorOptions;
}

/** Usage text for `--help`. */
export const USAGE = `Usage: npm run emulator -- [options]

  --port <n>                    MM_EMULATOR_PORT              default ${DEFAULT_CLI_PORT} (0 = any free port)
  --host <addr>                 MM_EMULATOR_HOST              default 127.0.0.1
  --storage <connection>        MM_EMULATOR_STORAGE           default UseDevelopmentStorage=true
  --start-azurite               MM_EMULATOR_START_AZURITE=1   start an in-memory Azurite and use it
  --keys <json>                 MM_EMULATOR_KEYS              [{"key","workspaceId","status","tier"}] (replaces defaults)
  --rate <bucket>=<rps>[:burst] MM_EMULATOR_RATES (json)      repeatable; buckets: ${BUCKETS.join(', ')}
  --faults <json>               MM_EMULATOR_FAULTS            fault rules, see docs/emulator.md
  --webhook-chaos <json>        MM_EMULATOR_WEBHOOK_CHAOS     {"dropProbability","duplicateProbability","delayMs","reorderWindowMs"}
  --webhook-retry-ms <list>     MM_EMULATOR_WEBHOOK_RETRY_MS  comma-separated waits, e.g. 200,1000,5000
  --allow-insecure-webhooks     MM_EMULATOR_ALLOW_INSECURE_WEBHOOKS=1  accept http:// loopback webhook URLs
  --max-retry-attempts <n>      MM_EMULATOR_MAX_RETRY_ATTEMPTS       default 3
  --start-delay-ms <n>          MM_EMULATOR_START_DELAY_MS    submitted → processing, default 50
  --processing-ms <n>           MM_EMULATOR_PROCESSING_MS     processing → terminal, default 150
  --slow-ms <n>                 MM_EMULATOR_SLOW_MS           duration of .mmslow. assets, default 2000
  --seed <n>                    MM_EMULATOR_SEED              deterministic fault/chaos randomness
  --help
`;

/** Parses argv (without `node script`) and the environment. Throws with a readable message on bad input. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      storage: { type: 'string' },
      'start-azurite': { type: 'boolean' },
      keys: { type: 'string' },
      rate: { type: 'string', multiple: true },
      faults: { type: 'string' },
      'webhook-chaos': { type: 'string' },
      'webhook-retry-ms': { type: 'string' },
      'allow-insecure-webhooks': { type: 'boolean' },
      'max-retry-attempts': { type: 'string' },
      'start-delay-ms': { type: 'string' },
      'processing-ms': { type: 'string' },
      'slow-ms': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const pick = (flag: string | undefined, name: string): string | undefined =>
    flag ?? env[`MM_EMULATOR_${name}`];
  const flag = (flagValue: boolean | undefined, name: string): boolean =>
    flagValue ?? ['1', 'true', 'yes'].includes((env[`MM_EMULATOR_${name}`] ?? '').toLowerCase());
  const int = (text: string | undefined, what: string): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) throw new Error(`${what}: expected a non-negative integer, got "${text}"`);
    return Number(text);
  };

  const keys = pick(values.keys, 'KEYS');
  const faults = pick(values.faults, 'FAULTS');
  const chaos = pick(values['webhook-chaos'], 'WEBHOOK_CHAOS');
  const retryMs = pick(values['webhook-retry-ms'], 'WEBHOOK_RETRY_MS');
  const seed = int(pick(values.seed, 'SEED'), '--seed');
  const maxRetryAttempts = int(
    pick(values['max-retry-attempts'], 'MAX_RETRY_ATTEMPTS'),
    '--max-retry-attempts',
  );
  const startDelayMs = int(pick(values['start-delay-ms'], 'START_DELAY_MS'), '--start-delay-ms');
  const durationMs = int(pick(values['processing-ms'], 'PROCESSING_MS'), '--processing-ms');
  const slowMs = int(pick(values['slow-ms'], 'SLOW_MS'), '--slow-ms');
  const options: EmulatorOptions = {
    storageConnectionString: pick(values.storage, 'STORAGE') ?? 'UseDevelopmentStorage=true',
    port: int(pick(values.port, 'PORT'), '--port') ?? DEFAULT_CLI_PORT,
    host: pick(values.host, 'HOST') ?? '127.0.0.1',
    allowInsecureWebhookUrls: flag(values['allow-insecure-webhooks'], 'ALLOW_INSECURE_WEBHOOKS'),
    rates: parseRates(values.rate, env.MM_EMULATOR_RATES),
    processing: {
      ...(startDelayMs !== undefined ? { startDelayMs } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(slowMs !== undefined ? { slowMs } : {}),
    },
    ...(keys ? { keys: parseConfig(KeysSchema, keys, '--keys') } : {}),
    ...(faults ? { faults: parseConfig(FaultRulesSchema, faults, '--faults') } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(maxRetryAttempts !== undefined ? { maxRetryAttempts } : {}),
    webhooks: {
      ...(chaos ? { chaos: parseConfig(WebhookChaosSchema, chaos, '--webhook-chaos') } : {}),
      ...(retryMs
        ? { retryScheduleMs: retryMs.split(',').map((s) => int(s.trim(), '--webhook-retry-ms') ?? 0) }
        : {}),
    },
  };
  return {
    help: values.help ?? false,
    startAzurite: flag(values['start-azurite'], 'START_AZURITE'),
    options,
  };
}

/** A running CLI emulator and, if it started one, its Azurite. */
export interface Launched {
  readonly emulator: EmulatorHandle;
  readonly azurite: AzuriteInstance | undefined;
  /** Stops the emulator, then Azurite. */
  stop(): Promise<void>;
}

/** Starts what `config` describes. */
export async function launch(config: CliConfig): Promise<Launched> {
  const storage = config.options.storageConnectionString;
  // Nothing listening where the storage should be: start Azurite rather than hang on connection retries.
  const unreachable = !config.startAzurite && !(await reachable(blobEndpointOf(storage)));
  if (unreachable) {
    console.error(
      `[mediamagic-emulator] no storage answers at ${blobEndpointOf(storage)}; starting an in-memory Azurite for it`,
    );
  }
  const azurite = config.startAzurite || unreachable ? await startAzurite() : undefined;
  try {
    const emulator = await startEmulator({
      ...config.options,
      ...(azurite ? { storageConnectionString: azurite.connectionString } : {}),
    });
    return {
      emulator,
      azurite,
      stop: async () => {
        await emulator.stop();
        await azurite?.stop();
      },
    };
  } catch (error) {
    await azurite?.stop();
    throw error;
  }
}

/** The blob endpoint a connection string names (Azurite's default for `UseDevelopmentStorage=true`). */
function blobEndpointOf(connectionString: string): string {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return 'http://127.0.0.1:10000';
  return /BlobEndpoint=([^;]+)/i.exec(connectionString)?.[1] ?? '';
}

/** True when something accepts a TCP connection at the URL's host and port within two seconds. */
function reachable(url: string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(true); // not a URL we can probe (e.g. an account name form): let the SDK decide
  }
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname, port, timeout: 2_000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** `--rate bucket=rps[:burst]` flags win over the `MM_EMULATOR_RATES` JSON. Burst defaults to the rate. */
function parseRates(flags: readonly string[] | undefined, envJson: string | undefined): RateLimits {
  const rates: Partial<Record<string, RateLimit>> = envJson
    ? { ...parseConfig(RateLimitsSchema, envJson, 'MM_EMULATOR_RATES') }
    : {};
  for (const spec of flags ?? []) {
    const m = /^([a-z_]+)=(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(spec);
    if (!m?.[1] || !m[2] || !isBucket(m[1]) || Number(m[2]) <= 0) {
      throw new Error(
        `--rate: expected <bucket>=<ratePerSecond>[:<burst>] with a known bucket, got "${spec}"`,
      );
    }
    const ratePerSecond = Number(m[2]);
    rates[m[1]] = {
      ratePerSecond,
      burst: m[3] ? Math.max(1, Number(m[3])) : Math.max(1, Math.ceil(ratePerSecond)),
    };
  }
  return rates;
}
