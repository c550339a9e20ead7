/**
 * Loads a compiled app the way the Azure Functions Node worker does: every file matched by package.json
 * `main`, in sorted order, with `@azure/functions-core` answered by the stand-in, collecting what the app
 * registered. The dev host runs what it returns, the cold-start benchmark times it, and the registration
 * test checks it, so all three see the registrations the real host would. Like the worker, it refuses an
 * app that registers one function name twice, naming both entry files.
 */
import { globSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import {
  DuplicateFunctionError,
  withFunctionsCoreStandIn,
  type FunctionMetadata,
  type HookCallback,
  type RegisteredHandler,
} from './functionsCoreStandIn.js';

/** One `registerFunction` call. */
export interface Registration {
  readonly metadata: FunctionMetadata;
  readonly handler: RegisteredHandler;
}

/** An entry file that threw while loading. */
export interface LoadError {
  readonly file: string;
  readonly message: string;
}

/** What loading the app found. */
export interface LoadedApp {
  /** package.json `main`, the glob the worker expands. */
  readonly main: string;
  /** The files it matched, relative to the app root, in the order they were loaded. */
  readonly files: readonly string[];
  /** Every registration, in order. */
  readonly registrations: readonly Registration[];
  /** Every entry file's exports by name (a later file's export of the same name wins). */
  readonly exports: ReadonlyMap<string, unknown>;
  /** The `appTerminate` hooks the app registered: the host runs them on a graceful shutdown. */
  readonly terminateHooks: readonly HookCallback[];
  /** Entry files that threw; always empty unless `keepGoing` (otherwise the first error is thrown). */
  readonly errors: readonly LoadError[];
}

/** Options for {@link loadLikeWorker}. */
export interface LoadOptions {
  /** Record an entry file that throws and load the rest, as a report wants, instead of throwing. */
  readonly keepGoing?: boolean;
}

/** Requires the app's entry files under `appRoot` and returns what they registered and exported. */
export function loadLikeWorker(appRoot: string, options: LoadOptions = {}): LoadedApp {
  const pkg = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main: string };
  const files = globSync(pkg.main, { cwd: appRoot }).sort();
  const registrations: Registration[] = [];
  const exports = new Map<string, unknown>();
  const errors: LoadError[] = [];
  const terminateHooks: HookCallback[] = [];
  const requireFromApp = Module.createRequire(path.join(appRoot, 'package.json'));
  // Which entry file registered each name, so a duplicate can name both registrations.
  const registeredBy = new Map<string, string>();
  let loading = '';
  withFunctionsCoreStandIn(
    () => {
      for (const file of files) {
        loading = file;
        try {
          const loaded = requireFromApp(path.join(appRoot, file)) as Record<string, unknown>;
          for (const [name, value] of Object.entries(loaded)) exports.set(name, value);
        } catch (caught) {
          const error =
            caught instanceof DuplicateFunctionError ? naming(caught, registeredBy, file) : caught;
          if (!options.keepGoing) throw error;
          errors.push({ file, message: error instanceof Error ? error.message : String(error) });
        }
      }
    },
    (metadata, handler) => {
      registeredBy.set(metadata.name, loading);
      registrations.push({ metadata, handler });
    },
    (hookName, callback) => {
      if (hookName === 'appTerminate') terminateHooks.push(callback);
    },
  );
  return { main: pkg.main, files, registrations, exports, terminateHooks, errors };
}

/** The stand-in's duplicate error again, its message naming the file of each registration. */
function naming(
  error: DuplicateFunctionError,
  registeredBy: ReadonlyMap<string, string>,
  file: string,
): DuplicateFunctionError {
  const first = registeredBy.get(error.functionName) ?? 'an earlier file';
  return new DuplicateFunctionError(
    error.functionName,
    `function "${error.functionName}" is registered twice, first by ${first} and again by ${file}; the Functions worker refuses to load such an app (a stale file left in dist/ by a renamed function does this: rebuild with npm run build)`,
  );
}
