/**
 * `npm start`: the whole pipeline on one machine, on embedded defaults.
 *
 * Azurite (in memory, or under `.azurite/` with --persist) · the MediaMagic emulator with a sandbox key
 * (unless settings point at the real API) · a webhook subscription wired to the local receiver · a local
 * event bridge playing Event Grid (Azurite raises no events) · the four functions, under `func start` when
 * Azure Functions Core Tools are installed, otherwise under the in-process dev host; with `--instances N`,
 * in the processes Flex Consumption would give them (./hostFleet.ts). Ctrl-C stops it all.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAzurite, type AzuriteInstance } from '../devkit/azurite.js';
import { freePort } from '../devkit/freePort.js';
import { stopChild } from '../devkit/stopChild.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import { DEVELOPMENT_STORAGE_CONNECTION_STRING } from '../shared/config/connectionString.js';
import { settingOrDefault } from '../shared/config/settings.js';
import { createMediaMagicResilience } from '../shared/mediamagic/resilience.js';
import { MediaMagicClient } from '../shared/mediamagic/client.js';
import { silentLogger } from '../shared/logger.js';
import { boundedStorageClient } from '../shared/storage/tryTimeout.js';
import { startEventBridge, type EventBridge } from './devHost/eventBridge.js';
import { fleetPlan, startHostFleet } from './hostFleet.js';
import { describeInstancesError, parseInstances } from './instancesFlag.js';

const USAGE = `Usage: npm start -- [options]

Starts Azurite, the MediaMagic emulator, the local event bridge and the four functions (the queue
trigger, the webhook receiver, the polling timer and the reconciliation sweep's timer).

Options:
  --persist          keep Azurite's data under .azurite/ (default: in memory)
  --free-ports       pick free ports for everything (default: Azurite 10000-10002, emulator 4010, functions 7071)
  --port N           the functions' HTTP port (default 7071)
  --dev-host         use the in-process dev host even when Azure Functions Core Tools (func) are installed
  --instances N      run the functions the way Azure Flex Consumption does: the queue trigger in N dev-host
                     processes sharing the queue, the timers in one process, the webhook receiver (HTTP) in
                     another, each process's lines prefixed [queue-1] … [timers] [http]. Default 1: every
                     function in one process. More than 1 always uses the dev host, even with func installed
  --no-settings-file do not write local.settings.json
  --help             this text`;

const root = path.resolve(__dirname, '../..');

async function main(): Promise<void> {
  const flags = readFlags();
  if (flags.help) return void console.log(USAGE);
  const instances = parseInstances(flags.instances);
  if (!instances.ok) usageError(describeInstancesError(instances.error));
  const free = flags['free-ports'];
  const say = (line: string): void => console.log(`[start] ${line}`);
  const settingsFile = path.join(root, 'local.settings.json');
  const fileValues = readSettingsFile(settingsFile);
  const settings: Record<string, string | undefined> = { ...fileValues.values, ...process.env };
  const cleanup: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      for (const stop of cleanup.reverse()) await stop().catch(() => undefined);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    // 1. Storage: the user's account if settings name one, else Azurite.
    let storage = settings.AzureWebJobsStorage;
    if (!storage || storage === 'UseDevelopmentStorage=true' || fileValues.generated) {
      const azurite: AzuriteInstance = await startAzurite({
        ...(flags.persist ? { location: ensureDir(path.join(root, '.azurite')) } : {}),
        ...(free ? {} : { blobPort: 10000, queuePort: 10001, tablePort: 10002 }),
      });
      cleanup.push(() => azurite.stop());
      storage = free ? azurite.connectionString : DEVELOPMENT_STORAGE_CONNECTION_STRING;
      say(
        `Azurite ${flags.persist ? 'persisting under .azurite/' : 'in memory'}: blob ${azurite.blobEndpoint}, queue ${azurite.queueEndpoint}`,
      );
    }

    // 2. MediaMagic: the real API only when both its URL and a key are configured; else the emulator.
    const functionsPort = flags.port ? Number(flags.port) : free ? await freePort() : 7071;
    const hostUrl = `http://127.0.0.1:${functionsPort}`;
    const realApi = isRealApi(settings) && !fileValues.generated;
    let apiUrl = settings.MEDIAMAGIC_API_BASE_URL ?? '';
    let apiKey = settings.MEDIAMAGIC_API_KEY ?? '';
    let webhookSecrets = settings.MEDIAMAGIC_WEBHOOK_SECRETS ?? '';
    let emulator: EmulatorHandle | undefined;
    if (!realApi) {
      emulator = await startEmulator({
        storageConnectionString: storage,
        port: free ? 0 : 4010,
        allowInsecureWebhookUrls: true,
      });
      const running = emulator;
      cleanup.push(() => running.stop());
      apiUrl = emulator.url;
      apiKey = emulator.sandboxKey ?? '';
      webhookSecrets = await subscribeLocalReceiver(apiUrl, apiKey, `${hostUrl}/api/webhooks/mediamagic`);
      say(
        `MediaMagic emulator: ${apiUrl} (sandbox key ${mask(apiKey)}); webhooks → ${hostUrl}/api/webhooks/mediamagic`,
      );
    } else {
      say(
        `MediaMagic API: ${apiUrl} (from your settings). Webhooks cannot reach localhost from the internet: polling alone completes submissions.`,
      );
    }

    // 3. The settings every process shares.
    const env: Record<string, string> = {
      ...definedOnly(fileValues.generated ? {} : fileValues.values),
      AzureWebJobsStorage: storage,
      MEDIAMAGIC_API_BASE_URL: apiUrl,
      MEDIAMAGIC_API_KEY: apiKey,
      ...(webhookSecrets ? { MEDIAMAGIC_WEBHOOK_SECRETS: webhookSecrets } : {}),
      // Locally, poll every 10 s rather than every minute so a demo finishes quickly.
      POLL_SCHEDULE:
        settings.POLL_SCHEDULE && !fileValues.generated ? settings.POLL_SCHEDULE : '*/10 * * * * *',
      // And sweep every 5 minutes rather than hourly, so a blob the bridge missed (uploaded while the stack
      // was down, with --persist) is picked up during a session; the grace period still applies.
      SWEEP_SCHEDULE:
        settings.SWEEP_SCHEDULE && !fileValues.generated ? settings.SWEEP_SCHEDULE : '0 */5 * * * *',
    };
    for (const name of ['SOURCE_CONTAINER', 'BLOB_EVENTS_QUEUE'])
      env[name] = settingOrDefault(name as 'SOURCE_CONTAINER', { ...settings, ...env });
    if (!flags['no-settings-file'] && (!fileValues.exists || fileValues.generated)) {
      writeSettingsFile(settingsFile, env);
      say(`wrote local.settings.json (used by the CLI and by func start)`);
    }

    // 4. The event bridge: Event Grid's part, since Azurite raises no events.
    // Bounded like the app's own storage calls: a frozen Azurite fails a bridge poll, it does not hang it.
    const blobs = boundedStorageClient((options) => BlobServiceClient.fromConnectionString(storage, options));
    const queues = boundedStorageClient((options) =>
      QueueServiceClient.fromConnectionString(storage, options),
    );
    const bridge: EventBridge = await startEventBridge(
      blobs.getContainerClient(env.SOURCE_CONTAINER as string),
      queues.getQueueClient(env.BLOB_EVENTS_QUEUE as string),
      { log: (m) => say(`bridge: ${m}`) },
    );
    cleanup.push(() => bridge.stop());

    // 5. The functions.
    const hostEnv = { ...process.env, ...env };
    let hosts: { role: string; pid: number | undefined }[];
    if (instances.instances === 1) {
      const host = await startFunctionsHost(functionsPort, hostEnv, flags['dev-host'], say);
      cleanup.push(() => stopChild(host, 10_000));
      host.once('exit', (code) => {
        if (!stopping) {
          say(`the functions host exited (${String(code)}); stopping`);
          void stopAll(1);
        }
      });
      hosts = [{ role: 'host', pid: host.pid }];
    } else {
      // `func start --functions` could load a subset, but N func hosts in one folder share one host id,
      // each opens an HTTP port, and each starts a language worker under the .NET host: the dev host
      // gives the same process shape in plain Node processes, and is what the tests exercise.
      if (!flags['dev-host'] && hasCoreTools())
        say(
          `--instances ${instances.instances}: using the in-process dev host, not func start, for every process`,
        );
      say(
        `functions: in-process dev host as Flex Consumption runs them — the queue trigger in ${instances.instances} processes, the timers in one, the webhook receiver (HTTP) in one`,
      );
      // Several processes share one key: pace and pause them as one fleet, as the Bicep does in Azure,
      // unless the settings say otherwise (docs/pacing.md, "Fleet pacing").
      const fleetEnv = {
        ...hostEnv,
        FLEET_NEWS: settings.FLEET_NEWS ?? 'true',
        FLEET_PACING: settings.FLEET_PACING ?? 'true',
      };
      say(`fleet: FLEET_NEWS=${fleetEnv.FLEET_NEWS}, FLEET_PACING=${fleetEnv.FLEET_PACING}`);
      const fleet = startHostFleet(fleetPlan(instances.instances), {
        appRoot: root,
        port: functionsPort,
        env: fleetEnv,
      });
      cleanup.push(() => fleet.stop());
      await fleet.ready;
      void fleet.exited.then(({ label, code, signal }) => {
        if (!stopping) {
          say(`the ${label} process exited (${String(code ?? signal)}); stopping`);
          void stopAll(1);
        }
      });
      hosts = fleet.members.map(({ label, child }) => ({ role: label, pid: child.pid }));
    }

    // The key is shown masked; a machine that needs it (the tests, a script) reads it from an owner-only file.
    const keysFile = writeKeysFile({ apiKey, webhookSecrets });
    cleanup.push(() => Promise.resolve(rmSync(path.dirname(keysFile), { recursive: true, force: true })));
    console.log(
      `STACK_READY ${JSON.stringify({ storage, apiUrl, apiKey: mask(apiKey), keysFile, hostUrl, webhookUrl: `${hostUrl}/api/webhooks/mediamagic`, sourceContainer: env.SOURCE_CONTAINER, hosts })}`,
    );
    say('ready. Next:');
    say(`  npx mediamagic-autosubmit upload path/to/video.mp4    # into container "${env.SOURCE_CONTAINER}"`);
    say('  npx mediamagic-autosubmit status                      # watch it go to complete');
    say(
      `  results land in container "${settingOrDefault('RESULTS_CONTAINER', env)}"; Ctrl-C stops everything`,
    );
  } catch (error) {
    console.error(`[start] failed: ${error instanceof Error ? error.message : String(error)}`);
    if (String(error).includes('EADDRINUSE'))
      console.error('[start] a port is taken: stop the other process, or run `npm start -- --free-ports`');
    await stopAll(1);
  }
}

async function startFunctionsHost(
  port: number,
  env: NodeJS.ProcessEnv,
  forceDevHost: boolean,
  say: (line: string) => void,
): Promise<ChildProcess> {
  const hasFunc = !forceDevHost && hasCoreTools();
  const child = hasFunc
    ? spawn('func', ['start', '--port', String(port)], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, [path.join(root, 'dist/scripts/devHost/main.js'), '--port', String(port)], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
  say(
    hasFunc
      ? 'functions: func start (Azure Functions Core Tools)'
      : 'functions: in-process dev host (Azure Functions Core Tools not found; a development convenience, not the production host)',
  );
  await new Promise<void>((resolve, reject) => {
    const ready = hasFunc ? /Host lock lease acquired|Functions:/ : /DEV_HOST_READY/;
    const timer = setTimeout(() => reject(new Error('the functions host did not start within 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (ready.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the functions host exited with code ${String(code)} before it was ready`));
    });
  });
  return child;
}

function readFlags() {
  try {
    return parseArgs({
      options: {
        persist: { type: 'boolean', default: false },
        'free-ports': { type: 'boolean', default: false },
        port: { type: 'string' },
        'dev-host': { type: 'boolean', default: false },
        instances: { type: 'string' },
        'no-settings-file': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    // An unknown flag, or a value that looks like a flag (`--instances -1`): a usage error, not a crash.
    return usageError(error instanceof Error ? error.message : String(error));
  }
}

/** Exit code 2, as for every usage error of the CLI. */
function usageError(message: string): never {
  console.error(`[start] ${message}\n\n${USAGE}`);
  process.exit(2);
}

function hasCoreTools(): boolean {
  return spawnSync('func', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function subscribeLocalReceiver(apiUrl: string, apiKey: string, endpointUrl: string): Promise<string> {
  const client = new MediaMagicClient({
    baseUrl: apiUrl,
    apiKey,
    logger: silentLogger,
    resilience: createMediaMagicResilience(),
  });
  try {
    const created = await client.createWebhookSubscription({
      endpointUrl,
      eventTypes: ['asset.processing.completed', 'asset.processing.failed'],
      description: 'npm start: local receiver',
    });
    if (!created.ok)
      throw new Error(`could not create the local webhook subscription: ${created.failure.message}`);
    return created.value.secret;
  } finally {
    await client.close();
  }
}

function isRealApi(settings: Record<string, string | undefined>): boolean {
  const url = settings.MEDIAMAGIC_API_BASE_URL;
  if (!url || !settings.MEDIAMAGIC_API_KEY || settings.MEDIAMAGIC_API_KEY.includes('replace_with'))
    return false;
  try {
    return !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

interface SettingsFile {
  readonly exists: boolean;
  /** Written by a previous `npm start` (so it may be rewritten with this run's ports and keys). */
  readonly generated: boolean;
  readonly values: Record<string, string>;
}

const GENERATED_MARKER = 'MEDIAMAGIC_LOCAL_STACK';

function readSettingsFile(file: string): SettingsFile {
  if (!existsSync(file)) return { exists: false, generated: false, values: {} };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, string> };
  const values = parsed.Values ?? {};
  return { exists: true, generated: values[GENERATED_MARKER] === 'true', values };
}

function writeSettingsFile(file: string, env: Record<string, string>): void {
  const sample = JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  const values = { ...sample.Values, ...env, [GENERATED_MARKER]: 'true' };
  // It holds the API key and webhook secrets: readable by its owner only.
  writeFileSync(file, `${JSON.stringify({ IsEncrypted: false, Values: values }, null, 2)}\n`, {
    mode: 0o600,
  });
  chmodSync(file, 0o600);
}

/**
 * Writes the stack's secrets to a fresh owner-only file (in a directory only its owner may enter) and returns
 * its path, so `STACK_READY` can show the key masked.
 */
function writeKeysFile(keys: { readonly apiKey: string; readonly webhookSecrets: string }): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mediamagic-stack-')), 'keys.json');
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  return file;
}

function definedOnly(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function mask(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}…${key.slice(-4)}` : '…';
}

void main();
