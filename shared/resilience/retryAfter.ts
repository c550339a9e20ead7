/**
 * Strict `Retry-After` parsing (RFC 9110 §10.2.3) and HTTP-date parsing (§5.6.7).
 *
 * Why not `Number()` / `Date.parse()`: `Number` accepts "1.5", "-5", "0x10" and " 120", none of which is
 * delay-seconds; V8's `Date.parse` reads "120" as the year 120 and reads asctime dates as *local* time
 * (hours off on a machine outside UTC). A wrong Retry-After either hammers a rate-limited bucket or parks
 * work for the wrong amount of time, so anything that is not exactly one of the RFC forms is treated as
 * absent and the caller falls back to its own backoff.
 *
 * Pure: the caller passes the current time; nothing here reads a clock.
 */

/** Names used by IMF-fixdate and asctime, indexed like `Date#getUTCDay` (Sunday = 0). */
const SHORT_WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
/** Names used by the obsolete RFC 850 form. */
const LONG_WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const SHORT_DAY = SHORT_WEEKDAYS.join('|');
const LONG_DAY = LONG_WEEKDAYS.join('|');
const MONTH = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// `\d` without the `u` flag matches ASCII digits only, which is exactly the RFC's DIGIT.
// HTTP-date is case-sensitive (RFC 9110 §5.6.7), so the patterns are too.
/** `Sun, 06 Nov 1994 08:49:37 GMT` — the only form senders may generate. */
const IMF_FIXDATE = new RegExp(`^(?:${SHORT_DAY}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` — obsolete, two-digit year. */
const RFC850_DATE = new RegExp(`^(?:${LONG_DAY}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994` — obsolete C asctime(); the day is space-padded, and it is always GMT. */
const ASCTIME_DATE = new RegExp(`^(?:${SHORT_DAY}) (${MONTH}) (\\d{2}| \\d) ${TIME} (\\d{4})$`);

/** delay-seconds = 1*DIGIT; nothing else (no sign, no fraction, no exponent). */
const DELAY_SECONDS = /^\d+$/;

/** HTTP's optional whitespace (OWS) is spaces and horizontal tabs only. */
const SURROUNDING_OWS = /^[ \t]+|[ \t]+$/g;

const MS_PER_DAY = 86_400_000;

/**
 * Milliseconds to wait before retrying, from a `Retry-After` header value; `undefined` when the header is
 * absent or malformed (the caller then uses its own backoff).
 *
 * - delay-seconds (`^\d+$` after trimming spaces/tabs) is taken as is and never capped: Retry-After is a
 *   floor, and a cap here would retry into a bucket that is still empty. Only a value too large to be a
 *   finite number of milliseconds is rejected.
 * - An HTTP-date (any of the three RFC 9110 forms) is turned into a wait. When `responseDate` (the
 *   response's own `Date` header) parses, the wait is measured on the server's clock
 *   (`retryAt − responseDate`) so skew between our clock and the server's cancels out; otherwise it is
 *   measured from `nowMs`. A date in the past means "now": 0.
 *
 * @param value the raw header value
 * @param nowMs current epoch milliseconds (also anchors the RFC 850 two-digit-year rule)
 * @param responseDate the raw `Date` header of the same response, if any
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
  responseDate?: string | null,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = trimOws(value);
  if (DELAY_SECONDS.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const retryAt = parseHttpDate(trimmed, nowMs);
  if (retryAt === undefined) return undefined;
  const serverNow =
    responseDate === null || responseDate === undefined ? undefined : parseHttpDate(responseDate, nowMs);
  const wait = retryAt - (serverNow ?? nowMs);
  if (!Number.isFinite(wait)) return undefined;
  return Math.max(0, wait);
}

/**
 * Epoch milliseconds of an HTTP-date in any of its three forms (IMF-fixdate, RFC 850, asctime), all read
 * as GMT; `undefined` for anything else, including impossible dates (31 Apr, 29 Feb in a common year,
 * hour 24) and unknown weekday or month names.
 *
 * The weekday must be a valid name but is not checked against the date: the day, month and year already
 * fix the instant, and a sender with a wrong weekday is still telling us a time unambiguously.
 *
 * @param value the raw date text (surrounding spaces/tabs are ignored)
 * @param nowMs current epoch milliseconds, used only for RFC 850's two-digit year: per RFC 9110 §5.6.7 a
 *   year that would be more than 50 years in the future is the most recent past year with those digits.
 */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  const text = trimOws(value);

  const imf = IMF_FIXDATE.exec(text);
  if (imf) {
    return toValidEpochMs({
      year: Number(imf[3]),
      month: monthNumber(imf[2]),
      day: Number(imf[1]),
      hour: Number(imf[4]),
      minute: Number(imf[5]),
      second: Number(imf[6]),
    });
  }

  const asc = ASCTIME_DATE.exec(text);
  if (asc) {
    return toValidEpochMs({
      year: Number(asc[6]),
      month: monthNumber(asc[1]),
      day: Number(asc[2]),
      hour: Number(asc[3]),
      minute: Number(asc[4]),
      second: Number(asc[5]),
    });
  }

  const rfc850 = RFC850_DATE.exec(text);
  if (rfc850) {
    const fields = (year: number): CivilTime => ({
      year,
      month: monthNumber(rfc850[2]),
      day: Number(rfc850[1]),
      hour: Number(rfc850[4]),
      minute: Number(rfc850[5]),
      second: Number(rfc850[6]),
    });
    const year = resolveTwoDigitYear(Number(rfc850[3]), nowMs, (y) => civilToEpochMs(fields(y)));
    return year === undefined ? undefined : toValidEpochMs(fields(year));
  }
  return undefined;
}

/** A GMT calendar time as written, before range checks (month 1–12 when the name is known, else 0). */
interface CivilTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * Picks the one year ending in `twoDigitYear` whose instant lies in (now + 50y − 100y, now + 50y]: the
 * nearest such year unless it is "more than 50 years in the future", in which case the century before.
 * The century is chosen before the date is validated, so 29-Feb-00 is judged as 2000 (a leap year) even
 * though 2100 (not one) is tried first.
 */
function resolveTwoDigitYear(
  twoDigitYear: number,
  nowMs: number,
  instantIn: (year: number) => number,
): number | undefined {
  if (!Number.isFinite(nowMs)) return undefined;
  const currentYear = new Date(nowMs).getUTCFullYear();
  // Calendar years, not 50 × 365 days, so the boundary falls on the same date and time of day.
  const limit = new Date(nowMs).setUTCFullYear(currentYear + 50);
  const sameCentury = currentYear - (currentYear % 100) + twoDigitYear;
  return [sameCentury + 100, sameCentury].find((year) => instantIn(year) <= limit) ?? sameCentury - 100;
}

/** Converts after checking every field's range; `undefined` for an impossible date or time. */
function toValidEpochMs(t: CivilTime): number | undefined {
  if (t.month < 1 || t.day < 1 || t.day > daysInMonth(t.year, t.month)) return undefined;
  // second = 60 is a leap second, which RFC 5322 (the source of IMF-fixdate) allows.
  if (!(t.hour <= 23 && t.minute <= 59 && t.second <= 60)) return undefined;
  return civilToEpochMs(t);
}

/** Epoch ms of a GMT civil time by arithmetic alone, without `Date`'s local time or its 0–99 year mapping. */
function civilToEpochMs(t: CivilTime): number {
  return (
    daysFromCivil(t.year, t.month, t.day) * MS_PER_DAY + ((t.hour * 60 + t.minute) * 60 + t.second) * 1000
  );
}

function monthNumber(name: string | undefined): number {
  return MONTHS.indexOf(name as (typeof MONTHS)[number]) + 1;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). Hand-rolled
 * because `Date.UTC` maps years 0–99 to 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const marchBasedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * marchBasedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function trimOws(value: string): string {
  return value.replace(SURROUNDING_OWS, '');
}
