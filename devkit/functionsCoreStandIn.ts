/**
 * A stand-in for `@azure/functions-core`, the module the Azure Functions Node worker provides to the app at
 * run time (it is not on npm). `@azure/functions` registers each function through it; outside the worker
 * the library only warns and registers nothing. With the stand-in, the dev host, the cold-start benchmark
 * and the registration test see exactly what the real host would receive.
 */
import Module from 'node:module';

/** A binding as the library hands it to the host. */
export interface BindingMetadata {
  readonly type: string;
  readonly direction: string;
  readonly [key: string]: unknown;
}

/** A function's metadata as the library hands it to the host: its name and bindings by name. */
export interface FunctionMetadata {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
}

/** A handler as registered: the user's handler, called with (triggerInput, InvocationContext). */
export type RegisteredHandler = (input: unknown, context: unknown) => Promise<unknown>;

/**
 * Thrown by the stand-in's `registerFunction` for a name already registered, as the Node worker throws for
 * a function id it already holds (the id is the name; the library never sets another). Thrown inside the
 * `require` of the entry file that registers the second time, so it fails that file's load — and the
 * worker fails the whole app on it.
 */
export class DuplicateFunctionError extends Error {
  override readonly name = 'DuplicateFunctionError';
  /** Stable: branch on this, never on the message. */
  readonly code = 'duplicate-function';
  constructor(
    /** The name registered twice. */
    readonly functionName: string,
    message = `a function named "${functionName}" has already been registered`,
  ) {
    super(message);
  }
}

/** Told of every `registerFunction` call. */
export type OnRegister = (metadata: FunctionMetadata, handler: RegisteredHandler) => void;

/** A hook as the library registers it: called by the host with a context of `hookData`. */
export type HookCallback = (context: { readonly hookData: Record<string, unknown> }) => unknown;

/** Told of every `registerHook` call (`appStart`, `appTerminate`, `preInvocation`, …). */
export type OnHook = (hookName: string, callback: HookCallback) => void;

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Runs `work` with every `require('@azure/functions-core')` answered by the stand-in, reporting each
 * registration to `onRegister` and refusing a second one of the same name ({@link DuplicateFunctionError});
 * the real resolution is back once `work` returns or throws.
 */
export function withFunctionsCoreStandIn<T>(
  work: () => T,
  onRegister: OnRegister = () => undefined,
  onHook: OnHook = () => undefined,
): T {
  const registered = new Set<string>();
  const standIn = {
    version: 'stand-in',
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerFunction: (metadata: FunctionMetadata, handler: RegisteredHandler) => {
      if (registered.has(metadata.name)) throw new DuplicateFunctionError(metadata.name);
      registered.add(metadata.name);
      onRegister(metadata, handler);
      return { dispose: () => undefined };
    },
    registerHook: (hookName: string, callback: HookCallback) => {
      onHook(hookName, callback);
      return { dispose: () => undefined };
    },
    log: () => undefined,
  };
  // The worker provides this virtual module; Module._load is the only seam that intercepts a require of it.
  const mod = Module as unknown as { _load: LoadFn };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    return request === '@azure/functions-core' ? standIn : original.call(this, request, parent, isMain);
  };
  try {
    return work();
  } finally {
    mod._load = original;
  }
}
