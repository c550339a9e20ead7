/**
 * Tiny but genuine-looking media files: the right magic bytes for each allowlisted type, padded to the
 * requested size, so validation, the emulator's sniffing and server-side copies all see real content.
 */
const HEADERS: Record<string, () => Uint8Array> = {
  'video/mp4': () => Uint8Array.from([0, 0, 0, 0x18, ...ascii('ftypisom'), 0, 0, 2, 0, ...ascii('isomiso2')]),
  'video/quicktime': () =>
    Uint8Array.from([0, 0, 0, 0x14, ...ascii('ftypqt  '), 0, 0, 2, 0, ...ascii('qt  ')]),
  'audio/mpeg': () => Uint8Array.from([...ascii('ID3'), 4, 0, 0, 0, 0, 0, 0]),
  'audio/wav': () => Uint8Array.from([...ascii('RIFF'), 0x24, 0, 0, 0, ...ascii('WAVEfmt ')]),
  'image/png': () =>
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, ...ascii('IHDR')]),
  'image/jpeg': () => Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, ...ascii('JFIF'), 0]),
  'application/pdf': () => ascii('%PDF-1.7\n'),
  'text/plain': () => ascii('Hello, MediaMagic.\n'),
};

/** A file of `size` bytes whose head identifies it as `mime`. Padding is spaces for text, zeros otherwise. */
export function sampleMedia(mime: string, size = 4096): Uint8Array {
  const header = HEADERS[mime]?.() ?? new Uint8Array(0);
  const out = new Uint8Array(Math.max(size, header.length)).fill(mime === 'text/plain' ? 0x20 : 0);
  out.set(header, 0);
  return out;
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
