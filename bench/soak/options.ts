/**
 * The soak's command line: `[--quick] [--files N] [--seed N] [--drain-minutes M] [--app-root DIR] [--no-write]`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../stack.js';

/** What the soak is asked to do. */
export interface SoakOptions {
  readonly files: number;
  readonly quick: boolean;
  readonly seed: number;
  /** Give up waiting for the drain after this long (the assertions then name what is left). */
  readonly drainMs: number;
  /** Where the host's built app lives (default: this checkout). */
  readonly appRoot: string;
  readonly write: boolean;
}

/**
 * Reads the process's arguments. `--quick` = 100 files and 12 drain minutes (CI), else 1,000 and 20; no
 * `--seed` draws one, which the report prints so the run can be replayed.
 */
export function parseOptions(): SoakOptions {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      files: { type: 'string' },
      seed: { type: 'string' },
      'drain-minutes': { type: 'string' },
      'app-root': { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const files = values.files ? Number(values.files) : quick ? 100 : 1000;
  if (!Number.isInteger(files) || files < 10) throw new Error('--files must be a whole number >= 10');
  return {
    files,
    quick,
    seed: values.seed ? Number(values.seed) : Math.floor(Math.random() * 1e9),
    drainMs: Number(values['drain-minutes'] ?? (quick ? 12 : 20)) * 60_000,
    appRoot: path.resolve(values['app-root'] ?? REPO_ROOT),
    write: !values['no-write'],
  };
}
