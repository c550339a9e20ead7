/**
 * Tiny but genuine-looking media files for the tests: the emulator testkit's sample for each allowlisted
 * type (the one copy of the magic bytes), padded to the requested size, so validation, the emulator's
 * sniffing and server-side copies all see real content.
 */
import { sampleFor } from '../../emulator/testkit.js';
import { extensionsFor, isAllowedMime } from '../../shared/validation/mediaTypes.js';

/** A file of `size` bytes whose head identifies it as `mime`. Padding is spaces for text, zeros otherwise. */
export function sampleMedia(mime: string, size = 4096): Uint8Array {
  if (!isAllowedMime(mime)) throw new Error(`no sample for ${mime}: it is not an allowlisted type`);
  return sampleFor(`sample.${extensionsFor(mime)[0] ?? 'txt'}`, size);
}
