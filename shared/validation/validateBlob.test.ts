import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobNameProblem } from './blobName.js';
import {
  ALLOWED_MIME_TYPES,
  categoryOf,
  extensionOf,
  extensionsFor,
  maxBytesFor,
  mimeTypesForExtension,
  type AllowedMime,
} from './mediaTypes.js';
import { sniffMatches } from './sniff.js';
import {
  SNIFF_BYTES,
  formatBytes,
  validateBlob,
  type BlobToValidate,
  type RejectionKind,
} from './validateBlob.js';

function bytes(...parts: (string | ArrayLike<number>)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const c of part) out.push(c.charCodeAt(0));
    else out.push(...Array.from(part));
  }
  return Uint8Array.from(out);
}

/** The first bytes of a file of each type (the sniffing itself is specified in sniff.test.ts). */
const FIRST_BYTES: Record<AllowedMime, Uint8Array> = {
  'video/mp4': bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]),
  'video/quicktime': bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0]),
  'video/x-msvideo': bytes('RIFF', [1, 2, 3, 4], 'AVI LIST', [0]),
  'video/x-matroska': bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]),
  'audio/mpeg': bytes('ID3', [4, 0, 0, 0, 0, 0]),
  'audio/wav': bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ', [0]),
  'audio/x-wav': bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ', [0]),
  'audio/aac': bytes([0xff, 0xf1, 0x50, 0x80, 0x02]),
  'audio/ogg': bytes('OggS', [0, 2, 0]),
  'image/jpeg': bytes([0xff, 0xd8, 0xff, 0xe0, 0x00]),
  'image/png': bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]),
  'image/gif': bytes('GIF89a', [1, 0]),
  'image/webp': bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ', [0]),
  'image/svg+xml': bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  'application/pdf': bytes('%PDF-1.7\n%', [0xe2, 0xe3]),
  'application/msword': bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': bytes('PK', [3, 4, 0x14, 0]),
  'text/plain': bytes('plain notes\n'),
};

const PDF = FIRST_BYTES['application/pdf'];
const PNG = FIRST_BYTES['image/png'];

function blob(overrides: Partial<BlobToValidate> = {}): BlobToValidate {
  return { name: 'photo.png', contentType: 'image/png', contentLength: 1234, firstBytes: PNG, ...overrides };
}

function rejectionOf(input: BlobToValidate): { kind: RejectionKind; message: string } {
  const result = validateBlob(input);
  if (result.ok) throw new Error(`expected a rejection for ${input.name}`);
  return result.rejection;
}

describe('validateBlob — accepted', () => {
  it('exports the size of the one ranged read', () => {
    expect(SNIFF_BYTES).toBe(4096);
  });

  it.each([...ALLOWED_MIME_TYPES])('accepts %s with a matching name and bytes', (mime) => {
    const name = `folder/file.${extensionsFor(mime)[0] ?? ''}`;
    expect(
      validateBlob({ name, contentType: mime, contentLength: 10, firstBytes: FIRST_BYTES[mime] }),
    ).toEqual({
      ok: true,
      mime,
      category: categoryOf(mime),
      mimeSource: 'content-type',
    });
  });

  it.each([
    ['upper-case type with parameters', 'Image/PNG; charset=binary'],
    ['surrounding whitespace', '  image/png  '],
  ])('normalises the declared type (%s)', (_label, contentType) => {
    expect(validateBlob(blob({ contentType }))).toMatchObject({ ok: true, mime: 'image/png' });
  });

  it.each([
    ['PHOTO.PNG', 'image/png'],
    ['clip.M4V', 'video/mp4'],
  ])('compares extensions case-insensitively (%s)', (name, contentType) => {
    const firstBytes = FIRST_BYTES[contentType as AllowedMime];
    expect(validateBlob(blob({ name, contentType, firstBytes })).ok).toBe(true);
  });

  it('accepts both WAV spellings for .wav', () => {
    for (const contentType of ['audio/wav', 'audio/x-wav'] as const) {
      const result = validateBlob(blob({ name: 'a.wav', contentType, firstBytes: FIRST_BYTES[contentType] }));
      expect(result).toMatchObject({ ok: true, mime: contentType });
    }
  });

  it.each([undefined, '', '   ', 'application/octet-stream', 'Application/Octet-Stream; foo=bar'])(
    'takes the type from the extension when the Content-Type is %j',
    (contentType) => {
      expect(validateBlob(blob({ contentType }))).toEqual({
        ok: true,
        mime: 'image/png',
        category: 'image',
        mimeSource: 'extension',
      });
    },
  );

  it('infers the first listed type for an extension with several (.wav → audio/wav)', () => {
    const result = validateBlob(
      blob({ name: 'a.wav', contentType: undefined, firstBytes: FIRST_BYTES['audio/wav'] }),
    );
    expect(result).toMatchObject({ ok: true, mime: 'audio/wav', mimeSource: 'extension' });
  });

  it.each(ALLOWED_MIME_TYPES.map((mime) => [mime, maxBytesFor(mime)] as const))(
    'accepts %s at exactly its cap (%d bytes)',
    (mime, max) => {
      const name = `f.${extensionsFor(mime)[0] ?? ''}`;
      expect(
        validateBlob({ name, contentType: mime, contentLength: max, firstBytes: FIRST_BYTES[mime] }).ok,
      ).toBe(true);
    },
  );
});

describe('validateBlob — rejected', () => {
  it('says what is wrong and what to do when the bytes are another type (docs/design.md, decision 5)', () => {
    expect(rejectionOf(blob({ firstBytes: PDF }))).toEqual({
      kind: 'content-mismatch',
      message:
        'photo.png is declared image/png but its bytes look like a PDF (application/pdf); upload the right ' +
        'file or fix its Content-Type',
    });
  });

  it('describes bytes that look like nothing it knows', () => {
    expect(rejectionOf(blob({ firstBytes: bytes([0x00, 0x01, 0x02, 0x03]) })).message).toBe(
      'photo.png is declared image/png but its first bytes do not look like a PNG image; upload the right ' +
        'file or fix its Content-Type',
    );
  });

  it('explains an inferred type when the bytes disagree', () => {
    expect(rejectionOf(blob({ contentType: undefined, firstBytes: PDF }))).toEqual({
      kind: 'content-mismatch',
      message:
        'photo.png has no Content-Type, so its type was taken from its extension (image/png) but its bytes ' +
        'look like a PDF (application/pdf); upload the right file, or rename it and set its Content-Type',
    });
  });

  it('rejects missing first bytes of a non-empty blob as a content mismatch', () => {
    expect(rejectionOf(blob({ firstBytes: new Uint8Array() })).kind).toBe('content-mismatch');
  });

  it.each([0, -1, Number.NaN])('rejects a blob of length %d as empty', (contentLength) => {
    expect(rejectionOf(blob({ contentLength }))).toEqual({
      kind: 'empty',
      message: 'photo.png is empty (0 bytes); the upload probably failed — upload the file again',
    });
  });

  it.each([
    [
      'an unknown declared type',
      { name: 'movie.flv', contentType: 'video/x-flv' },
      'movie.flv is declared video/x-flv, which MediaMagic does not accept; convert it to one of video/mp4, ' +
        'video/quicktime, video/x-msvideo, video/x-matroska, or fix its Content-Type if it is wrong',
    ],
    [
      'a type of an unknown family',
      { name: 'model.stl', contentType: 'model/stl' },
      `model.stl is declared model/stl, which MediaMagic does not accept; convert it to one of ${ALLOWED_MIME_TYPES.join(', ')}, or fix its Content-Type if it is wrong`,
    ],
    [
      'a common misspelling',
      { name: 'photo.jpg', contentType: 'image/jpg' },
      'photo.jpg is declared image/jpg, which is not a registered type; set its Content-Type to image/jpeg',
    ],
  ])('rejects %s as unsupported-type', (_label, overrides, message) => {
    expect(rejectionOf(blob(overrides))).toEqual({ kind: 'unsupported-type', message });
  });

  it('rejects an unknown extension without a Content-Type, listing the accepted extensions', () => {
    const { kind, message } = rejectionOf(blob({ name: 'setup.exe', contentType: undefined }));
    expect(kind).toBe('unsupported-type');
    expect(message).toMatch(
      /^setup\.exe has no Content-Type and its extension \.exe is not one MediaMagic accepts/,
    );
    expect(message).toContain('.mp4, .m4v, .mov');
  });

  it('rejects a name without extension or Content-Type', () => {
    const { kind, message } = rejectionOf(blob({ name: 'README', contentType: 'application/octet-stream' }));
    expect(kind).toBe('unsupported-type');
    expect(message).toMatch(/^README has no Content-Type and no file extension, so its type cannot be told/);
  });

  it.each([
    [
      'another allowed type’s extension',
      { name: 'photo.jpg', contentType: 'image/png' },
      'photo.jpg is declared image/png but has the extension .jpg (image/jpeg); rename it to end in .png, or ' +
        'fix its Content-Type if that is what is wrong',
    ],
    [
      'an unknown extension',
      { name: 'clip.flv', contentType: 'video/mp4', firstBytes: FIRST_BYTES['video/mp4'] },
      'clip.flv is declared video/mp4 but has the extension .flv, which MediaMagic does not accept; rename it ' +
        'to end in .mp4 or .m4v, or fix its Content-Type if that is what is wrong',
    ],
    [
      'no extension',
      { name: 'folder/photo', contentType: 'image/jpeg' },
      'folder/photo is declared image/jpeg but has no file extension; rename it to end in .jpg or .jpeg, or fix ' +
        'its Content-Type if that is what is wrong',
    ],
  ])('rejects %s as extension-mismatch', (_label, overrides, message) => {
    expect(rejectionOf(blob(overrides))).toEqual({ kind: 'extension-mismatch', message });
  });

  it.each([
    ['video/mp4', 'clip.mp4', 'video', '5 GiB (5368709120 bytes)'],
    ['audio/mpeg', 'song.mp3', 'audio', '500 MiB (524288000 bytes)'],
    ['image/png', 'photo.png', 'image', '50 MiB (52428800 bytes)'],
    ['application/pdf', 'doc.pdf', 'document', '100 MiB (104857600 bytes)'],
    ['text/plain', 'notes.txt', 'document', '100 MiB (104857600 bytes)'],
  ] as const)('rejects %s one byte over its cap', (mime, name, category, cap) => {
    const contentLength = maxBytesFor(mime) + 1;
    const { kind, message } = rejectionOf({
      name,
      contentType: mime,
      contentLength,
      firstBytes: FIRST_BYTES[mime],
    });
    expect(kind).toBe('too-large');
    expect(message).toBe(
      `${name} is ${formatBytes(contentLength)} (${contentLength} bytes); MediaMagic accepts ${category} files ` +
        `up to ${cap}; compress or split it and upload it again`,
    );
  });

  it('reports an invalid name with the name rule’s own message', () => {
    expect(rejectionOf(blob({ name: '../photo.png' }))).toEqual({
      kind: 'invalid-name',
      message: blobNameProblem('../photo.png'),
    });
  });
});

describe('validateBlob — the order of checks', () => {
  it.each([
    ['name before emptiness', { name: 'a\\b.png', contentLength: 0 }, 'invalid-name'],
    ['emptiness before type', { contentType: 'video/x-flv', contentLength: 0 }, 'empty'],
    ['type before extension', { name: 'a.mp4', contentType: 'image/bmp' }, 'unsupported-type'],
    ['extension before size', { name: 'a.jpg', contentLength: 10 ** 12 }, 'extension-mismatch'],
    ['size before content', { contentLength: 10 ** 12, firstBytes: PDF }, 'too-large'],
  ] as const)('checks %s', (_label, overrides, kind) => {
    expect(rejectionOf(blob(overrides)).kind).toBe(kind);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [50 * 1024 ** 2, '50 MiB'],
    [512.5 * 1024 ** 2, '512.5 MiB'],
    [5 * 1024 ** 3, '5 GiB'],
    [6.25 * 1024 ** 3, '6.3 GiB'],
  ])('%d → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe('validateBlob — properties', () => {
  const anyInput = fc.record({
    name: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc
        .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('png', 'mp4', 'wav', 'txt', 'exe', 'JPG', ''))
        .map(([stem, ext]) => `${stem}.${ext}`),
    ),
    contentType: fc.option(
      fc.oneof(fc.constantFrom(...ALLOWED_MIME_TYPES, 'application/octet-stream', 'image/jpg'), fc.string()),
      { nil: undefined },
    ),
    contentLength: fc.oneof(fc.integer({ min: -5, max: 6 * 1024 ** 3 }), fc.constantFrom(Number.NaN, 0, 1)),
    firstBytes: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...Object.values(FIRST_BYTES))),
  });

  it('never throws, and an accepted blob satisfies every rule', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const result = validateBlob(input);
        if (!result.ok) {
          expect(result.rejection.message.length).toBeGreaterThan(20);
          expect(result.rejection.message).toContain('; ');
          return;
        }
        expect(blobNameProblem(input.name)).toBeUndefined();
        expect(input.contentLength).toBeGreaterThan(0);
        expect(input.contentLength).toBeLessThanOrEqual(maxBytesFor(result.mime));
        expect(mimeTypesForExtension(extensionOf(input.name) ?? '')).toContain(result.mime);
        expect(sniffMatches(result.mime, input.firstBytes)).toBe(true);
        expect(result.category).toBe(categoryOf(result.mime));
      }),
      { numRuns: 2000 },
    );
  });

  it('names the blob in every rejection of a valid name', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const result = validateBlob(input);
        if (!result.ok && result.rejection.kind !== 'invalid-name') {
          expect(result.rejection.message.startsWith(`${input.name} `)).toBe(true);
        }
      }),
    );
  });
});
