/**
 * The dev host's view of the compiled app: what devkit/loadLikeWorker.ts finds when it loads the app the way
 * the Azure Functions Node worker does, reduced to each function's trigger binding and handler. The dev host
 * drives those handlers by their metadata, so local runs exercise the same registrations the real host
 * would see.
 */
import type { BindingMetadata, HookCallback, RegisteredHandler } from '../../devkit/functionsCoreStandIn.js';
import { loadLikeWorker } from '../../devkit/loadLikeWorker.js';

/** One registered function. */
export interface RegisteredFunction {
  readonly name: string;
  readonly trigger: BindingMetadata;
  /** The user's handler, called with (triggerInput, InvocationContext). */
  readonly handler: RegisteredHandler;
}

/**
 * Runs the app's `appTerminate` hooks, as the host does on a graceful shutdown (the worker's terminate
 * message): all at once, each given `graceMs`, a hook that throws or hangs logged and left behind.
 */
export async function runTerminateHooks(
  hooks: readonly HookCallback[],
  graceMs: number,
  log: (message: string) => void,
): Promise<void> {
  await Promise.all(
    hooks.map(async (hook) => {
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => hook({ hookData: {} }))
          .then(
            () => 'done',
            (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
          ),
        new Promise<string>((resolve) =>
          setTimeout(() => resolve(`still running after ${graceMs} ms`), graceMs).unref(),
        ),
      ]);
      if (outcome !== 'done') log(`appTerminate hook ${outcome}`);
    }),
  );
}

/** The app as the dev host drives it. */
export interface DevApp {
  readonly functions: readonly RegisteredFunction[];
  /** Run on a graceful shutdown ({@link runTerminateHooks}). */
  readonly terminateHooks: readonly HookCallback[];
}

/** Requires the app's entry files under `appRoot` and returns its registrations and shutdown hooks. */
export function loadApp(appRoot: string): DevApp {
  const loaded = loadLikeWorker(appRoot);
  if (loaded.files.length === 0)
    throw new Error(`package.json main "${loaded.main}" matches no file under ${appRoot}; run npm run build`);
  const functions = loaded.registrations.map(({ metadata, handler }) => {
    const trigger = Object.values(metadata.bindings).find(
      (b) => b.direction === 'in' && b.type.endsWith('Trigger'),
    );
    if (!trigger) throw new Error(`function ${metadata.name} has no trigger binding`);
    return { name: metadata.name, trigger, handler };
  });
  return { functions, terminateHooks: loaded.terminateHooks };
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
