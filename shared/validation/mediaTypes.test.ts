import { describe, expect, it } from 'vitest';
import {
  ALLOWED_MIME_TYPES,
  MAX_BYTES_BY_TOP_LEVEL_TYPE,
  acceptedExtensions,
  categoryOf,
  describeMime,
  extensionOf,
  extensionsFor,
  isAllowedMime,
  likelyMeant,
  maxBytesFor,
  mimeTypesForExtension,
  normaliseMime,
  type AllowedMime,
  type MediaCategory,
} from './mediaTypes.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('the allowlist', () => {
  it('is exactly the error-handling guide’s ALLOWED_TYPES, in its order', () => {
    expect([...ALLOWED_MIME_TYPES]).toEqual([
      'video/mp4',
      'video/quicktime',
      'video/x-msvideo',
      'video/x-matroska',
      'audio/mpeg',
      'audio/wav',
      'audio/x-wav',
      'audio/aac',
      'audio/ogg',
      'image/jpeg',
      'image/png',
      'image/gif',
      'image/webp',
      'image/svg+xml',
      'application/pdf',
      'application/msword',
      DOCX,
      'text/plain',
    ]);
  });

  it('accepts only normalised allowlisted types', () => {
    expect(isAllowedMime('image/png')).toBe(true);
    expect(isAllowedMime('Image/PNG')).toBe(false);
    expect(isAllowedMime('image/png; charset=x')).toBe(false);
    expect(isAllowedMime('image/bmp')).toBe(false);
    expect(isAllowedMime('')).toBe(false);
  });
});

describe('size caps', () => {
  it('are the error-handling guide’s MAX_SIZES, keyed by top-level type, in binary units', () => {
    expect(MAX_BYTES_BY_TOP_LEVEL_TYPE).toEqual({
      video: 5_368_709_120,
      audio: 524_288_000,
      image: 52_428_800,
      application: 104_857_600,
      text: 104_857_600,
    });
  });

  it.each([
    ['video/mp4', 'video', 5 * 1024 ** 3],
    ['video/quicktime', 'video', 5 * 1024 ** 3],
    ['video/x-msvideo', 'video', 5 * 1024 ** 3],
    ['video/x-matroska', 'video', 5 * 1024 ** 3],
    ['audio/mpeg', 'audio', 500 * 1024 ** 2],
    ['audio/wav', 'audio', 500 * 1024 ** 2],
    ['audio/x-wav', 'audio', 500 * 1024 ** 2],
    ['audio/aac', 'audio', 500 * 1024 ** 2],
    ['audio/ogg', 'audio', 500 * 1024 ** 2],
    ['image/jpeg', 'image', 50 * 1024 ** 2],
    ['image/png', 'image', 50 * 1024 ** 2],
    ['image/gif', 'image', 50 * 1024 ** 2],
    ['image/webp', 'image', 50 * 1024 ** 2],
    ['image/svg+xml', 'image', 50 * 1024 ** 2],
    ['application/pdf', 'document', 100 * 1024 ** 2],
    ['application/msword', 'document', 100 * 1024 ** 2],
    [DOCX, 'document', 100 * 1024 ** 2],
    ['text/plain', 'document', 100 * 1024 ** 2],
  ] satisfies [AllowedMime, MediaCategory, number][])(
    '%s is %s, capped at %d bytes',
    (mime, category, max) => {
      expect(categoryOf(mime)).toBe(category);
      expect(maxBytesFor(mime)).toBe(max);
    },
  );
});

describe('extensions', () => {
  it.each([
    ['mp4', ['video/mp4']],
    ['m4v', ['video/mp4']],
    ['mov', ['video/quicktime']],
    ['avi', ['video/x-msvideo']],
    ['mkv', ['video/x-matroska']],
    ['mp3', ['audio/mpeg']],
    ['wav', ['audio/wav', 'audio/x-wav']],
    ['aac', ['audio/aac']],
    ['ogg', ['audio/ogg']],
    ['oga', ['audio/ogg']],
    ['jpg', ['image/jpeg']],
    ['jpeg', ['image/jpeg']],
    ['png', ['image/png']],
    ['gif', ['image/gif']],
    ['webp', ['image/webp']],
    ['svg', ['image/svg+xml']],
    ['pdf', ['application/pdf']],
    ['doc', ['application/msword']],
    ['docx', [DOCX]],
    ['txt', ['text/plain']],
  ])('.%s carries %j', (ext, types) => {
    expect(mimeTypesForExtension(ext)).toEqual(types);
    expect(mimeTypesForExtension(ext.toUpperCase())).toEqual(types);
  });

  it('lists exactly those extensions', () => {
    expect([...acceptedExtensions()].sort()).toEqual(
      [
        'mp4',
        'm4v',
        'mov',
        'avi',
        'mkv',
        'mp3',
        'wav',
        'aac',
        'ogg',
        'oga',
        'jpg',
        'jpeg',
        'png',
        'gif',
        'webp',
        'svg',
        'pdf',
        'doc',
        'docx',
        'txt',
      ].sort(),
    );
  });

  it('gives every allowed type at least one extension, and each extension maps back', () => {
    for (const mime of ALLOWED_MIME_TYPES) {
      const extensions = extensionsFor(mime);
      expect(extensions.length, mime).toBeGreaterThan(0);
      for (const ext of extensions) expect(mimeTypesForExtension(ext)).toContain(mime);
    }
    expect(extensionsFor('image/jpeg')).toEqual(['jpg', 'jpeg']);
    expect(extensionsFor('audio/x-wav')).toEqual(['wav']);
  });

  it.each(['exe', 'flv', 'webm', 'm4a', 'heic', '', '__proto__', 'constructor', 'toString'])(
    'knows no types for .%s',
    (ext) => {
      expect(mimeTypesForExtension(ext)).toEqual([]);
    },
  );
});

describe('extensionOf', () => {
  it.each([
    ['photo.png', 'png'],
    ['PHOTO.JPG', 'jpg'],
    ['folder/sub/clip.Mp4', 'mp4'],
    ['archive.tar.gz', 'gz'],
    ['my.photos/holiday', undefined],
    ['noextension', undefined],
    ['.mp4', undefined],
    ['folder/.hidden', undefined],
    ['trailing.', undefined],
    ['', undefined],
    ['a.b/c.d/e.txt', 'txt'],
  ])('%j → %j', (name, expected) => {
    expect(extensionOf(name)).toBe(expected);
  });
});

describe('normaliseMime', () => {
  it.each([
    ['Image/JPEG; charset=x', 'image/jpeg'],
    ['  text/plain ;charset=utf-8', 'text/plain'],
    ['VIDEO/MP4', 'video/mp4'],
    ['image/svg+xml', 'image/svg+xml'],
    ['', ''],
    [';', ''],
  ])('%j → %j', (raw, expected) => {
    expect(normaliseMime(raw)).toBe(expected);
  });
});

describe('labels and suggestions', () => {
  it('names every type for people', () => {
    for (const mime of ALLOWED_MIME_TYPES) expect(describeMime(mime)).toMatch(/^(an? |plain )/);
    expect(describeMime('application/pdf')).toBe('a PDF');
  });

  it.each([
    ['image/jpg', 'image/jpeg'],
    ['audio/mp3', 'audio/mpeg'],
    ['audio/wave', 'audio/wav'],
    ['video/avi', 'video/x-msvideo'],
    ['application/x-pdf', 'application/pdf'],
  ])('suggests %s → %s', (alias, meant) => {
    expect(likelyMeant(alias)).toBe(meant);
  });

  it('suggests nothing for an allowed or unrelated type', () => {
    expect(likelyMeant('image/jpeg')).toBeUndefined();
    expect(likelyMeant('image/bmp')).toBeUndefined();
  });
});
