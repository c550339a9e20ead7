import { z } from 'zod';
import type { Parser } from './parser.js';

const NCRONTAB_FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

/** The shape of a six-field NCRONTAB expression: `*`, values, ranges, steps and lists, within each field's range. */
export function ncrontab(): Parser<string> {
  const shape =
    'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}, e.g. 0 */5 * * * *)';
  return z.string().transform((raw, ctx) => {
    const fields = raw.split(/\s+/);
    if (fields.length !== 6) {
      ctx.addIssue(`${shape}; it has ${fields.length} field${fields.length === 1 ? '' : 's'}`);
      return z.NEVER;
    }
    const bad = fields.findIndex((field, i) => !isCronField(field, NCRONTAB_FIELDS[i] ?? NCRONTAB_FIELDS[0]));
    if (bad === -1) return fields.join(' ');
    ctx.addIssue(
      `${shape}; its ${NCRONTAB_FIELDS[bad]?.name ?? 'field'} field "${fields[bad]}" is not valid`,
    );
    return z.NEVER;
  });
}

function isCronField(field: string, spec: (typeof NCRONTAB_FIELDS)[number]): boolean {
  const names: readonly string[] = 'names' in spec ? spec.names : [];
  const value = (text: string): number | undefined => {
    if (/^\d+$/.test(text)) return Number(text);
    const index = names.indexOf(text.toLowerCase());
    return index === -1 ? undefined : index + spec.min;
  };
  const inRange = (n: number | undefined): n is number => n !== undefined && n >= spec.min && n <= spec.max;
  return field.split(',').every((item) => {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return false;
    const [, range = '', step] = match;
    if (step !== undefined && Number(step) < 1) return false;
    if (range === '*') return true;
    const [from, to] = range.split('-').map(value);
    if (!inRange(from)) return false;
    return to === undefined || (inRange(to) && to >= from);
  });
}
