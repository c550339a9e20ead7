/**
 * `npm start -- --instances N`: how many processes run the queue trigger locally. A whole number from 1;
 * anything else is a usage error rather than a guess, so `--instances 2.5` or `--instances three` never
 * silently starts the single-process stack.
 */

/** Why an `--instances` value was refused. */
export interface InstancesFlagError {
  readonly kind: 'not-a-count';
  readonly value: string;
}

/** The largest count accepted: each instance is a Node process, and the machine is a laptop. */
export const MAX_INSTANCES = 32;

/** Parses `--instances`; absent means 1, today's single dev host (or `func start`). */
export function parseInstances(
  value: string | undefined,
): { ok: true; instances: number } | { ok: false; error: InstancesFlagError } {
  if (value === undefined) return { ok: true, instances: 1 };
  const count = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_INSTANCES)
    return { ok: false, error: { kind: 'not-a-count', value } };
  return { ok: true, instances: count };
}

/** The message `npm start` prints for a refused value. */
export function describeInstancesError(error: InstancesFlagError): string {
  return `--instances must be a whole number from 1 to ${MAX_INSTANCES} (got "${error.value}")`;
}
