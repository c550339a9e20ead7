/**
 * The dev host's timer trigger: fires the registered handler on its NCRONTAB schedule, never overlapping
 * itself (the host runs a timer as a singleton and skips a tick while the previous run is still going).
 */
import { InvocationContext } from '@azure/functions';
import { parseSchedule } from './cron.js';
import type { RegisteredFunction } from './loadApp.js';

/** A running timer. */
export interface TimerDriver {
  stop(): Promise<void>;
}

/** Starts firing `fn` on `schedule` (already resolved from `%SETTING%`). */
export function startTimerDriver(
  fn: RegisteredFunction,
  schedule: string,
  log: (functionName: string, level: string, message: string) => void,
): TimerDriver {
  const compiled = parseSchedule(schedule);
  let running: Promise<void> | undefined;
  let last = '';
  const tick = (): void => {
    const now = new Date();
    const second = now.toISOString().slice(0, 19);
    if (second === last || !compiled.matches(now)) return;
    last = second;
    if (running) return log(fn.name, 'warning', 'previous run still going; tick skipped');
    const context = new InvocationContext({
      functionName: fn.name,
      invocationId: crypto.randomUUID(),
      logHandler: (level, ...args) => log(fn.name, level, args.map(String).join(' ')),
    });
    const timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: '', next: '', lastUpdated: '' },
    };
    running = fn
      .handler(timer, context)
      .then(() => undefined)
      .catch((error: unknown) =>
        log(fn.name, 'error', `run failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const interval = setInterval(tick, 200);
  return {
    stop: async () => {
      clearInterval(interval);
      await running;
    },
  };
}
