/**
 * The measured process of the cold-start benchmark: a fresh Node process that imports what a cold
 * Functions worker would, and reports how long the imports took.
 *
 * Usage: node dist/bench/coldStartChild.js <functions|storage-blob|module:<name>> <app root>
 * - `functions`: every file matched by package.json `main` (dist/functions/*.js), in order, with a stand-in
 *   for the worker's `@azure/functions-core` — devkit/loadLikeWorker.ts, as the dev host loads it. Then
 *   the first invocation of each registered function (the handler each entry file exports under the
 *   function's name), without settings: each loads what it defers to its first invocation and stops at the
 *   settings check, so the time is the deferred imports (plus one failed settings parse), not storage I/O.
 * - `storage-blob`: `@azure/storage-blob` alone, the floor any blob-handling function pays.
 * - `module:<name>`: one package alone (for the per-dependency breakdown).
 *
 * Prints one line `COLD_START {json}`: `importMs` (the imports only), `sinceStartMs` (process start to the
 * end of the imports, Node's own bootstrap included) and, for `functions`, `firstCallsMs` (the first
 * invocations, one after another). Only built-in modules and the two small devkit loaders are loaded before
 * the clock starts.
 */
import Module from 'node:module';
import path from 'node:path';
import { withFunctionsCoreStandIn } from '../devkit/functionsCoreStandIn.js';
import { loadLikeWorker } from '../devkit/loadLikeWorker.js';

type Handler = (input: unknown, context: unknown) => Promise<unknown>;

async function main(): Promise<void> {
  const [mode, root = process.cwd()] = process.argv.slice(2);
  const appRoot = path.resolve(root);
  const load = Module.createRequire(path.join(appRoot, 'package.json'));
  const started = performance.now();
  let handlers: Handler[] = [];
  if (mode === 'functions') {
    handlers = importFunctions(appRoot);
  } else if (mode === 'functions-telemetry') {
    // Telemetry on, pointed at a closed loopback port (and anything else HTTPS at a dead loopback proxy):
    // the distro loads and starts exactly as in Azure, and nothing leaves the machine.
    process.env.APPLICATIONINSIGHTS_CONNECTION_STRING =
      'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/';
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    handlers = importFunctions(appRoot);
  } else if (mode === 'storage-blob') {
    load('@azure/storage-blob');
  } else if (mode?.startsWith('module:')) {
    withFunctionsCoreStandIn(() => {
      load(mode.slice('module:'.length));
    });
  } else {
    throw new Error(
      'usage: coldStartChild <functions|functions-telemetry|storage-blob|module:<name>> <root>',
    );
  }
  const ended = performance.now();
  for (const handler of handlers) await firstInvocation(handler);
  const firstCallsMs = performance.now() - ended;
  const registered = handlers.length;
  console.log(
    `COLD_START ${JSON.stringify({ mode, importMs: ended - started, sinceStartMs: ended, registered, firstCallsMs })}`,
  );
  // The distro keeps export timers running; the measurement is done.
  if (mode === 'functions-telemetry') process.exit(0);
}

/**
 * Invokes `handler` once without settings and checks it stopped where it should: at the settings check,
 * after loading everything it defers (a ConfigError thrown, or the webhook's 500). Anything else — a
 * deferred module that failed to load, say — would make the time meaningless, so it fails the run.
 */
async function firstInvocation(handler: Handler): Promise<void> {
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
  try {
    const answer = (await handler(undefined, silent)) as { status?: number } | undefined;
    if (answer?.status === 500) return;
    throw new Error(`a handler ran without settings: ${JSON.stringify(answer)}`);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MM_CONFIG_INVALID') return;
    throw error;
  }
}

/**
 * Requires the entry files the way the worker does; returns the exported handler of each registered
 * function (each entry file exports it under the function's name).
 */
function importFunctions(appRoot: string): Handler[] {
  const loaded = loadLikeWorker(appRoot);
  return loaded.registrations.map(({ metadata: { name } }) => {
    const handler = loaded.exports.get(name);
    if (typeof handler !== 'function') throw new Error(`no exported handler named ${name}`);
    return handler as Handler;
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
