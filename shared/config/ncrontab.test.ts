import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';

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
  ])('rejects %j (%s)', (schedule, why) => {
    const [problem] = problemsWith({ POLL_SCHEDULE: schedule });
    expect(problem).toContain('POLL_SCHEDULE must be a six-field NCRONTAB expression');
    expect(problem).toContain(why);
  });
});
