/**
 * The measured process of the cold-start benchmark: a fresh Node process that imports what a cold
 * Functions worker would, and reports how long the imports took.
 *
 * Usage: node dist/bench/coldStartChild.js <functions|functions-without-identity|storage-blob|module:<name>>
 *                                         <app root>
 * - `functions`: every file matched by package.json `main` (dist/functions/*.js), in order, with a stand-in
 *   for the worker's `@azure/functions-core` — as test/support/loadLikeWorker.cjs and the dev host do.
 * - `functions-without-identity`: the same with `@azure/identity` answered by an empty stand-in — what
 *   the import would cost if the composition root loaded it only when storage uses a managed identity.
 * - `storage-blob`: `@azure/storage-blob` alone, the floor any blob-handling function pays.
 * - `module:<name>`: one package alone (for the per-dependency breakdown).
 *
 * Prints one line `COLD_START {json}`: `importMs` (the imports only) and `sinceStartMs` (process start to
 * the end of the imports, Node's own bootstrap included). Only built-in modules are loaded before the clock
 * starts.
 */
import { globSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;

/** Modules answered by a stand-in instead of being loaded (see the modes above). */
const stubs: Record<string, unknown> = {};

function main(): void {
  const [mode, root = process.cwd()] = process.argv.slice(2);
  const appRoot = path.resolve(root);
  const load = Module.createRequire(path.join(appRoot, 'package.json'));
  const started = performance.now();
  let registered = 0;
  if (mode === 'functions') {
    registered = importFunctions(appRoot, load);
  } else if (mode === 'functions-without-identity') {
    stubs['@azure/identity'] = { DefaultAzureCredential: class {} };
    registered = importFunctions(appRoot, load);
  } else if (mode === 'storage-blob') {
    load('@azure/storage-blob');
  } else if (mode?.startsWith('module:')) {
    withFakeCore(() => {
      load(mode.slice('module:'.length));
    });
  } else {
    throw new Error(
      'usage: coldStartChild <functions|functions-without-identity|storage-blob|module:<name>> <root>',
    );
  }
  const ended = performance.now();
  console.log(
    `COLD_START ${JSON.stringify({ mode, importMs: ended - started, sinceStartMs: ended, registered })}`,
  );
}

/** Requires the entry files the way the worker does; returns how many functions registered. */
function importFunctions(appRoot: string, load: NodeJS.Require): number {
  let registered = 0;
  withFakeCore(
    () => {
      const pkg = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main: string };
      for (const file of globSync(pkg.main, { cwd: appRoot }).sort()) load(path.join(appRoot, file));
    },
    () => registered++,
  );
  return registered;
}

/** Runs `work` with `@azure/functions-core` answered by a stand-in, as the worker provides it. */
function withFakeCore(work: () => void, onRegister: () => void = () => undefined): void {
  const fakeCore = {
    version: 'bench',
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerFunction: () => {
      onRegister();
      return { dispose: () => undefined };
    },
    registerHook: () => ({ dispose: () => undefined }),
    log: () => undefined,
  };
  // The worker provides this virtual module; Module._load is the only seam that intercepts a require of it.
  const mod = Module as unknown as { _load: LoadFn };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    if (request === '@azure/functions-core') return fakeCore;
    if (request in stubs) return stubs[request];
    return original.call(this, request, parent, isMain);
  };
  work();
}

main();
