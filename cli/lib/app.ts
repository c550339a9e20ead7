/**
 * Builds what a command needs from a validated configuration, and always closes it: the whole app (ledger,
 * storage, client) for commands that touch storage, or just the MediaMagic client for the webhook commands,
 * which must work for an operator who has API access but no storage permissions.
 */
import { buildAppDeps, type AppDeps } from '../../shared/app/appDeps.js';
import type { Config } from '../../shared/config/loadConfig.js';
import { secretsOf } from '../../shared/config/secretsOf.js';
import { Redactor, silentLogger, type Logger } from '../../shared/logger.js';
import { MediaMagicClient } from '../../shared/mediamagic/client.js';
import { createMediaMagicResilience } from '../../shared/mediamagic/resilience.js';
import type { Output } from './output.js';

/**
 * The log the pipeline and the client write: retries and state changes as JSON lines on stderr with
 * `--verbose`, nothing otherwise (the command prints its own summary).
 */
export function commandLogger(output: Output, verbose: boolean): Logger {
  if (!verbose) return silentLogger;
  const line = (level: string, message: string, props?: object): void =>
    output.err(JSON.stringify({ level, message, ...props }));
  return {
    info: (message, props) => line('info', message, props),
    warn: (message, props) => line('warn', message, props),
    error: (message, props) => line('error', message, props),
  };
}

/** Runs `work` with the app's dependencies, closing their network resources afterwards. */
export async function withAppDeps<T>(
  config: Config,
  logger: Logger,
  work: (deps: AppDeps) => Promise<T>,
): Promise<T> {
  const deps = await buildAppDeps(config, { clientLogger: logger });
  try {
    return await work(deps);
  } finally {
    await deps.close();
  }
}

/** Runs `work` with a MediaMagic client only (no storage), closing it afterwards. */
export async function withApiClient<T>(
  config: Config,
  logger: Logger,
  work: (client: MediaMagicClient) => Promise<T>,
): Promise<T> {
  const client = new MediaMagicClient({
    baseUrl: config.apiBaseUrl,
    apiKey: config.apiKey,
    logger: new Redactor(secretsOf(config)).wrap(logger),
    resilience: createMediaMagicResilience({ rateLimits: config.rateLimits }),
    timeouts: config.timeouts,
    extraSecrets: config.webhookSecrets,
  });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
