/**
 * Loads a compiled app the way the Azure Functions Node worker does: every file matched by package.json
 * `main`, in sorted order, with `@azure/functions-core` answered by the stand-in, collecting what the app
 * registered. The dev host runs what it returns, the cold-start benchmark times it, and the registration
 * test checks it, so all three see the registrations the real host would.
 */
import { globSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import {
  withFunctionsCoreStandIn,
  type FunctionMetadata,
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
  const requireFromApp = Module.createRequire(path.join(appRoot, 'package.json'));
  withFunctionsCoreStandIn(
    () => {
      for (const file of files) {
        try {
          const loaded = requireFromApp(path.join(appRoot, file)) as Record<string, unknown>;
          for (const [name, value] of Object.entries(loaded)) exports.set(name, value);
        } catch (error) {
          if (!options.keepGoing) throw error;
          errors.push({ file, message: error instanceof Error ? error.message : String(error) });
        }
      }
    },
    (metadata, handler) => registrations.push({ metadata, handler }),
  );
  return { main: pkg.main, files, registrations, exports, errors };
}
