import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BLOB_NAME_CHARS } from './blobAddress.js';
import { MAX_FILE_NAME_CHARS, blobNameProblem } from './blobName.js';

describe('blobNameProblem', () => {
  it.each([
    'photo.png',
    'campaign-video.mp4',
    'folder/sub folder/clip (final) v2.mov',
    '660e8400-e29b-41d4-a716-446655440000/campaign-video.mp4',
    'Résumé — 日本語 🎬.pdf',
    "it's #1 & 100%.txt",
    '.hidden.png',
    'a'.repeat(MAX_FILE_NAME_CHARS),
    `${'d/'.repeat(300)}${'f'.repeat(200)}`,
    '🎬'.repeat(MAX_FILE_NAME_CHARS),
  ])('accepts %j', (name) => {
    expect(blobNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'The blob name is empty'],
    ['x'.repeat(MAX_BLOB_NAME_CHARS + 1), 'is longer than 1024 characters'],
    ['bad\ud800.png', 'contains an invalid Unicode character'],
    ['bad\udc00.png', 'contains an invalid Unicode character'],
    ['tab\there.png', 'contains a control character (U+0009)'],
    ['nul\u0000.png', 'contains a control character (U+0000)'],
    ['del\u007f.png', 'contains a control character (U+007F)'],
    ['c1\u0085.png', 'contains a control character (U+0085)'],
    ['new\nline.png', 'contains a control character (U+000A)'],
    ['folder\\photo.png', 'contains a backslash'],
    ['what?.png', 'contains "?"'],
    ['a*b.png', 'contains "*"'],
    ['a<b>.png', 'contains "<"'],
    ['c:photo.png', 'contains ":"'],
    ['say "hi".png', 'contains """'],
    ['pipe|.png', 'contains "|"'],
    ['/photo.png', 'starts with "/"'],
    ['folder//photo.png', 'has an empty path segment'],
    ['folder/', 'has an empty path segment'],
    ['../photo.png', 'contains a "." or ".." path segment'],
    ['a/../b/photo.png', 'contains a "." or ".." path segment'],
    ['a/./photo.png', 'contains a "." or ".." path segment'],
    ['photo.png.', 'ending in a dot'],
    ['photo.png ', 'ending in a space'],
    ['folder./photo.png', 'ending in a dot'],
    ['folder /photo.png', 'ending in a space'],
    [`${'a'.repeat(MAX_FILE_NAME_CHARS + 1)}`, 'has a file name of 256 characters (at most 255)'],
    [`dir/${'🎬'.repeat(MAX_FILE_NAME_CHARS + 1)}`, 'has a file name of 256 characters'],
  ])('rejects %j: %s', (name, expected) => {
    const problem = blobNameProblem(name);
    expect(problem).toContain(expected);
    expect(problem).toMatch(/; (rename|shorten|upload)/);
  });

  it('shows control characters escaped and shortens long names', () => {
    expect(blobNameProblem('a\u0001b.png')).toBe(
      '"a\\u0001b.png" contains a control character (U+0001); rename the blob and upload it again without it',
    );
    const problem = blobNameProblem('y'.repeat(2000)) ?? '';
    expect(problem.length).toBeLessThan(300);
    expect(problem).toContain(`"${'y'.repeat(120)}…"`);
  });

  it('never throws, and accepted names keep every rule', () => {
    const alphabet = fc.constantFrom(
      'a',
      'Z',
      '0',
      '.',
      ' ',
      '/',
      '\\',
      '?',
      '\u0000',
      '\ud800',
      '\udc00',
      '🎬',
      'é',
      '-',
    );
    const names = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: alphabet, maxLength: 30 }));
    fc.assert(
      fc.property(names, (name) => {
        const problem = blobNameProblem(name);
        if (problem !== undefined) return;
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(MAX_BLOB_NAME_CHARS);
        expect(name).not.toMatch(/[\\<>:"|?*]/);
        // eslint-disable-next-line no-control-regex -- asserting their absence
        expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(name.startsWith('/')).toBe(false);
        for (const segment of name.split('/')) {
          expect(['', '.', '..']).not.toContain(segment);
          expect(segment).not.toMatch(/[. ]$/);
        }
        expect(() => encodeURIComponent(name)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
