import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';
import {
  describeNcrontabError,
  nextOccurrence,
  parseNcrontab,
  type NcrontabField,
  type NcrontabSchedule,
} from './ncrontab.js';

/** The schedule `expression` parses to; fails the test when it does not parse. */
function schedule(expression: string): NcrontabSchedule {
  const parsed = parseNcrontab(expression);
  if (!parsed.ok) throw new Error(`${expression} ${describeNcrontabError(parsed.error)}`);
  return parsed.schedule;
}

/** The values `field` of `expression` fires on. */
const valuesOf = (expression: string, field: NcrontabField): readonly number[] =>
  schedule(expression).values[field];

/** The next occurrence after the UTC time `iso`, as an ISO string (undefined when there is none). */
const nextAfter = (expression: string, iso: string): string | undefined =>
  nextOccurrence(schedule(expression), new Date(iso))?.toISOString();

/** True when `date` is one of the seconds `s` fires on: the definition nextOccurrence must agree with. */
function fires(s: NcrontabSchedule, date: Date): boolean {
  const at: Record<NcrontabField, number> = {
    second: date.getUTCSeconds(),
    minute: date.getUTCMinutes(),
    hour: date.getUTCHours(),
    day: date.getUTCDate(),
    month: date.getUTCMonth() + 1,
    'day-of-week': date.getUTCDay(),
  };
  return (Object.keys(at) as NcrontabField[]).every((field) => s.values[field].includes(at[field]));
}

describe('loadConfig — POLL_SCHEDULE', () => {
  it.each([
    '0 */1 * * * *',
    '0 */5 * * * *',
    '30 0 9-17 * * mon-fri',
    '0 0 0 1 jan *',
    '0 0,15,30,45 * * * *',
    '0 0 12 * * 0',
    '0 0 */2 1-15/2 * SUN',
    '59 59 23 31 12 6',
  ])('accepts %j', (schedule) => {
    expect(load({ POLL_SCHEDULE: schedule }).pollSchedule).toBe(schedule);
  });

  it('normalises inner whitespace', () => {
    expect(load({ POLL_SCHEDULE: '0  */1 *\t* * *' }).pollSchedule).toBe('0 */1 * * * *');
  });

  it.each([
    ['*/1 * * * *', 'it has 5 fields'],
    ['0 0 */1 * * * *', 'it has 7 fields'],
    ['00:05:00', 'it has 1 field'],
    ['60 * * * * *', 'its second field "60" is not valid'],
    ['0 60 * * * *', 'its minute field "60" is not valid'],
    ['0 0 24 * * *', 'its hour field "24" is not valid'],
    ['0 0 0 0 * *', 'its day field "0" is not valid'],
    ['0 0 0 * 13 *', 'its month field "13" is not valid'],
    ['0 0 0 * * 7', 'its day-of-week field "7" is not valid'],
    ['0 */0 * * * *', 'its minute field "*/0" is not valid'],
    ['0 10-5 * * * *', 'its minute field "10-5" is not valid'],
    ['0 0 0 ? * *', 'its day field "?" is not valid'],
    ['0 0 0 * foo *', 'its month field "foo" is not valid'],
    ['0 0 0 * * mon-', 'its day-of-week field "mon-" is not valid'],
    ['0 1,,2 * * * *', 'its minute field "1,,2" is not valid'],
    // The end of a range must be a value too (the check once took an unreadable end for none).
    ['0 5-x * * * *', 'its minute field "5-x" is not valid'],
    ['0 0 0 * * mon-xyz', 'its day-of-week field "mon-xyz" is not valid'],
  ])('rejects %j (%s)', (schedule, why) => {
    const [problem] = problemsWith({ POLL_SCHEDULE: schedule });
    expect(problem).toContain('POLL_SCHEDULE must be a six-field NCRONTAB expression');
    expect(problem).toContain(why);
  });
});

describe('parseNcrontab — the grammar', () => {
  const range = (from: number, to: number, step = 1): number[] =>
    Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

  it('reads * as every value of the field', () => {
    const { values } = schedule('* * * * * *');
    expect(values).toEqual({
      second: range(0, 59),
      minute: range(0, 59),
      hour: range(0, 23),
      day: range(1, 31),
      month: range(1, 12),
      'day-of-week': range(0, 6),
    });
  });

  it.each([
    ['5', 'minute', [5]],
    ['10-15', 'minute', range(10, 15)],
    ['*/15', 'minute', [0, 15, 30, 45]],
    ['10-30/10', 'minute', [10, 20, 30]],
    ['50/4', 'minute', [50, 54, 58]],
    ['1,5,3,5', 'minute', [1, 3, 5]],
    ['0-2,30-31,*/20', 'minute', [0, 1, 2, 20, 30, 31, 40]],
    ['007', 'minute', [7]],
    ['*/100', 'minute', [0]],
    ['*/7', 'day', [1, 8, 15, 22, 29]],
    ['jan', 'month', [1]],
    ['DEC', 'month', [12]],
    ['Mar-May', 'month', [3, 4, 5]],
    ['jan-dec/3', 'month', [1, 4, 7, 10]],
    ['sun', 'day-of-week', [0]],
    ['mon-fri', 'day-of-week', range(1, 5)],
    ['sat,SUN', 'day-of-week', [0, 6]],
  ] as const)('reads %j in the %s field as %j', (text, field, expected) => {
    const fields: Record<NcrontabField, string> = {
      second: '0',
      minute: '0',
      hour: '0',
      day: '*',
      month: '*',
      'day-of-week': '*',
      [field]: text,
    };
    expect(valuesOf(Object.values(fields).join(' '), field)).toEqual(expected);
  });

  it('normalises whitespace around and between the fields', () => {
    expect(schedule(' 0\t*/5  * * * *\n').expression).toBe('0 */5 * * * *');
  });

  it.each([
    ['', { kind: 'field-count', count: 1 }],
    ['00:05:00', { kind: 'field-count', count: 1 }],
    ['*/1 * * * *', { kind: 'field-count', count: 5 }],
    ['0 0 */1 * * * *', { kind: 'field-count', count: 7 }],
    ['60 * * * * *', { kind: 'bad-field', field: 'second', text: '60' }],
    ['0 -1 * * * *', { kind: 'bad-field', field: 'minute', text: '-1' }],
    ['0 0 24 * * *', { kind: 'bad-field', field: 'hour', text: '24' }],
    ['0 0 0 0 * *', { kind: 'bad-field', field: 'day', text: '0' }],
    ['0 0 0 32 * *', { kind: 'bad-field', field: 'day', text: '32' }],
    ['0 0 0 * 0 *', { kind: 'bad-field', field: 'month', text: '0' }],
    ['0 0 0 * january *', { kind: 'bad-field', field: 'month', text: 'january' }],
    ['0 0 0 * * 7', { kind: 'bad-field', field: 'day-of-week', text: '7' }],
    ['0 0 0 mon * *', { kind: 'bad-field', field: 'day', text: 'mon' }],
    ['0 0 jan * * *', { kind: 'bad-field', field: 'hour', text: 'jan' }],
    ['0 0 0 * * fri-mon', { kind: 'bad-field', field: 'day-of-week', text: 'fri-mon' }],
    ['0 5-5-5 * * * *', { kind: 'bad-field', field: 'minute', text: '5-5-5' }],
    ['0 */0 * * * *', { kind: 'bad-field', field: 'minute', text: '*/0' }],
    ['0 */x * * * *', { kind: 'bad-field', field: 'minute', text: '*/x' }],
    ['0 1/2/3 * * * *', { kind: 'bad-field', field: 'minute', text: '1/2/3' }],
    ['0 ,1 * * * *', { kind: 'bad-field', field: 'minute', text: ',1' }],
    ['0 0 0 L * *', { kind: 'bad-field', field: 'day', text: 'L' }],
    ['0 0 0 * * 5#3', { kind: 'bad-field', field: 'day-of-week', text: '5#3' }],
  ])('rejects %j as %o', (expression, error) => {
    expect(parseNcrontab(expression)).toEqual({ ok: false, error });
  });

  it('names the first bad field and quotes its text in the message', () => {
    const parsed = parseNcrontab('0 0 25 32 * *');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(describeNcrontabError(parsed.error)).toBe(
      'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}, ' +
        'e.g. 0 */5 * * * *); its hour field "25" is not valid',
    );
  });

  it('counts the fields in the message when there are not six', () => {
    const message = (expression: string): string => {
      const parsed = parseNcrontab(expression);
      return parsed.ok ? '' : describeNcrontabError(parsed.error);
    };
    expect(message('00:05:00')).toMatch(/; it has 1 field$/);
    expect(message('* * *')).toMatch(/; it has 3 fields$/);
  });
});

describe('nextOccurrence', () => {
  it.each([
    ['* * * * * *', '2024-05-01T12:00:00.000Z', '2024-05-01T12:00:01.000Z'],
    ['* * * * * *', '2024-05-01T12:00:00.999Z', '2024-05-01T12:00:01.000Z'],
    ['0 */5 * * * *', '2024-05-01T12:00:00.000Z', '2024-05-01T12:05:00.000Z'],
    ['0 */5 * * * *', '2024-05-01T12:03:17.250Z', '2024-05-01T12:05:00.000Z'],
    ['0 */1 * * * *', '2024-05-01T23:59:59.000Z', '2024-05-02T00:00:00.000Z'],
    ['*/10 * * * * *', '2024-05-01T12:00:55.000Z', '2024-05-01T12:01:00.000Z'],
    ['30 15 9 * * *', '2024-05-01T09:15:30.000Z', '2024-05-02T09:15:30.000Z'],
    ['30 15 9 * * *', '2024-05-01T09:15:29.999Z', '2024-05-01T09:15:30.000Z'],
    ['0 0 0 1 jan *', '2024-05-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['59 59 23 31 12 *', '2024-12-31T23:59:59.000Z', '2025-12-31T23:59:59.000Z'],
    ['0 0 0 31 * *', '2024-04-15T00:00:00.000Z', '2024-05-31T00:00:00.000Z'],
    ['0 0 0 29 feb *', '2024-03-01T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ['0 0 0 29 feb *', '2096-03-01T00:00:00.000Z', '2104-02-29T00:00:00.000Z'],
    ['0 0 12 * * mon-fri', '2024-05-03T12:00:00.000Z', '2024-05-06T12:00:00.000Z'],
    ['0 0 12 * * sun', '2024-05-01T00:00:00.000Z', '2024-05-05T12:00:00.000Z'],
    // Day of month AND day of week: the next Friday the 13th.
    ['0 0 0 13 * fri', '2024-05-01T00:00:00.000Z', '2024-09-13T00:00:00.000Z'],
    ['0 0 9-17/4 * * *', '2024-05-01T13:00:00.000Z', '2024-05-01T17:00:00.000Z'],
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(nextAfter(expression, after)).toBe(expected);
  });

  it.each(['0 0 0 30 feb *', '0 0 0 31 apr,jun,sep,nov *'])('%s never fires', (expression) => {
    expect(nextAfter(expression, '2024-05-01T00:00:00.000Z')).toBeUndefined();
  });

  it('agrees with a second-by-second search (schedules firing at least hourly)', () => {
    const part = fc.oneof(
      fc.constant('*'),
      fc.integer({ min: 0, max: 59 }).map(String),
      fc
        .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
        .map(([a, b]) => (a <= b ? `${a}-${b}` : `${b}-${a}`)),
      fc.integer({ min: 1, max: 30 }).map((n) => `*/${n}`),
    );
    const field = fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));
    const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(field, field, instant, (seconds, minutes, afterMs) => {
        const s = schedule(`${seconds} ${minutes} * * * *`);
        let expected = Math.floor(afterMs / 1000) * 1000 + 1000;
        while (!fires(s, new Date(expected))) expected += 1000;
        expect(nextOccurrence(s, new Date(afterMs))?.getTime()).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('lands on a second the schedule fires on, and finds the next one from there', () => {
    const s = schedule('15,45 0-10/5 8,20 1-7,15 * mon,wed');
    let at = new Date('2024-01-01T00:00:00.000Z');
    for (let i = 0; i < 50; i += 1) {
      const next = nextOccurrence(s, at);
      expect(next).toBeDefined();
      if (next === undefined) return;
      expect(next.getTime()).toBeGreaterThan(at.getTime());
      expect(fires(s, next), next.toISOString()).toBe(true);
      at = next;
    }
  });
});
