import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_MIME_TYPES, type AllowedMime } from './mediaTypes.js';
import { detectType, isUtf8TextSample, sniffMatches } from './sniff.js';

/** Concatenates ASCII strings and byte lists into one sample. */
function bytes(...parts: (string | ArrayLike<number>)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const c of part) out.push(c.charCodeAt(0));
    else out.push(...Array.from(part));
  }
  return Uint8Array.from(out);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const SIZE = [0x24, 0x10, 0x00, 0x00];

/** A realistic opening of a file of each allowed type. */
const SAMPLES: Record<AllowedMime, Uint8Array> = {
  'video/mp4': bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0], 'isomiso2avc1mp41'),
  'video/quicktime': bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  ', [0, 0, 0, 8], 'wide'),
  'video/x-msvideo': bytes('RIFF', SIZE, 'AVI LIST', [0xc0, 0x11, 0, 0], 'hdrlavih'),
  'video/x-matroska': bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01], 'B', [0xf7, 0x81, 0x01]),
  'audio/mpeg': bytes('ID3', [4, 0, 0, 0, 0, 0x23], 'TSSE', [0, 0, 0, 0x0f]),
  'audio/wav': bytes('RIFF', SIZE, 'WAVEfmt ', [0x10, 0, 0, 0, 1, 0, 2, 0]),
  'audio/x-wav': bytes('RIFF', SIZE, 'WAVEfmt ', [0x10, 0, 0, 0, 1, 0, 1, 0]),
  'audio/aac': bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc, 0x21, 0x00]),
  'audio/ogg': bytes('OggS', [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
  'image/jpeg': bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0]),
  'image/png': bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR'),
  'image/gif': bytes('GIF89a', [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]),
  'image/webp': bytes('RIFF', SIZE, 'WEBPVP8 ', [0x18, 0, 0, 0]),
  'image/svg+xml': utf8('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1"/>'),
  'application/pdf': bytes('%PDF-1.7\n%', [0xe2, 0xe3, 0xcf, 0xd3], '\n1 0 obj'),
  'application/msword': bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': bytes(
    'PK',
    [3, 4, 0x14, 0, 6, 0, 8, 0, 0, 0],
    '[Content_Types].xml',
  ),
  'text/plain': utf8('Meeting notes — café ☕ 2026\r\n\tsecond line\n'),
};

/** Where the loose signatures deliberately overlap: [declared, sample of] pairs that also match. */
const OVERLAPS: readonly (readonly [AllowedMime, AllowedMime])[] = [
  ['video/quicktime', 'video/mp4'], // QuickTime accepts any ftyp brand
  ['video/mp4', 'video/quicktime'], // …and so does MP4
  ['audio/wav', 'audio/x-wav'],
  ['audio/x-wav', 'audio/wav'],
  ['audio/aac', 'audio/mpeg'], // an ID3 tag may precede AAC too
  ['text/plain', 'image/svg+xml'], // SVG is text
];

const canonical = (mime: AllowedMime): AllowedMime => (mime === 'audio/x-wav' ? 'audio/wav' : mime);

describe('sniffMatches', () => {
  it.each([...ALLOWED_MIME_TYPES])('accepts a real opening of %s', (mime) => {
    expect(sniffMatches(mime, SAMPLES[mime])).toBe(true);
  });

  it('rejects every other type’s opening, except the documented overlaps', () => {
    for (const declared of ALLOWED_MIME_TYPES) {
      for (const actual of ALLOWED_MIME_TYPES) {
        const overlap = OVERLAPS.some(([d, a]) => d === declared && a === actual);
        const expected = declared === actual || overlap;
        expect(sniffMatches(declared, SAMPLES[actual]), `${declared} vs bytes of ${actual}`).toBe(expected);
      }
    }
  });

  it('ignores MIME parameters, case and whitespace', () => {
    expect(sniffMatches(' IMAGE/PNG; charset=binary', SAMPLES['image/png'])).toBe(true);
    expect(sniffMatches('Text/Plain;charset=UTF-8', SAMPLES['text/plain'])).toBe(true);
  });

  it.each(['image/bmp', 'application/octet-stream', '', 'video/*', 'png'])(
    'never matches a type outside the allowlist (%j)',
    (mime) => {
      for (const sample of Object.values(SAMPLES)) expect(sniffMatches(mime, sample)).toBe(false);
    },
  );

  it('never matches an empty sample', () => {
    for (const mime of ALLOWED_MIME_TYPES) expect(sniffMatches(mime, new Uint8Array())).toBe(false);
  });

  it('rejects a signature cut short', () => {
    expect(sniffMatches('image/png', SAMPLES['image/png'].subarray(0, 7))).toBe(false);
    expect(sniffMatches('application/msword', SAMPLES['application/msword'].subarray(0, 7))).toBe(false);
    expect(sniffMatches('video/mp4', bytes([0, 0, 0, 0x20], 'fty'))).toBe(false);
    expect(sniffMatches('image/webp', bytes('RIFF', SIZE, 'WEB'))).toBe(false);
    expect(sniffMatches('image/gif', bytes('GIF89'))).toBe(false);
  });

  it('needs the signature at the right offset', () => {
    expect(sniffMatches('application/pdf', bytes(' %PDF-1.7'))).toBe(false);
    expect(sniffMatches('video/mp4', bytes('ftyp', [0, 0, 0, 0], 'isom'))).toBe(false);
    expect(sniffMatches('image/png', bytes([0], SAMPLES['image/png']))).toBe(false);
  });

  describe('video', () => {
    it.each(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])(
      'accepts a classic QuickTime file opening with the %s atom as QuickTime, not as MP4',
      (atom) => {
        const sample = bytes([0, 0, 0, 8], atom, [0, 0, 0, 0]);
        expect(sniffMatches('video/quicktime', sample)).toBe(true);
        expect(sniffMatches('video/mp4', sample)).toBe(false);
      },
    );

    it('accepts any ftyp brand for MP4 and QuickTime (brands are told apart loosely)', () => {
      for (const brand of ['isom', 'mp42', 'M4V ', 'qt  ', 'avc1']) {
        const sample = bytes([0, 0, 0, 0x18], 'ftyp', brand);
        expect(sniffMatches('video/mp4', sample), brand).toBe(true);
        expect(sniffMatches('video/quicktime', sample), brand).toBe(true);
      }
    });

    it('tells RIFF forms apart', () => {
      expect(sniffMatches('video/x-msvideo', bytes('RIFF', SIZE, 'AVIX'))).toBe(false);
      expect(sniffMatches('audio/wav', bytes('RIFF', SIZE, 'WAVX'))).toBe(false);
      expect(sniffMatches('image/webp', bytes('RIFX', SIZE, 'WEBP'))).toBe(false);
    });
  });

  describe('audio frame headers', () => {
    it.each([
      ['MPEG-1 layer III', [0xff, 0xfb, 0x90, 0x64], true],
      ['MPEG-2 layer III', [0xff, 0xf3, 0x48, 0xc4], true],
      ['MPEG-2.5 layer III', [0xff, 0xe3, 0x18, 0xc4], true],
      ['two bytes only', [0xff, 0xfb], true],
      ['one byte only', [0xff], false],
      ['reserved version', [0xff, 0xeb, 0x90, 0x64], false],
      ['bad bitrate index', [0xff, 0xfb, 0xf0, 0x64], false],
      ['reserved sample rate', [0xff, 0xfb, 0x9c, 0x64], false],
      ['layer bits 00 (ADTS, not MPEG audio)', [0xff, 0xf1, 0x50, 0x80], false],
      ['no sync', [0xff, 0xdb, 0x90, 0x64], false],
    ] as const)('audio/mpeg: %s → %s', (_label, header, expected) => {
      expect(sniffMatches('audio/mpeg', bytes(header))).toBe(expected);
    });

    it.each([
      ['0xFFF1 (MPEG-4, no CRC)', [0xff, 0xf1], true],
      ['0xFFF9 (MPEG-2, no CRC)', [0xff, 0xf9], true],
      ['0xFFF0 (MPEG-4, CRC)', [0xff, 0xf0], true],
      ['0xFFF8 (MPEG-2, CRC)', [0xff, 0xf8], true],
      ['0xFFF3 (layer III, an MP3 frame)', [0xff, 0xf3], false],
      ['0xFFE1 (12-bit sync missing)', [0xff, 0xe1], false],
      ['one byte', [0xff], false],
    ] as const)('audio/aac: %s → %s', (_label, header, expected) => {
      expect(
        sniffMatches('audio/aac', bytes(header, [0x50, 0x80]).subarray(0, header.length === 1 ? 1 : 4)),
      ).toBe(expected);
    });

    it('detects an ADTS stream as AAC and an MPEG frame as MP3', () => {
      expect(detectType(bytes([0xff, 0xf9, 0x50, 0x80]))).toBe('audio/aac');
      expect(detectType(bytes([0xff, 0xfb, 0x90, 0x64]))).toBe('audio/mpeg');
    });
  });

  describe('svg', () => {
    it.each([
      ['bare root', '<svg xmlns="http://www.w3.org/2000/svg"></svg>'],
      ['UTF-8 BOM', '\ufeff<svg/>'],
      ['leading whitespace', '\n\t  <svg>'],
      ['XML declaration', '<?xml version="1.0" encoding="UTF-8" standalone="no"?><svg>'],
      ['comments', '<!-- Generator: Adobe Illustrator --><!-- two --><svg width="2">'],
      [
        'doctype',
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg>',
      ],
      ['doctype with an internal subset holding ">"', '<!DOCTYPE svg [ <!ENTITY a "<b>"> ]><svg>'],
      ['namespace prefix', '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>'],
      ['sample ends right after the tag name', '<?xml version="1.0"?><svg'],
      ['newline after the tag name', '<svg\n  width="1">'],
    ])('accepts %s', (_label, text) => {
      expect(sniffMatches('image/svg+xml', utf8(text))).toBe(true);
      expect(detectType(utf8(text))).toBe('image/svg+xml');
    });

    it.each([
      ['HTML embedding an svg', '<!DOCTYPE html><html><body><svg></svg></body></html>'],
      ['another root', '<?xml version="1.0"?><rss><svg/></rss>'],
      ['text mentioning <svg', 'see the <svg> element'],
      ['upper-case tag (XML is case-sensitive)', '<SVG>'],
      ['a longer tag name', '<svgfoo>'],
      ['an unclosed comment', '<!-- never closed <svg>'],
      ['an unclosed declaration', '<?xml version="1.0" <svg>'],
      ['an unclosed doctype', '<!DOCTYPE svg [ <svg>'],
      ['empty text', '   '],
    ])('rejects %s', (_label, text) => {
      expect(sniffMatches('image/svg+xml', utf8(text))).toBe(false);
    });

    it('rejects an SVG opening with a NUL byte (UTF-16 or binary)', () => {
      expect(sniffMatches('image/svg+xml', bytes('<svg', [0], '>'))).toBe(false);
      expect(sniffMatches('image/svg+xml', bytes([0xff, 0xfe], '<\0s\0v\0g\0'))).toBe(false);
    });
  });

  describe('text/plain', () => {
    it.each([
      ['ASCII', utf8('hello')],
      ['multi-byte UTF-8', utf8('naïve — 日本語 🎬')],
      ['UTF-8 BOM', bytes([0xef, 0xbb, 0xbf], 'hi')],
      ['a 4-byte character cut after 1 byte', bytes('ok ', [0xf0])],
      ['a 4-byte character cut after 3 bytes', bytes('ok ', [0xf0, 0x9f, 0x8e])],
      ['a 3-byte character cut after 2 bytes', bytes('ok ', [0xe2, 0x80])],
      ['control characters other than NUL', bytes('a', [0x1b, 0x07, 0x7f], 'b')],
    ])('accepts %s', (_label, sample) => {
      expect(sniffMatches('text/plain', sample)).toBe(true);
    });

    it.each([
      ['a NUL byte', bytes('abc', [0], 'def')],
      ['UTF-16 with BOM', bytes([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00])],
      ['Latin-1 é', bytes('caf', [0xe9], ' au lait')],
      ['a lone continuation byte', bytes('a', [0x80], 'b')],
      ['an overlong NUL (C0 80)', bytes([0xc0, 0x80])],
      ['an overlong 3-byte form (E0 80 80)', bytes([0xe0, 0x80, 0x80])],
      ['a UTF-16 surrogate (ED A0 80)', bytes([0xed, 0xa0, 0x80])],
      ['beyond U+10FFFF (F4 90 80 80)', bytes([0xf4, 0x90, 0x80, 0x80])],
      ['an invalid lead byte F5', bytes([0xf5, 0x80, 0x80, 0x80])],
      ['a broken sequence before the end', bytes([0xe2, 0x28, 0xa1], 'ok')],
      ['binary', SAMPLES['image/png']],
    ])('rejects %s', (_label, sample) => {
      expect(sniffMatches('text/plain', sample)).toBe(false);
    });

    it('accepts any NUL-free text, cut anywhere', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.nat(), (text, cutAt) => {
          const encoded = utf8(text.replaceAll('\0', ''));
          const cut = encoded.subarray(0, cutAt % (encoded.length + 1));
          expect(isUtf8TextSample(cut)).toBe(true);
        }),
      );
    });

    it('agrees with a strict UTF-8 decoder on complete NUL-free samples', () => {
      // A fresh decoder each time: a streaming decode keeps state between calls.
      const strict = () => new TextDecoder('utf-8', { fatal: true });
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
          const sample = raw.filter((b) => b !== 0);
          let valid = true;
          try {
            strict().decode(sample);
          } catch {
            valid = false;
          }
          // Valid input must pass; invalid input may pass only when the problem is a cut-off tail.
          if (valid) expect(isUtf8TextSample(sample)).toBe(true);
          else if (isUtf8TextSample(sample)) {
            expect(() => strict().decode(sample, { stream: true })).not.toThrow();
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});

describe('detectType', () => {
  it.each([...ALLOWED_MIME_TYPES])('recognises an opening of %s', (mime) => {
    expect(detectType(SAMPLES[mime])).toBe(canonical(mime));
  });

  it('tells a QuickTime ftyp brand from MP4 brands', () => {
    expect(detectType(bytes([0, 0, 0, 0x14], 'ftypqt  '))).toBe('video/quicktime');
    expect(detectType(bytes([0, 0, 0, 0x14], 'ftypmp42'))).toBe('video/mp4');
    expect(detectType(bytes([0, 0, 0, 8], 'moov'))).toBe('video/quicktime');
  });

  it('returns undefined for unknown binary and for an empty sample', () => {
    expect(detectType(new Uint8Array())).toBeUndefined();
    expect(detectType(bytes('BM', [0x36, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(detectType(bytes([0x1f, 0x8b, 0x08, 0x00]))).toBeUndefined();
  });

  it('agrees with sniffMatches on arbitrary bytes', () => {
    const signatures = fc.constantFrom(...Object.values(SAMPLES).map((s) => s.subarray(0, 12)));
    const sample = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(signatures, fc.uint8Array({ maxLength: 32 })).map(([head, tail]) => bytes(head, tail)),
    );
    fc.assert(
      fc.property(sample, (b) => {
        const detected = detectType(b);
        if (detected !== undefined) expect(sniffMatches(detected, b)).toBe(true);
        else for (const mime of ALLOWED_MIME_TYPES) expect(sniffMatches(mime, b)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, whatever the bytes or the type', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 256 }), (mime, b) => {
        sniffMatches(mime, b);
        detectType(b);
      }),
    );
  });
});
