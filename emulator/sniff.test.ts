import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_TYPES, typeForFilename } from './contentTypes.js';
import { sniffMatches } from './sniff.js';
import { SAMPLES, sampleFor } from './testkit.js';

/** Types whose magic bytes are legitimately shared (same container format or text). */
const SAME_FAMILY: readonly (readonly string[])[] = [
  ['video/mp4', 'video/quicktime'],
  ['audio/wav', 'audio/x-wav'],
];
const family = (type: string): readonly string[] => SAME_FAMILY.find((f) => f.includes(type)) ?? [type];

describe('sniffMatches', () => {
  const samples = Object.entries(SAMPLES).map(([ext, data]) => ({
    ext,
    data,
    type: typeForFilename(`x${ext}`) ?? '',
  }));

  it.each(samples)('recognises the $ext sample as its own type', ({ data, type }) => {
    expect(sniffMatches(type, data, true)).toBe(true);
  });

  it.each(samples)('still recognises the $ext sample padded past the sniff window', ({ ext, type }) => {
    const padded = sampleFor(`x${ext}`, 8192);
    expect(padded.length).toBe(8192);
    expect(sniffMatches(type, padded, true)).toBe(true);
  });

  it('does not confuse binary formats with each other', () => {
    for (const sample of samples) {
      for (const other of Object.keys(ALLOWED_TYPES)) {
        if (family(sample.type).includes(other)) continue;
        // SVG and plain text are both text; an SVG sample is valid text/plain.
        if (sample.type === 'image/svg+xml' && other === 'text/plain') continue;
        if (sample.type === 'text/plain' && other === 'image/svg+xml') continue;
        expect(sniffMatches(other, sample.data, true), `${sample.ext} as ${other}`).toBe(false);
      }
    }
  });

  it('tells MP3 frame sync from ADTS AAC', () => {
    expect(sniffMatches('audio/mpeg', Buffer.from([0xff, 0xfb, 0x90, 0x64]), true)).toBe(true);
    expect(sniffMatches('audio/aac', Buffer.from([0xff, 0xfb, 0x90, 0x64]), true)).toBe(false);
    expect(sniffMatches('audio/aac', Buffer.from([0xff, 0xf9, 0x50, 0x80]), true)).toBe(true);
    expect(sniffMatches('audio/mpeg', Buffer.from([0xff, 0xf1, 0x50, 0x80]), true)).toBe(false);
  });

  it('accepts UTF-8 text cut mid-character only when the read was partial', () => {
    const cut = Buffer.from('héllo €', 'utf8').subarray(0, -1);
    expect(sniffMatches('text/plain', cut, false)).toBe(true);
    expect(sniffMatches('text/plain', cut, true)).toBe(false);
    expect(sniffMatches('text/plain', Buffer.from([0xc3, 0x28]), true)).toBe(false);
  });

  it('rejects empty files and unknown types', () => {
    expect(sniffMatches('text/plain', Buffer.alloc(0), true)).toBe(false);
    expect(sniffMatches('application/zip', SAMPLES['.docx'] as Buffer, true)).toBe(false);
  });

  it('never accepts text containing a NUL byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(64), (bytes, at) => {
        const data = Buffer.from(bytes);
        const withNul = Buffer.concat([data.subarray(0, at), Buffer.from([0]), data.subarray(at)]);
        return !sniffMatches('text/plain', withNul, true);
      }),
    );
  });
});
