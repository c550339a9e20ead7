import { describe, expect, it } from 'vitest';
import { freshCursor, handledUpTo, pageDone, parseSweepCursor } from './sweepCursor.js';

const T0 = '2026-12-06T12:00:00.000Z';
const T1 = '2026-12-06T12:05:00.000Z';

describe('parseSweepCursor', () => {
  it('reads back what the sweep writes', () => {
    const cursor = handledUpTo(pageDone(freshCursor('uploads', T0), 'token-2', T0), 'b/c.mp4', T1);
    expect(parseSweepCursor(JSON.stringify(cursor), 'uploads')).toEqual({ ok: true, cursor });
  });

  it.each([
    ['not JSON', '{"version":1,', /not JSON/],
    ['another version', JSON.stringify({ ...freshCursor('uploads', T0), version: 2 }), /^version:/],
    [
      'a negative pass count',
      JSON.stringify({ ...freshCursor('uploads', T0), passesCompleted: -1 }),
      /passesCompleted/,
    ],
    ['an empty page token', JSON.stringify({ ...freshCursor('uploads', T0), pageToken: '' }), /pageToken/],
    [
      'a bad timestamp',
      JSON.stringify({ ...freshCursor('uploads', T0), updatedAt: 'yesterday' }),
      /updatedAt/,
    ],
    ['an array', '[]', /document|version/],
  ])('reports %s as a problem, never throws', (_what, text, problem) => {
    const parsed = parseSweepCursor(text, 'uploads');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  it("refuses another container's cursor", () => {
    const parsed = parseSweepCursor(JSON.stringify(freshCursor('other', T0)), 'uploads');
    expect(parsed).toEqual({ ok: false, problem: 'it walks container other, not uploads' });
  });
});

describe('cursor moves', () => {
  it('a handled page moves to the next page and forgets the last name handled', () => {
    const mid = handledUpTo(freshCursor('uploads', T0), 'a.mp4', T0);
    expect(pageDone(mid, 'token-2', T1)).toEqual({
      version: 1,
      container: 'uploads',
      pageToken: 'token-2',
      passStartedAt: T0,
      passesCompleted: 0,
      updatedAt: T1,
    });
  });

  it('the last page ends the pass: counted, stamped, and the next pass starts at the first page', () => {
    const last = handledUpTo(pageDone(freshCursor('uploads', T0), 'token-9', T0), 'z.mp4', T0);
    const next = pageDone(last, undefined, T1);
    expect(next).toEqual({
      version: 1,
      container: 'uploads',
      passStartedAt: T1,
      passesCompleted: 1,
      lastPassCompletedAt: T1,
      updatedAt: T1,
    });
    expect(pageDone(next, undefined, T1).passesCompleted).toBe(2);
  });
});
