/**
 * `--since`: the start of a time window, as an ISO-8601 time (`2026-11-25`, `2026-11-25T12:00:00Z`,
 * `2026-11-25T13:00+01:00`) or a duration back from now (`90s`, `30m`, `2h`, `7d`, `2w`). Parsed before any
 * setting is read, so a bad value is a usage error naming it; a duration is resolved against the app's clock
 * when the command runs.
 */
import { usageError } from './args.js';

/** A parsed `--since`: a fixed instant, or a duration before "now". */
export type Since =
  | { readonly kind: 'time'; readonly text: string; readonly atMs: number }
  | { readonly kind: 'ago'; readonly text: string; readonly ms: number };

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const DURATION = /^(\d{1,6})([smhdw])$/;
// A calendar date, optionally a time of day (minutes at least) and an offset; no offset means UTC.
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parses the text of `--since` for `command`; a usage failure naming the value when it is neither form. */
export function parseSince(command: string, text: string): Since {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    if (ms > 0) return { kind: 'ago', text: trimmed, ms };
  }
  const atMs = isoTimeMs(trimmed);
  if (atMs !== undefined) return { kind: 'time', text: trimmed, atMs };
  throw usageError(
    command,
    `--since must be an ISO-8601 time (e.g. 2026-11-25 or 2026-11-25T12:00:00Z; UTC unless an offset is ` +
      `given) or a duration back from now like 30m, 2h or 7d (units s, m, h, d, w) — got "${text}"`,
  );
}

/** The instant a {@link Since} starts at, given the current time. */
export function sinceMs(since: Since, nowMs: number): number {
  return since.kind === 'time' ? since.atMs : nowMs - since.ms;
}

/** Epoch milliseconds of an ISO-8601 date or date-time, or undefined when it is not one or not a real date. */
function isoTimeMs(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const fraction = Number(`0.${m[7] ?? '0'}`);
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  // Date.UTC rolls 31 April over to 1 May; a date that does not round-trip does not exist.
  const real =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!real) return undefined;
  return local + Math.round(fraction * 1000) - offsetMs(m[8]);
}

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}
