/**
 * Loads the compiled app the way the Azure Functions Node worker does — every file matched by package.json
 * `main`, in order — with a stand-in for the worker's `@azure/functions-core`, and returns what registered:
 * each function's binding metadata and its handler. The dev host drives those handlers by their metadata, so
 * local runs exercise the same registrations the real host would see.
 */
import { globSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

/** A binding as the library hands it to the host. */
export interface BindingMetadata {
  readonly type: string;
  readonly direction: string;
  readonly [key: string]: unknown;
}

/** One registered function. */
export interface RegisteredFunction {
  readonly name: string;
  readonly trigger: BindingMetadata;
  /** The user's handler, called with (triggerInput, InvocationContext). */
  readonly handler: (input: unknown, context: unknown) => Promise<unknown>;
}

interface CoreMetadata {
  readonly name: string;
  readonly bindings: Record<string, BindingMetadata>;
}

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;

/** Requires the app's entry files under `appRoot` and returns its registrations. */
export function loadApp(appRoot: string): RegisteredFunction[] {
  const registered: RegisteredFunction[] = [];
  const fakeCore = {
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerFunction: (metadata: CoreMetadata, handler: RegisteredFunction['handler']) => {
      const trigger = Object.values(metadata.bindings).find(
        (b) => b.direction === 'in' && b.type.endsWith('Trigger'),
      );
      if (!trigger) throw new Error(`function ${metadata.name} has no trigger binding`);
      registered.push({ name: metadata.name, trigger, handler });
      return { dispose: () => undefined };
    },
    registerHook: () => ({ dispose: () => undefined }),
    log: () => undefined,
  };
  // The worker provides this virtual module; Module._load is the only seam that intercepts a require of it.
  const mod = Module as unknown as { _load: LoadFn };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    return request === '@azure/functions-core' ? fakeCore : original.call(this, request, parent, isMain);
  };
  try {
    const pkg = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main: string };
    const files = globSync(pkg.main, { cwd: appRoot }).sort();
    if (files.length === 0)
      throw new Error(`package.json main "${pkg.main}" matches no file under ${appRoot}; run npm run build`);
    const requireFromApp = Module.createRequire(path.join(appRoot, 'package.json'));
    for (const file of files) requireFromApp(path.join(appRoot, file));
  } finally {
    mod._load = original;
  }
  return registered;
}

/** Resolves `%SETTING%` binding expressions from the environment, as the host does. */
export function resolveSetting(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const resolved = env[name];
    if (resolved === undefined || resolved === '')
      throw new Error(`binding expression %${name}% does not resolve: set ${name}`);
    return resolved;
  });
}
