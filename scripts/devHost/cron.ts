/**
 * A small NCRONTAB matcher (six fields: second minute hour day month day-of-week) for the dev host's timer.
 * Supports `*`, `*\/n`, `a-b`, `a-b/n` and lists — what Functions schedules use in practice.
 */

const RANGES: readonly [number, number][] = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

/** A compiled schedule: `matches(date)` is true on the seconds it fires (UTC). */
export interface Schedule {
  matches(date: Date): boolean;
}

/** Parses a six-field NCRONTAB expression; throws naming the bad field. */
export function parseSchedule(expression: string): Schedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`schedule "${expression}" must have 6 fields (second minute hour day month day-of-week)`);
  const sets = fields.map((field, i) => parseField(field, RANGES[i] as [number, number], expression));
  return {
    matches: (d) =>
      [
        d.getUTCSeconds(),
        d.getUTCMinutes(),
        d.getUTCHours(),
        d.getUTCDate(),
        d.getUTCMonth() + 1,
        d.getUTCDay(),
      ].every((value, i) => sets[i]?.has(value) ?? false),
  };
}

function parseField(field: string, [min, max]: [number, number], expression: string): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`schedule "${expression}": cannot read "${part}"`);
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : from;
    const step = m[4] ? Number(m[4]) : 1;
    if (from < min || to > max || step < 1)
      throw new Error(`schedule "${expression}": "${part}" is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}
