/**
 * The in-process development host: a stand-in for `func start` when Azure Functions Core Tools are not
 * installed. It loads the compiled app exactly as the Node worker would and drives the registered handlers
 * by their binding metadata — queue polling, the timer schedule, the HTTP routes.
 *
 * It is a development convenience, not the production host: no scale-out, no App Insights, no host keys.
 * Settings come from the environment (the same names as local.settings.json `Values`).
 * Usage: node dist/scripts/devHost/main.js [--port 7071]
 */
import { QueueServiceClient } from '@azure/storage-queue';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { boundedStorageClient } from '../../shared/storage/tryTimeout.js';
import { readHostQueueSettings } from './hostQueueSettings.js';
import { startHttpHost } from './httpHost.js';
import { loadApp, resolveSetting } from './loadApp.js';
import { startQueueDriver } from './queueDriver.js';
import { startTimerDriver } from './timerDriver.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '7071' }, 'app-root': { type: 'string' } },
  });
  const appRoot = path.resolve(values['app-root'] ?? path.join(__dirname, '../../..'));
  const log = (fn: string, level: string, message: string): void => {
    const line = `[${new Date().toISOString()}] ${fn} ${level}: ${message}`;
    if (level === 'error') console.error(line);
    else console.log(line);
  };
  const functions = loadApp(appRoot);
  log(
    'host',
    'information',
    `loaded ${functions.length} functions: ${functions.map((f) => `${f.name} (${f.trigger.type})`).join(', ')}`,
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

  for (const fn of functions) {
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
  const http = await startHttpHost(functions, { port: Number(values.port), log });
  stops.push(() => http.stop());
  // A machine-readable line for the launcher and tests; humans read the lines around it.
  console.log(`DEV_HOST_READY ${JSON.stringify({ url: http.url })}`);
  log(
    'host',
    'information',
    `HTTP functions at ${http.url}/api/… — this is a development host, not the Azure Functions runtime`,
  );

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log('host', 'information', `${signal}: stopping`);
    void Promise.all(stops.map((s) => s())).then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`dev host failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
