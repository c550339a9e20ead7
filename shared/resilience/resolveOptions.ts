/**
 * The two steps every resilience primitive takes with its options: fill the defaults in, then reject a value
 * out of range with a message that names the option. Shared so that the rule "an explicit `undefined` keeps
 * the default" and the wording of the error are the same for every primitive.
 */

/** Options a caller may pass: any field, and an explicit `undefined` for "keep the default". */
export type Overrides<T> = { readonly [K in keyof T]?: T[K] | undefined };

/**
 * `defaults` with each of its fields replaced by the one in `overrides` when that is not `undefined` (an
 * explicit `undefined` keeps the default, so a settings parser may pass absent values straight through).
 * Fields that `defaults` does not have are ignored.
 */
export function withDefaults<T extends object>(defaults: T, overrides: Overrides<T>): T {
  const resolved = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    resolved[key] = overrides[key] ?? defaults[key];
  }
  return resolved;
}

/**
 * A function that throws the RangeError for an option out of range: `<prefix> <name> must be <rule>, got
 * <value>`.
 */
export function optionRangeError<T>(
  prefix: string,
): (name: keyof T & string, rule: string, value: unknown) => never {
  return (name, rule, value) => {
    throw new RangeError(`${prefix} ${name} must be ${rule}, got ${String(value)}`);
  };
}
