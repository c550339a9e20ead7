/**
 * The dev host's timer trigger: fires the registered handler on its NCRONTAB schedule, never overlapping
 * itself (the host runs a timer as a singleton and skips a tick while the previous run is still going).
 */
import { InvocationContext } from '@azure/functions';
import { describeNcrontabError, nextOccurrence, parseNcrontab } from '../../shared/config/ncrontab.js';
import type { RegisteredFunction } from './loadApp.js';

/** A running timer. */
export interface TimerDriver {
  stop(): Promise<void>;
}

/** setTimeout's longest wait; a later occurrence is waited for in several steps. */
const MAX_WAIT_MS = 2 ** 31 - 1;

/**
 * Starts firing `fn` on `schedule` (already resolved from `%SETTING%`), parsed by the same NCRONTAB
 * grammar that validates `POLL_SCHEDULE`. Throws, naming the bad field, when the schedule is not valid.
 */
export function startTimerDriver(
  fn: RegisteredFunction,
  schedule: string,
  log: (functionName: string, level: string, message: string) => void,
): TimerDriver {
  const parsed = parseNcrontab(schedule);
  if (!parsed.ok) throw new Error(`schedule "${schedule}" ${describeNcrontabError(parsed.error)}`);
  let running: Promise<void> | undefined;
  let timeout: NodeJS.Timeout | undefined;

  const fire = (): void => {
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

  const armAfter = (after: number): void => {
    const next = nextOccurrence(parsed.schedule, new Date(after));
    if (next === undefined) return log(fn.name, 'warning', `schedule "${schedule}" never fires`);
    arm(next.getTime());
  };
  const arm = (at: number): void => {
    timeout = setTimeout(
      () => {
        const now = Date.now();
        // Timers may wake a little early (and a long wait is split): wait again for the same second.
        if (now < at) return arm(at);
        // A second the event loop slept through entirely is missed, not made up for late.
        if (now < at + 1000) fire();
        armAfter(Math.max(at, now));
      },
      Math.min(Math.max(at - Date.now(), 0), MAX_WAIT_MS),
    );
  };
  // The current second counts: a timer started within a second its schedule names fires in it.
  armAfter(Date.now() - 1000);

  return {
    stop: async () => {
      clearTimeout(timeout);
      await running;
    },
  };
}
