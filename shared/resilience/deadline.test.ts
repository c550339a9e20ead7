import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideWait } from './deadline.js';

const NOW = 1_000_000;

describe('decideWait', () => {
  it('waits when the wait ends before the deadline', () => {
    expect(decideWait(NOW, 500, NOW + 2000)).toEqual({ kind: 'wait', ms: 500 });
  });

  it('waits when the wait ends exactly at the deadline', () => {
    expect(decideWait(NOW, 2000, NOW + 2000)).toEqual({ kind: 'wait', ms: 2000 });
  });

  it('hands off one millisecond past the deadline, with the full wait (never shortened)', () => {
    expect(decideWait(NOW, 2001, NOW + 2000)).toEqual({ kind: 'retry-later', retryAt: NOW + 2001 });
  });

  it('hands off a Retry-After far beyond the deadline at its full length', () => {
    expect(decideWait(NOW, 3_600_000, NOW + 10_000)).toEqual({
      kind: 'retry-later',
      retryAt: NOW + 3_600_000,
    });
  });

  it('hands off even a zero wait when the deadline has already passed', () => {
    expect(decideWait(NOW, 0, NOW - 1)).toEqual({ kind: 'retry-later', retryAt: NOW });
  });

  it.each([
    ['negative', -250],
    ['NaN', Number.NaN],
  ])('treats a %s wait as 0', (_name, waitMs) => {
    expect(decideWait(NOW, waitMs, NOW + 1)).toEqual({ kind: 'wait', ms: 0 });
  });

  it('property: waits iff now + wait <= deadline; retryAt is exactly now + wait', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        (now, waitMs, slack) => {
          const deadline = now + waitMs + slack;
          const decision = decideWait(now, waitMs, deadline);
          if (slack >= 0) {
            expect(decision).toEqual({ kind: 'wait', ms: waitMs });
          } else {
            expect(decision).toEqual({ kind: 'retry-later', retryAt: now + waitMs });
          }
        },
      ),
    );
  });
});
