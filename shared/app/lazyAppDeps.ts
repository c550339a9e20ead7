/**
 * Deferred loading for the function entry files. The host imports every entry file before the first
 * invocation, and a cold worker pays for everything those imports pull in; the composition root and the
 * pipeline bring the storage SDK, undici and the rest (about half a second, docs/benchmarks.md "Cold
 * start"). The entry files import only what registration needs and load the rest through these on their
 * first invocation; later invocations get the already-loaded modules.
 */
import type { AppDeps } from './appDeps.js';

/**
 * Returns a function that calls `load` on its first call and hands every caller the same promise. A
 * failed load is forgotten, so the next call tries again instead of failing forever.
 */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

const compositionRoot = lazily(() => import('./appDeps.js'));
/** Whether any invocation asked for the deps: a shutdown before that has nothing to close. */
let asked = false;

/** The process-wide deps (`getAppDeps`), with the composition root loaded on first use. */
export async function getAppDepsLazily(): Promise<AppDeps> {
  asked = true;
  return (await compositionRoot()).getAppDeps();
}

/** Closes the process-wide deps if an invocation built them; loads nothing otherwise. */
export async function closeAppDepsLazily(): Promise<void> {
  if (asked) await (await compositionRoot()).closeAppDeps();
}
