import { describe, expect, it } from 'vitest';
import { outcomeFor, parseScript, PLAIN_SCRIPT } from './scripts.js';

describe('parseScript', () => {
  it('reads markers between the name and the extension', () => {
    expect(parseScript('clip.mp4')).toEqual(PLAIN_SCRIPT);
    expect(parseScript('clip.mmfail.mp4')).toMatchObject({ failRetryable: 1, fatal: false });
    expect(parseScript('clip.mmfail-2.mp4')).toMatchObject({ failRetryable: 2 });
    expect(parseScript('clip.mmfatal.mp4')).toMatchObject({ fatal: true });
    expect(parseScript('clip.mmslow.mp4')).toMatchObject({ duration: 'slow' });
    expect(parseScript('clip.mmslow-750.mp4')).toMatchObject({ duration: 750 });
    expect(parseScript('clip.mmissues-3.mp4')).toMatchObject({ issues: 3 });
    expect(parseScript('clip.mmbadresults.mp4')).toMatchObject({ badResults: true });
    expect(parseScript('clip.MMFAIL-1.mmslow.mp4')).toMatchObject({ failRetryable: 1, duration: 'slow' });
  });

  it('ignores markers in the base name or extension and unknown mm tokens', () => {
    expect(parseScript('mmfatal.mp4')).toEqual(PLAIN_SCRIPT);
    expect(parseScript('clip.mmfatal')).toEqual(PLAIN_SCRIPT);
    expect(parseScript('clip.mmunknown.mp4')).toEqual(PLAIN_SCRIPT);
  });

  it('reads mmscript metadata with or without the mm prefix', () => {
    expect(parseScript('clip.mp4', { mmscript: 'fail-2, slow' })).toMatchObject({
      failRetryable: 2,
      duration: 'slow',
    });
    expect(parseScript('clip.mp4', { mmscript: 'mmfatal' })).toMatchObject({ fatal: true });
  });
});

describe('outcomeFor', () => {
  it('fails retryably N runs, then completes or fails permanently', () => {
    const flaky = parseScript('a.mmfail-2.mp4');
    expect([0, 1, 2, 3].map((n) => outcomeFor(flaky, n))).toEqual([
      'retryable',
      'retryable',
      'complete',
      'complete',
    ]);
    const doomed = parseScript('a.mmfail-1.mmfatal.mp4');
    expect([0, 1].map((n) => outcomeFor(doomed, n))).toEqual(['retryable', 'fatal']);
  });
});
