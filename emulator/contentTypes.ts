/**
 * The content-type allowlist, its four categories with their maximum sizes (per the contract), and the
 * file-extension mapping the emulator uses to decide a blob path's declared type.
 */
import path from 'node:path';

/** A file category; each has its own maximum size. */
export type Category = 'video' | 'audio' | 'image' | 'document';

/** Every allowlisted MIME type and its category. */
export const ALLOWED_TYPES: Readonly<Record<string, Category>> = {
  'video/mp4': 'video',
  'video/quicktime': 'video',
  'video/x-msvideo': 'video',
  'video/x-matroska': 'video',
  'audio/mpeg': 'audio',
  'audio/wav': 'audio',
  'audio/x-wav': 'audio',
  'audio/aac': 'audio',
  'audio/ogg': 'audio',
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/gif': 'image',
  'image/webp': 'image',
  'image/svg+xml': 'image',
  'application/pdf': 'document',
  'application/msword': 'document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'document',
  'text/plain': 'document',
};

/**
 * Maximum blob size per category, checked at submission create. The docs write "5 GB / 500 MB / 50 MB /
 * 100 MB" and MediaMagic's error-handling guide's own validator uses powers of 1024, so these are binary
 * units.
 */
export const DEFAULT_CATEGORY_MAX_BYTES: Readonly<Record<Category, number>> = {
  video: 5 * 1024 ** 3,
  audio: 500 * 1024 ** 2,
  image: 50 * 1024 ** 2,
  document: 100 * 1024 ** 2,
};

/** The direct-upload streaming cap: 10 MiB is accepted, one byte more is 413. */
export const DIRECT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

/** File extension → the MIME type it declares. Both `audio/wav` and `audio/x-wav` are accepted for `.wav`. */
const EXTENSION_TYPES: Readonly<Record<string, readonly string[]>> = {
  '.mp4': ['video/mp4'],
  '.m4v': ['video/mp4'],
  '.mov': ['video/quicktime'],
  '.avi': ['video/x-msvideo'],
  '.mkv': ['video/x-matroska'],
  '.mp3': ['audio/mpeg'],
  '.wav': ['audio/wav', 'audio/x-wav'],
  '.aac': ['audio/aac'],
  '.ogg': ['audio/ogg'],
  '.oga': ['audio/ogg'],
  '.jpg': ['image/jpeg'],
  '.jpeg': ['image/jpeg'],
  '.png': ['image/png'],
  '.gif': ['image/gif'],
  '.webp': ['image/webp'],
  '.svg': ['image/svg+xml'],
  '.pdf': ['application/pdf'],
  '.doc': ['application/msword'],
  '.docx': ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  '.txt': ['text/plain'],
};

/** True when `mimeType` (parameters such as `; charset=` ignored) is allowlisted. */
export function isAllowedType(mimeType: string): boolean {
  return Object.hasOwn(ALLOWED_TYPES, baseType(mimeType));
}

/** The category of an allowlisted type, or undefined. */
export function categoryOf(mimeType: string): Category | undefined {
  const base = baseType(mimeType);
  return Object.hasOwn(ALLOWED_TYPES, base) ? ALLOWED_TYPES[base] : undefined;
}

/** The canonical type a file name declares by its extension, or undefined for an unknown extension. */
export function typeForFilename(filename: string): string | undefined {
  return EXTENSION_TYPES[path.extname(filename).toLowerCase()]?.[0];
}

/** True when the file name's extension is consistent with `mimeType`. */
export function extensionMatches(filename: string, mimeType: string): boolean {
  return EXTENSION_TYPES[path.extname(filename).toLowerCase()]?.includes(baseType(mimeType)) ?? false;
}

/** `"text/plain; charset=utf-8"` → `"text/plain"`. */
export function baseType(mimeType: string): string {
  return (mimeType.split(';')[0] ?? '').trim().toLowerCase();
}
