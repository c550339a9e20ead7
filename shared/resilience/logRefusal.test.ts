import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../test/support/memoryLogger.js';
import type { RefusalEvent } from './bucketGate.js';
import { logRefusal } from './logRefusal.js';

const base: RefusalEvent = {
  bucket: 'submission_read',
  reading: 'new-episode',
  rateBefore: 12.3456,
  rateAfter: 9.87654,
  recentAcceptedPerSecond: 9.87654,
  pausedForMs: 1000.4,
  queued: 16,
};

describe('logRefusal', () => {
  it('warns when a congestion episode sets the pace, with the numbers that explain it', () => {
    const logger = new MemoryLogger();
    logRefusal(logger)(base);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'MediaMagic 429 on submission_read: pace 12.35 → 9.88/s',
        props: {
          bucket: 'submission_read',
          reading: 'new-episode',
          paceBefore: 12.35,
          paceAfter: 9.88,
          recentAcceptedPerSecond: 9.88,
          pausedForMs: 1000,
          queued: 16,
        },
      },
    ]);
  });

  it('says when an episode kept the pace, and when a first pace was learned', () => {
    const logger = new MemoryLogger();
    logRefusal(logger)({ ...base, rateAfter: base.rateBefore });
    logRefusal(logger)({ ...base, reading: 'learned', rateBefore: undefined, rateAfter: 4 });
    expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'MediaMagic 429 on submission_read: pace kept at 12.35/s'],
      ['warn', 'MediaMagic 429 on submission_read: pace learned at 4/s'],
    ]);
  });

  it('notes at info the refusals that only paused, and skips 429s of an episode already counted', () => {
    const logger = new MemoryLogger();
    logRefusal(logger)({ ...base, reading: 'same-episode' });
    logRefusal(logger)({ ...base, reading: 'not-the-bucket', rateAfter: base.rateBefore });
    logRefusal(logger)({ ...base, reading: 'not-held-back', rateBefore: undefined, rateAfter: undefined });
    expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'MediaMagic 429 on submission_read after an honoured Retry-After: paused, pace kept'],
      ['info', 'MediaMagic 429 on submission_read with no send held back by the pace: paused, pace kept'],
    ]);
  });
});
