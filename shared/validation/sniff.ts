/**
 * Content sniffing: do a blob's first bytes look like the type it claims? MediaMagic sniffs stored bytes
 * at submission and answers 415 on a mismatch; checking first saves the API calls and tells the user why.
 *
 * Signatures are deliberately loose where formats overlap (MP4 and QuickTime share `ftyp`; any ZIP passes
 * as DOCX, any OLE2 file as DOC): a false accept costs one 415 later, a false reject loses a good file.
 */
import { isAllowedMime, normaliseMime, type AllowedMime } from './mediaTypes.js';

type Matcher = (bytes: Uint8Array) => boolean;

/** Classic QuickTime files may open with one of these atoms instead of `ftyp`. */
const CLASSIC_QUICKTIME_ATOMS = ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'];

const isFtyp: Matcher = (b) => asciiAt(b, 4, 'ftyp');
const isQuickTimeBrand: Matcher = (b) => isFtyp(b) && asciiAt(b, 8, 'qt  ');
const isClassicQuickTime: Matcher = (b) => CLASSIC_QUICKTIME_ATOMS.some((atom) => asciiAt(b, 4, atom));
const isRiff =
  (form: string): Matcher =>
  (b) =>
    asciiAt(b, 0, 'RIFF') && asciiAt(b, 8, form);
const isAvi = isRiff('AVI ');
const isWave = isRiff('WAVE');
const isWebp = isRiff('WEBP');
const isEbml: Matcher = (b) => bytesAt(b, 0, [0x1a, 0x45, 0xdf, 0xa3]);
const isOgg: Matcher = (b) => asciiAt(b, 0, 'OggS');
const isId3: Matcher = (b) => asciiAt(b, 0, 'ID3');
const isJpeg: Matcher = (b) => bytesAt(b, 0, [0xff, 0xd8, 0xff]);
const isPng: Matcher = (b) => bytesAt(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const isGif: Matcher = (b) => asciiAt(b, 0, 'GIF87a') || asciiAt(b, 0, 'GIF89a');
const isPdf: Matcher = (b) => asciiAt(b, 0, '%PDF-');
const isOle2: Matcher = (b) => bytesAt(b, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const isZip: Matcher = (b) => bytesAt(b, 0, [0x50, 0x4b, 0x03, 0x04]);

/** ADTS: 12-bit sync 0xFFF with layer bits 00 (0xFFF1 / 0xFFF9, or 0xFFF0 / 0xFFF8 with a CRC). */
const isAdts: Matcher = (b) => b.length >= 2 && byteAt(b, 0) === 0xff && (byteAt(b, 1) & 0xf6) === 0xf0;

/**
 * An MPEG audio frame header: 11-bit sync (0xFFE…), a real layer (not 00, which is ADTS) and version
 * (not the reserved 01); when the third byte is in the sample, a usable bitrate and sample rate too.
 */
const isMpegAudioFrame: Matcher = (b) => {
  if (b.length < 2) return false;
  const second = byteAt(b, 1);
  if (byteAt(b, 0) !== 0xff || (second & 0xe0) !== 0xe0) return false;
  if (((second >> 1) & 0b11) === 0 || ((second >> 3) & 0b11) === 0b01) return false;
  if (b.length < 3) return true;
  const third = byteAt(b, 2);
  return third >> 4 !== 0b1111 && ((third >> 2) & 0b11) !== 0b11;
};

const isSvg: Matcher = (b) => looksLikeSvg(b);
const isText: Matcher = (b) => isUtf8TextSample(b);

/** What each allowed type must look like. A `Record` so a new allowlisted type cannot lack a matcher. */
const MATCHERS: Readonly<Record<AllowedMime, Matcher>> = {
  'video/mp4': isFtyp,
  'video/quicktime': (b) => isFtyp(b) || isClassicQuickTime(b),
  'video/x-msvideo': isAvi,
  'video/x-matroska': isEbml,
  'audio/mpeg': (b) => isId3(b) || isMpegAudioFrame(b),
  'audio/wav': isWave,
  'audio/x-wav': isWave,
  // AAC streams are often preceded by an ID3 tag, just like MP3.
  'audio/aac': (b) => isAdts(b) || isId3(b),
  'audio/ogg': isOgg,
  'image/jpeg': isJpeg,
  'image/png': isPng,
  'image/gif': isGif,
  'image/webp': isWebp,
  'image/svg+xml': isSvg,
  'application/pdf': isPdf,
  'application/msword': isOle2,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': isZip,
  'text/plain': isText,
};

/**
 * Most specific first: binary signatures, then the weaker ones (classic QuickTime atoms), then SVG,
 * then plain text (which SVG also is).
 */
const DETECTION_ORDER: readonly (readonly [AllowedMime, Matcher])[] = [
  ['video/quicktime', isQuickTimeBrand],
  ['video/mp4', isFtyp],
  ['video/x-msvideo', isAvi],
  ['audio/wav', isWave],
  ['image/webp', isWebp],
  ['video/x-matroska', isEbml],
  ['audio/ogg', isOgg],
  ['image/jpeg', isJpeg],
  ['image/png', isPng],
  ['image/gif', isGif],
  ['application/pdf', isPdf],
  ['application/msword', isOle2],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', isZip],
  ['audio/mpeg', isId3],
  ['audio/aac', isAdts],
  ['audio/mpeg', isMpegAudioFrame],
  ['video/quicktime', isClassicQuickTime],
  ['image/svg+xml', isSvg],
  ['text/plain', isText],
];

/**
 * True when the first bytes of a file are consistent with `mime` (normalised here; parameters and case
 * are ignored). A type outside the allowlist, or an empty sample, never matches.
 */
export function sniffMatches(mime: string, firstBytes: Uint8Array): boolean {
  const type = normaliseMime(mime);
  return firstBytes.length > 0 && isAllowedMime(type) && MATCHERS[type](firstBytes);
}

/** The allowed type the first bytes most look like, or undefined when they look like none of them. */
export function detectType(firstBytes: Uint8Array): AllowedMime | undefined {
  if (firstBytes.length === 0) return undefined;
  return DETECTION_ORDER.find(([, matches]) => matches(firstBytes))?.[0];
}

/**
 * Valid UTF-8 without NUL bytes. A multi-byte character cut off by the end of the sample is fine: the
 * sample is the first few KiB of a longer file.
 */
export function isUtf8TextSample(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length) {
    const lead = byteAt(bytes, i);
    if (lead === 0) return false;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const shape = utf8Shape(lead);
    if (shape === undefined) return false;
    for (let k = 1; k < shape.length; k++) {
      if (i + k >= bytes.length) return true;
      const next = byteAt(bytes, i + k);
      const [min, max] = k === 1 ? shape.second : [0x80, 0xbf];
      if (next < min || next > max) return false;
    }
    i += shape.length;
  }
  return true;
}

/** Length and allowed second-byte range of a UTF-8 sequence by its lead byte (Unicode Table 3-7). */
function utf8Shape(lead: number): { length: number; second: readonly [number, number] } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, second: [0x80, 0xbf] };
  if (lead === 0xe0) return { length: 3, second: [0xa0, 0xbf] };
  if (lead === 0xed) return { length: 3, second: [0x80, 0x9f] };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, second: [0x80, 0xbf] };
  if (lead === 0xf0) return { length: 4, second: [0x90, 0xbf] };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, second: [0x80, 0xbf] };
  if (lead === 0xf4) return { length: 4, second: [0x80, 0x8f] };
  return undefined;
}

/**
 * Markup whose root element is `<svg>` (optionally namespace-prefixed), after an optional BOM,
 * whitespace, XML declaration / processing instructions, comments and a DOCTYPE.
 */
function looksLikeSvg(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  const text = new TextDecoder('utf-8').decode(bytes);
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text.charAt(at))) at++;
    const rest = text.slice(at);
    if (rest.startsWith('<?')) at = endOf(text, at, '?>');
    else if (rest.startsWith('<!--')) at = endOf(text, at, '-->');
    else if (/^<!doctype/i.test(rest)) at = endOfDoctype(text, at);
    else return /^<(?:[A-Za-z_][\w.-]*:)?svg(?:[\s/>]|$)/.test(rest);
    if (at === -1) return false;
  }
}

/** Index just past `terminator` after `from`, or -1 when the sample ends first. */
function endOf(text: string, from: number, terminator: string): number {
  const index = text.indexOf(terminator, from);
  return index === -1 ? -1 : index + terminator.length;
}

/** A DOCTYPE may hold an internal subset in brackets, which can contain `>`. */
function endOfDoctype(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return i + 1;
  }
  return -1;
}

function asciiAt(bytes: Uint8Array, offset: number, text: string): boolean {
  if (bytes.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

function bytesAt(bytes: Uint8Array, offset: number, expected: readonly number[]): boolean {
  return (
    bytes.length >= offset + expected.length && expected.every((value, i) => bytes[offset + i] === value)
  );
}

/** The byte at `index`; callers check the length first, so past the end only ever compares unequal. */
function byteAt(bytes: Uint8Array, index: number): number {
  return bytes[index] ?? -1;
}
