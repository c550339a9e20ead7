/**
 * Stopping a child process we started (Azurite, the emulator, a functions host): ask first, so it can
 * flush and close its listeners, and force it after a grace so a hung child never hangs the caller.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Sends SIGTERM and resolves once the child has exited, escalating to SIGKILL after `graceMs`. Resolves at
 * once for a child that has already exited, so it is safe to call twice.
 */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
