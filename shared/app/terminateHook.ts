/**
 * The app's graceful-shutdown hook. The host runs `appTerminate` hooks when it shuts an instance down in
 * order (a scale-in, a deployment, Ctrl-C on the dev host); there the process-wide deps are closed, which
 * deletes this process's fleet roster blob so the others take its share of each bucket at their next
 * heartbeat instead of after the lease (docs/pacing.md, "Fleet pacing"). A process that is killed runs no
 * hook; the lease covers it.
 */
import { app } from '@azure/functions';
import { closeAppDepsLazily } from './lazyAppDeps.js';

let registered = false;

/** Registers the hook once per process, whichever entry file loads first. */
export function closeDepsOnTerminate(): void {
  if (registered) return;
  registered = true;
  app.hook.appTerminate(() => closeAppDepsLazily());
}
