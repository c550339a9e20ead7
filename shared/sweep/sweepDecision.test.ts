import { describe, expect, it } from 'vitest';
import { decideSweep, sameEtag, type ListedBlob } from './sweepDecision.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const GRACE = 15 * 60_000;
const blob = (ageMs: number, etag = '0x8DE1'): ListedBlob => ({
  name: 'videos/a.mp4',
  etag,
  lastModifiedMs: NOW - ageMs,
});

describe('decideSweep', () => {
  it('leaves content the ledger has claimed, however old or new (its own triggers handle it)', () => {
    expect(decideSweep(blob(GRACE * 10), '"0x8DE1"', NOW, GRACE)).toEqual({ kind: 'known' });
    expect(decideSweep(blob(0), '"0x8DE1"', NOW, GRACE)).toEqual({ kind: 'known' });
  });

  it('drives a blob with no record once it is older than the grace period', () => {
    expect(decideSweep(blob(GRACE), undefined, NOW, GRACE)).toEqual({ kind: 'drive', reason: 'unknown' });
    expect(decideSweep(blob(GRACE - 1), undefined, NOW, GRACE)).toEqual({
      kind: 'too-new',
      reason: 'unknown',
    });
  });

  it('drives new content under a known name (a re-upload whose event was lost), after the same grace', () => {
    expect(decideSweep(blob(GRACE, '0x8DE2'), '"0x8DE1"', NOW, GRACE)).toEqual({
      kind: 'drive',
      reason: 'changed',
    });
    expect(decideSweep(blob(1000, '0x8DE2'), '"0x8DE1"', NOW, GRACE)).toEqual({
      kind: 'too-new',
      reason: 'changed',
    });
  });

  it('with no grace (backfill) drives at once, even a blob stamped in the future by clock skew', () => {
    expect(decideSweep(blob(0), undefined, NOW, 0)).toEqual({ kind: 'drive', reason: 'unknown' });
    expect(decideSweep(blob(-60_000), undefined, NOW, 0)).toEqual({ kind: 'drive', reason: 'unknown' });
  });

  it('with a grace period, treats a lastModified in the future as young', () => {
    expect(decideSweep(blob(-60_000), undefined, NOW, GRACE).kind).toBe('too-new');
  });
});

describe('sameEtag', () => {
  it('compares listing (bare) and header (quoted) spellings of the same ETag as equal', () => {
    expect(sameEtag('0x8DE1', '"0x8DE1"')).toBe(true);
    expect(sameEtag('"0x8DE1"', '"0x8DE1"')).toBe(true);
    expect(sameEtag('W/"0x8DE1"', '0x8DE1')).toBe(true);
    expect(sameEtag('0x8DE1', '0x8DE2')).toBe(false);
    expect(sameEtag('"0x8DE1"', '0x8de1')).toBe(false);
  });
});
