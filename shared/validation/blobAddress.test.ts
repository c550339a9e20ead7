import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BLOB_NAME_CHARS, blobAddressProblem } from './blobAddress.js';

/** Where the storage SDK's URL for `name` in container `c` really points, as the service resolves it. */
function resolvedPath(name: string): string {
  const path = name.split('/').map(encodeURIComponent).join('/');
  return decodeURIComponent(new URL(`http://127.0.0.1/acct/c/${path}`).pathname);
}

describe('blobAddressProblem', () => {
  it.each([
    'clip.mp4',
    'folder/sub folder/clip (final) v2.mov',
    '.hidden.png',
    'a..b/c...d.png',
    "it's #1 & 100%2e%2e.txt",
    '%2e%2e/x.png',
    'Résumé — 日本語 🎬.pdf',
  ])('accepts %j', (name) => {
    expect(blobAddressProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'empty', 'The blob name is empty'],
    ['x'.repeat(MAX_BLOB_NAME_CHARS + 1), 'too-long', 'is longer than 1024 characters'],
    ['x/../clip.mp4', 'dot-segment', 'contains a "." or ".." path segment'],
    ['../other/x', 'dot-segment', 'resolves to another blob'],
    ['..', 'dot-segment', '".." path segment'],
    ['a/./clip.mp4', 'dot-segment', '"." or ".."'],
    ['clip.mp4/.', 'dot-segment', '"." or ".."'],
    ['folder\\clip.mp4', 'backslash', 'contains a backslash, which storage reads as "/"'],
    ['..\\other\\x', 'backslash', 'contains a backslash'],
    ['clip.mp4.', 'trailing-dot', 'ending in a dot, which storage drops'],
    ['folder./clip.mp4', 'trailing-dot', 'ending in a dot'],
    ['clip.mp4/', 'empty-segment', 'a trailing "/"'],
    ['a//clip.mp4', 'empty-segment', '"//"'],
    ['/clip.mp4', 'leading-slash', 'starts with "/"'],
  ])('refuses %j (%s): %s', (name, kind, words) => {
    const problem = blobAddressProblem(name);
    expect(problem?.kind).toBe(kind);
    expect(problem?.message).toContain(words);
    expect(problem?.message).toMatch(/; (rename|shorten|upload)/);
  });

  it('every accepted name addresses itself: the URL the SDK builds resolves to the same name', () => {
    const alphabet = fc.constantFrom('a', '.', '/', '\\', '%', '2', 'e', ' ', '?', '#');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 20 }), (name) => {
        if (blobAddressProblem(name) !== undefined) return;
        expect(resolvedPath(name)).toBe(`/acct/c/${name}`);
        expect(name).not.toContain('\\');
        for (const segment of name.split('/')) expect(segment).not.toMatch(/^$|\.$/);
      }),
      { numRuns: 3000 },
    );
  });
});
