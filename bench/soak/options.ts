/**
 * The soak's command line: `[--quick] [--files N] [--seed N] [--drain-minutes M] [--app-root DIR] [--no-write]
 * [--instances N] [--no-fleet]`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeInstancesError, parseInstances } from '../../scripts/instancesFlag.js';
import { REPO_ROOT } from '../stack.js';

/** The full soak's host shape unless `--instances` says otherwise: Flex Consumption's, three queue instances. */
export const FULL_SOAK_INSTANCES = 3;

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
  /**
   * Queue-trigger processes. 1: one dev host drives every function (the soak before Flex). More: the shape
   * Flex Consumption runs — N queue-trigger processes, one timers process, one HTTP (webhook) process.
   */
  readonly instances: number;
  /**
   * With more than one instance: `FLEET_NEWS` and `FLEET_PACING` on in every process (false with
   * `--no-fleet`, the baseline: each process paces and pauses on its own). Always false for one instance.
   */
  readonly fleet: boolean;
}

/**
 * Reads the process's arguments. `--quick` = 100 files and 12 drain minutes (CI), else 1,000 and 20; no
 * `--seed` draws one, which the report prints so the run can be replayed. `--instances` defaults to
 * {@link FULL_SOAK_INSTANCES} for the full soak and to 1 (a single host, what CI runs) with `--quick`.
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
      instances: { type: 'string' },
      'no-fleet': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const files = values.files ? Number(values.files) : quick ? 100 : 1000;
  if (!Number.isInteger(files) || files < 10) throw new Error('--files must be a whole number >= 10');
  const instances = parseInstances(values.instances ?? (quick ? undefined : String(FULL_SOAK_INSTANCES)));
  if (!instances.ok) throw new Error(describeInstancesError(instances.error));
  return {
    files,
    quick,
    seed: values.seed ? Number(values.seed) : Math.floor(Math.random() * 1e9),
    drainMs: Number(values['drain-minutes'] ?? (quick ? 12 : 20)) * 60_000,
    appRoot: path.resolve(values['app-root'] ?? REPO_ROOT),
    write: !values['no-write'],
    instances: instances.instances,
    fleet: instances.instances > 1 && !values['no-fleet'],
  };
}
