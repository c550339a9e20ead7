/**
 * Which of the app's functions one dev-host process drives. On Flex Consumption the HTTP functions scale
 * as one group and every other function in a group of its own (docs/design.md, "Platform facts the design
 * rests on"), so `npm start -- --instances N` runs one process per group: every process still loads the
 * whole app, as each Flex instance does, but drives only the triggers of its share.
 */

/** A group of triggers one process may drive. */
export type HostRole = 'queue' | 'timers' | 'http';

/** Every role, in the order the ready line lists them. */
export const HOST_ROLES: readonly HostRole[] = ['queue', 'timers', 'http'];

/** The role that drives a trigger of this binding type, or undefined for one the dev host does not drive. */
export function roleOf(triggerType: string): HostRole | undefined {
  if (triggerType === 'queueTrigger') return 'queue';
  if (triggerType === 'timerTrigger') return 'timers';
  if (triggerType === 'httpTrigger') return 'http';
  return undefined;
}

/** Why an `--only` value was refused. */
export interface HostRolesError {
  readonly kind: 'unknown-role';
  readonly value: string;
}

/**
 * Parses `--only`: a comma-separated list of roles (`queue,http`). Absent means every role — one process
 * driving the whole app, the dev host's behaviour before roles existed.
 */
export function parseHostRoles(
  value: string | undefined,
): { ok: true; roles: ReadonlySet<HostRole> } | { ok: false; error: HostRolesError } {
  if (value === undefined) return { ok: true, roles: new Set(HOST_ROLES) };
  const roles = new Set<HostRole>();
  for (const part of value.split(',').map((p) => p.trim())) {
    const role = HOST_ROLES.find((r) => r === part);
    if (!role) return { ok: false, error: { kind: 'unknown-role', value: part } };
    roles.add(role);
  }
  return { ok: true, roles };
}
