/**
 * NCRONTAB, the schedule grammar of a Functions timer trigger: six fields,
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, each `*`, a value, a range `a-b`, any of these
 * with a step `/n`, or a comma-separated list of them; months and days of the week may also be named
 * (`jan`, `mon`, any case). Times are UTC, as the host's are without WEBSITE_TIME_ZONE.
 *
 * One grammar serves both the `POLL_SCHEDULE` check at start-up and the dev host's timer, so every schedule
 * the app accepts is one the dev host can run. TimeSpan schedules (`hh:mm:ss`) are not accepted: the host
 * takes them only on App Service plans, and the app runs on Flex Consumption.
 */
import { z } from 'zod';
import type { Parser } from './parser.js';

/** The fields of an expression, in order. */
export type NcrontabField = 'second' | 'minute' | 'hour' | 'day' | 'month' | 'day-of-week';

interface FieldSpec {
  readonly name: NcrontabField;
  readonly min: number;
  readonly max: number;
  /** Names standing for `min`, `min + 1`, … */
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
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
];

/**
 * A parsed expression: for each field, the values it fires on (ascending, without repeats). An occurrence
 * is a whole second whose every field is among them — day of month AND day of week, as NCRONTAB has it.
 */
export interface NcrontabSchedule {
  /** The expression as written, with its fields separated by single spaces. */
  readonly expression: string;
  readonly values: Readonly<Record<NcrontabField, readonly number[]>>;
}

/** Why an expression is not NCRONTAB: the wrong number of fields, or the first field that does not parse. */
export type NcrontabError =
  | { readonly kind: 'field-count'; readonly count: number }
  | { readonly kind: 'bad-field'; readonly field: NcrontabField; readonly text: string };

/** Parses an NCRONTAB expression (surrounding whitespace ignored) into the values each field fires on. */
export function parseNcrontab(
  expression: string,
):
  | { readonly ok: true; readonly schedule: NcrontabSchedule }
  | { readonly ok: false; readonly error: NcrontabError } {
  const texts = expression.trim().split(/\s+/);
  if (texts.length !== FIELDS.length)
    return { ok: false, error: { kind: 'field-count', count: texts.length } };
  const values: Partial<Record<NcrontabField, readonly number[]>> = {};
  for (const [i, spec] of FIELDS.entries()) {
    const text = texts[i] ?? '';
    const parsed = parseField(text, spec);
    if (parsed === undefined) return { ok: false, error: { kind: 'bad-field', field: spec.name, text } };
    values[spec.name] = parsed;
  }
  // The loop above filled every field or returned.
  const complete = values as Record<NcrontabField, readonly number[]>;
  return { ok: true, schedule: { expression: texts.join(' '), values: complete } };
}

/**
 * Completes "the schedule …" for an error: what the grammar is, then what is wrong with this expression
 * (it names the field and quotes its text).
 */
export function describeNcrontabError(error: NcrontabError): string {
  const shape =
    'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}, e.g. 0 */5 * * * *)';
  switch (error.kind) {
    case 'field-count':
      return `${shape}; it has ${error.count} field${error.count === 1 ? '' : 's'}`;
    case 'bad-field':
      return `${shape}; its ${error.field} field "${error.text}" is not valid`;
  }
}

/** The `POLL_SCHEDULE` setting: a valid NCRONTAB expression, normalised to single spaces. */
export function ncrontab(): Parser<string> {
  return z.string().transform((raw, ctx) => {
    const parsed = parseNcrontab(raw);
    if (parsed.ok) return parsed.schedule.expression;
    ctx.addIssue(describeNcrontabError(parsed.error));
    return z.NEVER;
  });
}

/** The values one field fires on, or undefined when its text is not valid for it. */
function parseField(text: string, spec: FieldSpec): number[] | undefined {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const range = parseItem(item, spec);
    if (range === undefined) return undefined;
    for (let v = range.from; v <= range.to; v += range.step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** `*`, `a` or `a-b`, optionally `/step`. A stepped single value `a/n` runs from `a` to the field's end. */
function parseItem(item: string, spec: FieldSpec): { from: number; to: number; step: number } | undefined {
  const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
  if (!match) return undefined;
  const [, range = '', stepText] = match;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1) return undefined;
  if (range === '*') return { from: spec.min, to: spec.max, step };
  const [fromText = '', toText] = range.split('-');
  const from = fieldValue(fromText, spec);
  if (from === undefined) return undefined;
  if (toText === undefined) return { from, to: stepText === undefined ? from : spec.max, step };
  const to = fieldValue(toText, spec);
  return to === undefined || to < from ? undefined : { from, to, step };
}

/** A number or name within the field's range, as its number. */
function fieldValue(text: string, spec: FieldSpec): number | undefined {
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = /^\d+$/.test(text) ? Number(text) : index === -1 ? undefined : spec.min + index;
  return value !== undefined && value >= spec.min && value <= spec.max ? value : undefined;
}

/**
 * The first occurrence of `schedule` strictly after `after` (a whole second, UTC), or undefined when it has
 * none, e.g. `0 0 0 30 feb *`. The Gregorian calendar repeats every 400 years, so a schedule that does
 * not fire within 400 years never fires.
 */
export function nextOccurrence(schedule: NcrontabSchedule, after: Date): Date | undefined {
  const { values } = schedule;
  const allows = (field: NcrontabField, value: number): boolean => values[field].includes(value);
  let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
  const limit = t + 400 * 366 * 24 * 3600 * 1000;
  while (t <= limit) {
    const d = new Date(t);
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
    const [hour, minute, second] = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
    // Each miss moves to the start of the next month/day/hour/minute/second; Date.UTC carries overflow.
    if (!allows('month', month + 1)) t = Date.UTC(year, month + 1, 1);
    else if (!allows('day', day) || !allows('day-of-week', d.getUTCDay())) t = Date.UTC(year, month, day + 1);
    else if (!allows('hour', hour)) t = Date.UTC(year, month, day, hour + 1);
    else if (!allows('minute', minute)) t = Date.UTC(year, month, day, hour, minute + 1);
    else if (!allows('second', second)) t = Date.UTC(year, month, day, hour, minute, second + 1);
    else return d;
  }
  return undefined;
}
