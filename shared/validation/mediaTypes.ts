/**
 * The media types MediaMagic accepts, exactly as its error-handling guide's allowlist lists them, with the
 * category, size cap and file extensions of each. The guide is the authority (docs/design.md,
 * "MediaMagic's error table"): caps are keyed by the MIME's top-level type (`video`, `audio`, `image`,
 * `application`, `text`) in binary units, as its `MAX_SIZES` computes them.
 */

/** The allowlist of MediaMagic's error-handling guide, verbatim. */
export const ALLOWED_MIME_TYPES = [
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
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'text/plain',
] as const;

/** A MIME type MediaMagic accepts. */
export type AllowedMime = (typeof ALLOWED_MIME_TYPES)[number];

/** MediaMagic's four media categories; `application/*` and `text/plain` are documents. */
export type MediaCategory = 'video' | 'audio' | 'image' | 'document';

/** The guide's `MAX_SIZES`, keyed by top-level type, in bytes. */
export const MAX_BYTES_BY_TOP_LEVEL_TYPE = {
  video: 5 * 1024 ** 3,
  audio: 500 * 1024 ** 2,
  image: 50 * 1024 ** 2,
  application: 100 * 1024 ** 2,
  text: 100 * 1024 ** 2,
} as const;

type TopLevelType = keyof typeof MAX_BYTES_BY_TOP_LEVEL_TYPE;

const CATEGORY_BY_TOP_LEVEL: Readonly<Record<TopLevelType, MediaCategory>> = {
  video: 'video',
  audio: 'audio',
  image: 'image',
  application: 'document',
  text: 'document',
};

/** File extensions (lower case, without the dot) and the types each may carry. */
const TYPES_BY_EXTENSION: ReadonlyMap<string, readonly AllowedMime[]> = new Map<
  string,
  readonly AllowedMime[]
>([
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
  ['docx', ['application/vnd.openxmlformats-officedocument.wordprocessingml.document']],
  ['txt', ['text/plain']],
]);

/** How each type is named in messages meant for people. */
const LABELS: Readonly<Record<AllowedMime, string>> = {
  'video/mp4': 'an MP4 video',
  'video/quicktime': 'a QuickTime (MOV) video',
  'video/x-msvideo': 'an AVI video',
  'video/x-matroska': 'a Matroska (MKV) video',
  'audio/mpeg': 'an MP3 audio file',
  'audio/wav': 'a WAV audio file',
  'audio/x-wav': 'a WAV audio file',
  'audio/aac': 'an AAC audio file',
  'audio/ogg': 'an Ogg audio file',
  'image/jpeg': 'a JPEG image',
  'image/png': 'a PNG image',
  'image/gif': 'a GIF image',
  'image/webp': 'a WebP image',
  'image/svg+xml': 'an SVG image',
  'application/pdf': 'a PDF',
  'application/msword': 'a Word 97–2003 (.doc) document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'a Word (.docx) document',
  'text/plain': 'plain UTF-8 text',
};

/**
 * Common unregistered spellings and the allowlisted type they mean. Used only to suggest a fix: the
 * allowlist is exact, and in passthrough mode MediaMagic sees the blob's own Content-Type.
 */
const LIKELY_MEANT: ReadonlyMap<string, AllowedMime> = new Map<string, AllowedMime>([
  ['image/jpg', 'image/jpeg'],
  ['image/pjpeg', 'image/jpeg'],
  ['image/svg', 'image/svg+xml'],
  ['audio/mp3', 'audio/mpeg'],
  ['audio/x-mp3', 'audio/mpeg'],
  ['audio/x-mpeg', 'audio/mpeg'],
  ['audio/wave', 'audio/wav'],
  ['audio/vnd.wave', 'audio/wav'],
  ['audio/x-aac', 'audio/aac'],
  ['video/avi', 'video/x-msvideo'],
  ['video/msvideo', 'video/x-msvideo'],
  ['video/x-mkv', 'video/x-matroska'],
  ['application/x-pdf', 'application/pdf'],
]);

/** `Image/JPEG; charset=x` → `image/jpeg`: parameters dropped, case folded, whitespace trimmed. */
export function normaliseMime(raw: string): string {
  return (raw.split(';')[0] ?? '').trim().toLowerCase();
}

/** True when `mime` (already normalised) is on the allowlist. */
export function isAllowedMime(mime: string): mime is AllowedMime {
  return (ALLOWED_MIME_TYPES as readonly string[]).includes(mime);
}

/** The category of an allowed type. */
export function categoryOf(mime: AllowedMime): MediaCategory {
  return CATEGORY_BY_TOP_LEVEL[topLevelType(mime)];
}

/** The largest size MediaMagic accepts for `mime`, in bytes. */
export function maxBytesFor(mime: AllowedMime): number {
  return MAX_BYTES_BY_TOP_LEVEL_TYPE[topLevelType(mime)];
}

/**
 * The extension of a blob name's last path segment, lower-cased and without the dot; undefined when it
 * has none. A leading dot alone (`.mp4`) marks a hidden file, not an extension.
 */
export function extensionOf(blobName: string): string | undefined {
  const fileName = blobName.slice(blobName.lastIndexOf('/') + 1);
  const dot = fileName.lastIndexOf('.');
  return dot > 0 && dot < fileName.length - 1 ? fileName.slice(dot + 1).toLowerCase() : undefined;
}

/** The allowed types a file extension may carry (empty for an unknown extension). */
export function mimeTypesForExtension(extension: string): readonly AllowedMime[] {
  return TYPES_BY_EXTENSION.get(extension.toLowerCase()) ?? [];
}

/** The extensions a type may be named with, most common first. */
export function extensionsFor(mime: AllowedMime): readonly string[] {
  return [...TYPES_BY_EXTENSION].filter(([, types]) => types.includes(mime)).map(([ext]) => ext);
}

/** Every accepted extension, for messages that list them. */
export function acceptedExtensions(): readonly string[] {
  return [...TYPES_BY_EXTENSION.keys()];
}

/** A human name for the type, e.g. "a PNG image". */
export function describeMime(mime: AllowedMime): string {
  return LABELS[mime];
}

/** The allowlisted type a common misspelling most likely meant, if any. */
export function likelyMeant(mime: string): AllowedMime | undefined {
  return LIKELY_MEANT.get(mime);
}

function topLevelType(mime: AllowedMime): TopLevelType {
  // Every allowlisted type starts with one of the five top-level types (tested).
  return mime.slice(0, mime.indexOf('/')) as TopLevelType;
}
