/**
 * The in-process development host: a stand-in for `func start` when Azure Functions Core Tools are not
 * installed. It loads the compiled app exactly as the Node worker would and drives the registered handlers
 * by their binding metadata — queue polling, the timer schedule, the HTTP routes.
 *
 * It is a development convenience, not the production host: no App Insights, no host keys. It does not
 * scale out by itself; `npm start -- --instances N` runs several of it, each with `--only`, to take the
 * shape Flex Consumption gives the app (./hostRoles.ts).
 * Settings come from the environment (the same names as local.settings.json `Values`).
 * Usage: node dist/scripts/devHost/main.js [--port 7071] [--only queue,timers,http]
 */
import { QueueServiceClient } from '@azure/storage-queue';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { boundedStorageClient } from '../../shared/storage/tryTimeout.js';
import { readHostQueueSettings } from './hostQueueSettings.js';
import { HOST_ROLES, parseHostRoles, roleOf } from './hostRoles.js';
import { startHttpHost } from './httpHost.js';
import { loadApp, resolveSetting, runTerminateHooks } from './loadApp.js';
import { startQueueDriver } from './queueDriver.js';
import { startTimerDriver } from './timerDriver.js';

/**
 * How long the app's appTerminate hooks may run on shutdown: well inside the 10 s the launchers give a
 * process before SIGKILL (scripts/start.ts, scripts/hostFleet.ts).
 */
const TERMINATE_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7071' },
      'app-root': { type: 'string' },
      only: { type: 'string' },
    },
  });
  const only = parseHostRoles(values.only);
  if (!only.ok) {
    console.error(
      `--only: unknown role "${only.error.value}" (one or more of ${HOST_ROLES.join(', ')}, comma-separated)`,
    );
    process.exit(2);
  }
  const roles = only.roles;
  const appRoot = path.resolve(values['app-root'] ?? path.join(__dirname, '../../..'));
  const log = (fn: string, level: string, message: string): void => {
    const line = `[${new Date().toISOString()}] ${fn} ${level}: ${message}`;
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  const { functions, terminateHooks } = loadApp(appRoot);
  log(
    'host',
    'information',
    `loaded ${functions.length} functions: ${functions.map((f) => `${f.name} (${f.trigger.type})`).join(', ')}`,
  );
  // Every process loads the whole app, as every Flex instance does; it drives only its own share.
  const driven = functions.filter((f) => {
    const role = roleOf(f.trigger.type);
    return role !== undefined && roles.has(role);
  });
  if (roles.size < HOST_ROLES.length)
    log(
      'host',
      'information',
      `--only ${[...roles].join(',')}: driving ${driven.map((f) => f.name).join(', ') || 'no function'}`,
    );

  const storage = process.env.AzureWebJobsStorage;
  if (!storage)
    throw new Error(
      'AzureWebJobsStorage is not set (the dev host needs a connection string; managed identity is for Azure)',
    );
  // Bounded like the app's own storage calls: a frozen Azurite fails the driver's receive, it does not hang it.
  const queues = boundedStorageClient((options) => QueueServiceClient.fromConnectionString(storage, options));
  const queueSettings = readHostQueueSettings(appRoot);
  const stops: (() => Promise<void>)[] = [];

  for (const fn of driven) {
    if (fn.trigger.type === 'queueTrigger') {
      const name = resolveSetting(String(fn.trigger.queueName), process.env);
      const driver = startQueueDriver(fn, {
        queue: queues.getQueueClient(name),
        poison: queues.getQueueClient(`${name}-poison`),
        ...queueSettings,
        log,
      });
      stops.push(() => driver.stop());
      log(
        'host',
        'information',
        `${fn.name}: polling queue ${name}, host.json queues ${JSON.stringify(queueSettings)}`,
      );
    } else if (fn.trigger.type === 'timerTrigger') {
      const schedule = resolveSetting(String(fn.trigger.schedule), process.env);
      const driver = startTimerDriver(fn, schedule, log);
      stops.push(() => driver.stop());
      log('host', 'information', `${fn.name}: timer "${schedule}"`);
    }
  }
  // A process without the HTTP share opens no port, so several can run beside the one that serves HTTP.
  const http = roles.has('http')
    ? await startHttpHost(driven, { port: Number(values.port), log })
    : undefined;
  if (http) stops.push(() => http.stop());
  // A machine-readable line for the launcher and tests; humans read the lines around it.
  console.log(
    `DEV_HOST_READY ${JSON.stringify({ ...(http ? { url: http.url } : {}), roles: [...roles], pid: process.pid })}`,
  );
  log(
    'host',
    'information',
    http
      ? `HTTP functions at ${http.url}/api/… — this is a development host, not the Azure Functions runtime`
      : 'no HTTP functions in this process — this is a development host, not the Azure Functions runtime',
  );

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log('host', 'information', `${signal}: stopping`);
    // Triggers first (no new invocations), then the app's appTerminate hooks, as the host's graceful
    // shutdown does: the app leaves the fleet there (docs/pacing.md, "Fleet pacing").
    void Promise.all(stops.map((s) => s()))
      .then(() => runTerminateHooks(terminateHooks, TERMINATE_GRACE_MS, (m) => log('host', 'warning', m)))
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`dev host failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
