/**
 * `--watch`: re-prints a report every interval until Ctrl-C. On a terminal each refresh replaces the
 * last (the screen is cleared first); piped or logged, the reports simply follow each other, each under a
 * time-stamped rule, so a log stays readable and nothing writes escape codes into a file.
 */
import type { Clock } from '../../shared/clock.js';
import { intFlag, usageError } from './args.js';
import type { Output } from './output.js';

/** Clears the screen and moves the cursor home (ANSI), so a refresh draws over the last one. */
export const CLEAR_SCREEN = '\x1b[H\x1b[2J\x1b[3J';

/** How to watch. */
export interface WatchOptions {
  /** Reads and renders one report; its first failure ends the watch (nothing was ever shown). */
  readonly render: () => Promise<string[]>;
  readonly intervalMs: number;
  readonly clock: Clock;
  /** Ctrl-C: the watch ends after the refresh in progress. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Renders, prints, waits, until the signal aborts. A refresh that fails after the first (storage blipped)
 * is reported on stderr and retried at the next interval rather than ending the watch.
 */
export async function watch(output: Output, options: WatchOptions): Promise<void> {
  const seconds = options.intervalMs / 1000;
  let first = true;
  while (options.signal?.aborted !== true) {
    const stamp = new Date(options.clock.now()).toISOString();
    let lines: string[];
    try {
      lines = await options.render();
    } catch (error) {
      if (first) throw error;
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      output.err(`error: refresh at ${stamp} failed: ${message} (trying again in ${seconds} s)`);
      if (!(await pause(options))) return;
      continue;
    }
    if (output.stdoutIsTTY) output.rawOut(CLEAR_SCREEN);
    else if (!first) output.out('');
    output.out(`— every ${seconds} s, ${stamp} (Ctrl-C to stop) —`, ...lines);
    first = false;
    if (!(await pause(options))) return;
  }
}

/** Waits one interval; false when Ctrl-C ended the wait. */
async function pause(options: WatchOptions): Promise<boolean> {
  try {
    await options.clock.sleep(options.intervalMs, options.signal);
    return true;
  } catch (error) {
    if (options.signal?.aborted) return false;
    throw error;
  }
}

/** Default and bounds of `--interval`, in seconds. */
export const WATCH_INTERVAL = { min: 1, max: 3600, default: 5 } as const;

/** The `parseArgs` options `--watch` adds to a command. */
export const WATCH_FLAGS = {
  watch: { type: 'boolean', default: false },
  interval: { type: 'string' },
} as const;

/**
 * The refresh interval in milliseconds when `--watch` was given, undefined otherwise; a usage failure for a
 * bad `--interval`, `--interval` without `--watch`, or `--watch` with `--json` (one document per run).
 */
export function watchIntervalMs(
  command: string,
  values: { readonly watch: boolean; readonly interval?: string | undefined; readonly json: boolean },
): number | undefined {
  if (!values.watch) {
    if (values.interval !== undefined) throw usageError(command, '--interval goes with --watch');
    return undefined;
  }
  if (values.json) {
    throw usageError(
      command,
      '--watch is for a person at a terminal; --json prints one document, run it without --watch',
    );
  }
  return intFlag(command, '--interval', values.interval, WATCH_INTERVAL) * 1000;
}
