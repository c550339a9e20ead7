/**
 * Content sniffing by magic bytes. At submission create the stored bytes must match the type the blob
 * path declares (the contract: 415 otherwise), so a `.mp4` holding a PDF, or a text file holding
 * binary, is rejected the way the real service rejects it.
 */
import { baseType } from './contentTypes.js';

/** How many leading bytes the emulator reads to sniff. Text is checked over a longer prefix. */
export const SNIFF_BYTES = 4096;
/** Text files are validated as UTF-8 over this many leading bytes. */
export const TEXT_SNIFF_BYTES = 64 * 1024;

type Sniffer = (head: Buffer, complete: boolean) => boolean;

const ascii = (head: Buffer, offset: number, text: string): boolean =>
  head.length >= offset + text.length && head.toString('latin1', offset, offset + text.length) === text;

const bytes = (head: Buffer, offset: number, expected: readonly number[]): boolean =>
  head.length >= offset + expected.length && expected.every((b, i) => head[offset + i] === b);

/** ISO base media (MP4 and QuickTime): a box header whose type is `ftyp`. */
const isoMedia: Sniffer = (h) => ascii(h, 4, 'ftyp');
const riff =
  (form: string): Sniffer =>
  (h) =>
    ascii(h, 0, 'RIFF') && ascii(h, 8, form);

/** MPEG audio frame sync (11 bits) with a non-reserved layer; layer 00 is ADTS AAC, not MP3. */
const mpegAudioFrame = (h: Buffer): boolean =>
  h.length >= 2 && h[0] === 0xff && ((h[1] ?? 0) & 0xe0) === 0xe0 && (((h[1] ?? 0) >> 1) & 0x03) !== 0;

/** ADTS header: 12-bit sync and layer 00 (`FFF1` for MPEG-4, `FFF9` for MPEG-2), or an ADIF header. */
const aac: Sniffer = (h) =>
  (h.length >= 2 && h[0] === 0xff && ((h[1] ?? 0) & 0xf6) === 0xf0) || ascii(h, 0, 'ADIF');

const utf8Text = (head: Buffer, complete: boolean): string | undefined => {
  if (head.includes(0)) return undefined;
  try {
    // `stream: true` tolerates a multi-byte character cut off at the end of a partial read.
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
  } catch {
    return undefined;
  }
};

const SNIFFERS: Readonly<Record<string, Sniffer>> = {
  'video/mp4': isoMedia,
  'video/quicktime': isoMedia,
  'video/x-msvideo': riff('AVI '),
  'video/x-matroska': (h) => bytes(h, 0, [0x1a, 0x45, 0xdf, 0xa3]),
  'audio/mpeg': (h) => ascii(h, 0, 'ID3') || mpegAudioFrame(h),
  'audio/wav': riff('WAVE'),
  'audio/x-wav': riff('WAVE'),
  'audio/aac': aac,
  'audio/ogg': (h) => ascii(h, 0, 'OggS'),
  'image/jpeg': (h) => bytes(h, 0, [0xff, 0xd8, 0xff]),
  'image/png': (h) => bytes(h, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/gif': (h) => ascii(h, 0, 'GIF87a') || ascii(h, 0, 'GIF89a'),
  'image/webp': riff('WEBP'),
  'image/svg+xml': (h, complete) => /<svg[\s>]/i.test(utf8Text(h, complete) ?? ''),
  'application/pdf': (h) => ascii(h, 0, '%PDF-'),
  'application/msword': (h) => bytes(h, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': (h) =>
    bytes(h, 0, [0x50, 0x4b, 0x03, 0x04]),
  'text/plain': (h, complete) => utf8Text(h, complete) !== undefined,
};

/**
 * True when `head` (the first bytes of a file; `complete` when it is the whole file) looks like
 * `mimeType`. An empty file matches nothing: there is nothing to analyse, and it keeps the rule simple.
 */
export function sniffMatches(mimeType: string, head: Buffer, complete: boolean): boolean {
  if (head.length === 0) return false;
  const sniffer = SNIFFERS[baseType(mimeType)];
  return sniffer ? sniffer(head, complete) : false;
}

/** How many leading bytes to read to sniff `mimeType`. */
export function sniffLength(mimeType: string): number {
  const base = baseType(mimeType);
  return base === 'text/plain' || base === 'image/svg+xml' ? TEXT_SNIFF_BYTES : SNIFF_BYTES;
}
