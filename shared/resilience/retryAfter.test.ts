import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHttpDate, parseRetryAfter } from './retryAfter.js';

/** Wednesday 2026-11-25 12:00:00 GMT. */
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Independent formatters (Date's UTC getters, not the parser's arithmetic) for round-trip properties.
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const hms = (d: Date): string =>
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
const imfFixdate = (d: Date): string =>
  `${SHORT_DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear(), 4)} ${hms(d)} GMT`;
const rfc850 = (d: Date): string =>
  `${LONG_DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${pad(d.getUTCFullYear() % 100)} ${hms(d)} GMT`;
const asctime = (d: Date): string =>
  `${SHORT_DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms(d)} ${pad(d.getUTCFullYear(), 4)}`;

/** Epoch ms of a UTC civil time, including years 0–99 (which `Date.UTC` would map to 1900–1999). */
const utc = (year: number, month: number, day: number, h = 0, m = 0, s = 0): number => {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, 0);
  return d.getTime();
};

/** Whole seconds from year 0001 to 9999, the range the four-digit forms can express. */
const anyFourDigitYearSecond = fc
  .integer({ min: utc(1, 1, 1) / 1000, max: utc(9999, 12, 31, 23, 59, 59) / 1000 })
  .map((s) => s * 1000);

describe('parseRetryAfter — delay-seconds', () => {
  it.each([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    ['007', 7000],
    [' 120', 120_000],
    ['120 ', 120_000],
    ['\t 120 \t', 120_000],
    ['86400', 86_400_000],
  ])('%j is %d ms', (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });

  it('never caps a large value: a year of seconds stays a year', () => {
    expect(parseRetryAfter('31536000', NOW)).toBe(31_536_000_000);
    expect(parseRetryAfter('99999999999999', NOW)).toBe(99_999_999_999_999_000);
  });

  it('rejects a digit string too long to be a finite number of milliseconds', () => {
    expect(parseRetryAfter('9'.repeat(400), NOW)).toBeUndefined();
  });

  it('is measured from receipt, so a Date header does not shift it', () => {
    expect(parseRetryAfter('30', NOW, 'Wed, 25 Nov 2026 11:00:00 GMT')).toBe(30_000);
  });

  it('property: any digit string is its value in seconds × 1000 when finite', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,320}$/), (digits) => {
        const expected = Number(digits) * 1000;
        expect(parseRetryAfter(digits, NOW)).toBe(Number.isFinite(expected) ? expected : undefined);
      }),
    );
  });
});

describe('parseRetryAfter — malformed values are undefined', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['empty', ''],
    ['spaces only', '  '],
    ['tab only', '\t'],
    ['negative', '-5'],
    ['explicit plus', '+5'],
    ['fraction', '1.5'],
    ['exponent', '1e3'],
    ['hex', '0x10'],
    ['trailing junk', '120abc'],
    ['leading junk', 'abc120'],
    ['inner space', '12 0'],
    ['newline is not OWS', '\n120'],
    ['full-width digits', '１２０'],
    ['word', 'soon'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['ISO 8601', '2026-11-25T12:02:00Z'],
    ['ISO date', '2026-11-25'],
    ['IMF with UTC instead of GMT', 'Wed, 25 Nov 2026 12:02:00 UTC'],
    ['IMF without zone', 'Wed, 25 Nov 2026 12:02:00'],
    ['IMF lowercase weekday', 'wed, 25 Nov 2026 12:02:00 GMT'],
    ['IMF lowercase month', 'Wed, 25 nov 2026 12:02:00 GMT'],
    ['IMF unknown weekday', 'Wen, 25 Nov 2026 12:02:00 GMT'],
    ['IMF long weekday', 'Wednesday, 25 Nov 2026 12:02:00 GMT'],
    ['IMF unknown month', 'Wed, 25 Nox 2026 12:02:00 GMT'],
    ['IMF one-digit day', 'Wed, 5 Nov 2026 12:02:00 GMT'],
    ['IMF two-digit year', 'Wed, 25 Nov 26 12:02:00 GMT'],
    ['IMF day 00', 'Wed, 00 Nov 2026 12:02:00 GMT'],
    ['IMF 31 April', 'Fri, 31 Apr 2026 12:02:00 GMT'],
    ['IMF 29 Feb in a common year', 'Sun, 29 Feb 2026 12:02:00 GMT'],
    ['IMF 29 Feb 2100 (century, not leap)', 'Mon, 29 Feb 2100 12:02:00 GMT'],
    ['IMF 29 Feb 2200 (divisible by 200, not by 400)', 'Sat, 29 Feb 2200 12:02:00 GMT'],
    ['IMF 32nd day', 'Wed, 32 Dec 2026 12:02:00 GMT'],
    ['IMF hour 24', 'Wed, 25 Nov 2026 24:00:00 GMT'],
    ['IMF minute 60', 'Wed, 25 Nov 2026 12:60:00 GMT'],
    ['IMF second 61', 'Wed, 25 Nov 2026 12:02:61 GMT'],
    ['IMF one-digit hour', 'Wed, 25 Nov 2026 2:02:00 GMT'],
    ['IMF missing comma', 'Wed 25 Nov 2026 12:02:00 GMT'],
    ['IMF trailing junk', 'Wed, 25 Nov 2026 12:02:00 GMT+1'],
    ['RFC 850 short weekday', 'Wed, 25-Nov-26 12:02:00 GMT'],
    ['RFC 850 four-digit year', 'Wednesday, 25-Nov-2026 12:02:00 GMT'],
    ['RFC 850 31 June', 'Wednesday, 31-Jun-26 12:02:00 GMT'],
    ['RFC 850 unknown weekday', 'Wodensday, 25-Nov-26 12:02:00 GMT'],
    ['asctime single space before one-digit day', 'Sun Nov 6 08:49:37 1994'],
    ['asctime with GMT', 'Sun Nov  6 08:49:37 1994 GMT'],
    ['asctime two-digit year', 'Sun Nov  6 08:49:37 94'],
    ['asctime long weekday', 'Sunday Nov  6 08:49:37 1994'],
    ['asctime 30 Feb', 'Sun Feb 30 08:49:37 1994'],
  ])('%s', (_name, header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});

describe('parseRetryAfter — HTTP-date', () => {
  it.each([
    ['IMF-fixdate', 'Wed, 25 Nov 2026 12:02:00 GMT'],
    ['RFC 850', 'Wednesday, 25-Nov-26 12:02:00 GMT'],
    ['asctime', 'Wed Nov 25 12:02:00 2026'],
    ['IMF-fixdate with surrounding OWS', ' \tWed, 25 Nov 2026 12:02:00 GMT\t '],
  ])('%s two minutes ahead is 120 000 ms', (_form, header) => {
    expect(parseRetryAfter(header, NOW)).toBe(120_000);
  });

  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
    ['one second ago', 'Wed, 25 Nov 2026 11:59:59 GMT'],
  ])('a date in the past (%s) means now: 0', (_form, header) => {
    expect(parseRetryAfter(header, NOW)).toBe(0);
  });

  it('measures the wait on the server clock when the Date header parses (our clock 5 min fast)', () => {
    const ourNow = NOW + 5 * 60_000;
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:02:00 GMT', ourNow, 'Wed, 25 Nov 2026 12:01:00 GMT')).toBe(
      60_000,
    );
  });

  it('measures the wait on the server clock when our clock is slow', () => {
    const ourNow = NOW - 10 * 60_000;
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:02:00 GMT', ourNow, 'Wed, 25 Nov 2026 12:01:30 GMT')).toBe(
      30_000,
    );
  });

  it('accepts a Date header in any HTTP-date form', () => {
    const ourNow = NOW + 3_600_000; // an hour off, so only the Date header can give 60 s
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:02:00 GMT', ourNow, 'Wed Nov 25 12:01:00 2026')).toBe(60_000);
    expect(
      parseRetryAfter('Wed, 25 Nov 2026 12:02:00 GMT', ourNow, 'Wednesday, 25-Nov-26 12:01:00 GMT'),
    ).toBe(60_000);
  });

  it.each([
    ['malformed', 'yesterday'],
    ['empty', ''],
    ['null', null],
    ['undefined', undefined],
  ])('falls back to nowMs when the Date header is %s', (_name, date) => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:02:00 GMT', NOW, date)).toBe(120_000);
  });

  it('is 0 when the retry time is before the server Date', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:02:00 GMT', NOW, 'Wed, 25 Nov 2026 12:03:00 GMT')).toBe(0);
  });
});

describe('parseHttpDate', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
    ['asctime two-digit day', 'Sun Nov 06 08:49:37 1994'],
  ])('reads the RFC 9110 example (%s) as 1994-11-06T08:49:37Z', (_form, text) => {
    expect(parseHttpDate(text, NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it('reads asctime as GMT even when the process time zone is not UTC', () => {
    const previous = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(new Date(2026, 0, 1).getTimezoneOffset()).not.toBe(0); // the zone change took effect
      expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });

  it('does not map a four-digit year below 100 into the 1900s', () => {
    expect(parseHttpDate('Sat, 01 Jan 0050 00:00:00 GMT', NOW)).toBe(utc(50, 1, 1));
  });

  it.each([
    ['2000 (divisible by 400)', 'Tue, 29 Feb 2000 00:00:00 GMT', utc(2000, 2, 29)],
    ['2028', 'Tue, 29 Feb 2028 12:00:00 GMT', utc(2028, 2, 29, 12)],
  ])('accepts 29 February in the leap year %s', (_name, text, expected) => {
    expect(parseHttpDate(text, NOW)).toBe(expected);
  });

  it('accepts a leap second (RFC 5322 allows second 60)', () => {
    expect(parseHttpDate('Wed, 31 Dec 2025 23:59:60 GMT', NOW)).toBe(utc(2026, 1, 1));
  });

  it('checks that the weekday is a valid name but not that it matches the date', () => {
    expect(parseHttpDate('Mon, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  describe('RFC 850 two-digit year: more than 50 years ahead means the previous century (now = 2026-11-25)', () => {
    it.each([
      ['94', '06-Nov-94 08:49:37', utc(1994, 11, 6, 8, 49, 37)],
      ['00', '01-Jan-00 00:00:00', utc(2000, 1, 1)],
      ['25', '25-Nov-25 12:00:00', utc(2025, 11, 25, 12)],
      ['26', '25-Nov-26 12:02:00', utc(2026, 11, 25, 12, 2)],
      ['70', '01-Jan-70 00:00:00', utc(2070, 1, 1)],
      ['76, 49.97 years ahead', '06-Nov-76 00:00:00', utc(2076, 11, 6)],
      ['76, exactly 50 years ahead', '25-Nov-76 12:00:00', utc(2076, 11, 25, 12)],
      ['76, 50 years and 1 second ahead', '25-Nov-76 12:00:01', utc(1976, 11, 25, 12, 0, 1)],
      ['76, late December', '31-Dec-76 00:00:00', utc(1976, 12, 31)],
      ['77', '01-Jan-77 00:00:00', utc(1977, 1, 1)],
      ['99', '31-Dec-99 23:59:59', utc(1999, 12, 31, 23, 59, 59)],
    ])('%s', (_name, date, expected) => {
      expect(parseHttpDate(`Monday, ${date} GMT`, NOW)).toBe(expected);
    });

    it('judges 29-Feb-00 as 2000 (leap) although 2100 (not leap) is the first century tried', () => {
      expect(parseHttpDate('Tuesday, 29-Feb-00 00:00:00 GMT', NOW)).toBe(utc(2000, 2, 29));
    });

    it('rejects 29-Feb in a two-digit year whose resolved century is not leap (now = 2060: 2100)', () => {
      expect(parseHttpDate('Monday, 29-Feb-00 00:00:00 GMT', utc(2060, 1, 1))).toBeUndefined();
    });

    it('takes the next century when that is within 50 years (now = 2080)', () => {
      expect(parseHttpDate('Monday, 01-Jan-10 00:00:00 GMT', utc(2080, 6, 1))).toBe(utc(2110, 1, 1));
      expect(parseHttpDate('Monday, 01-Jan-79 00:00:00 GMT', utc(2080, 6, 1))).toBe(utc(2079, 1, 1));
    });

    it('is undefined when now is not finite', () => {
      expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Number.NaN)).toBeUndefined();
    });
  });

  it('property: IMF-fixdate round-trips for every second of years 0001–9999', () => {
    fc.assert(
      fc.property(anyFourDigitYearSecond, (t) => {
        expect(parseHttpDate(imfFixdate(new Date(t)), NOW)).toBe(t);
      }),
    );
  });

  it('property: asctime round-trips for every second of years 0001–9999', () => {
    fc.assert(
      fc.property(anyFourDigitYearSecond, (t) => {
        expect(parseHttpDate(asctime(new Date(t)), NOW)).toBe(t);
      }),
    );
  });

  it('property: RFC 850 round-trips within 49 years either side of now', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc(1960, 1, 1) / 1000, max: utc(2100, 1, 1) / 1000 }),
        fc.integer({ min: -49 * 365 * 86_400, max: 49 * 365 * 86_400 }),
        (nowSeconds, offsetSeconds) => {
          const now = nowSeconds * 1000;
          const t = now + offsetSeconds * 1000;
          expect(parseHttpDate(rfc850(new Date(t)), now)).toBe(t);
        },
      ),
    );
  });
});

describe('parseRetryAfter — properties', () => {
  const isAbsentOrWait = (v: number | undefined): boolean =>
    v === undefined || (Number.isFinite(v) && v >= 0);

  it('an HTTP-date in any form is retryAt − now, never negative', () => {
    const format = fc.constantFrom(imfFixdate, asctime);
    fc.assert(
      fc.property(
        anyFourDigitYearSecond,
        fc.integer({ min: 0, max: utc(9999, 1, 1) }),
        format,
        (t, now, fmt) => {
          expect(parseRetryAfter(fmt(new Date(t)), now)).toBe(Math.max(0, t - now));
        },
      ),
    );
  });

  it('random strings never throw and give undefined or a non-negative finite wait', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), fc.option(fc.string({ maxLength: 40 })), (value, date) => {
        expect(isAbsentOrWait(parseRetryAfter(value, NOW, date))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('date-like garbage never throws and gives undefined or a non-negative finite wait', () => {
    const unit = fc.constantFrom(...'0123456789 \t,:-GMTSunMonWedNovFebday'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (value) => {
        expect(isAbsentOrWait(parseRetryAfter(value, NOW))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('one-character mutations of valid dates never throw and give undefined or a non-negative wait', () => {
    const valid = fc
      .tuple(anyFourDigitYearSecond, fc.constantFrom(imfFixdate, rfc850, asctime))
      .map(([t, fmt]) => fmt(new Date(t)));
    fc.assert(
      fc.property(valid, fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (text, at, char) => {
        const i = at % text.length;
        const mutated = text.slice(0, i) + char + text.slice(i + 1);
        expect(isAbsentOrWait(parseRetryAfter(mutated, NOW))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
