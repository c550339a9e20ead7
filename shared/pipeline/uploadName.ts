/**
 * The file name we ask MediaMagic to store a copy under. MediaMagic derives the blob path from it
 * (`<workspace-id>/<filename>`) and answers 409 to a second submission of the same path, so two source
 * blobs with the same base name in different folders — or two generations of one blob — must not collide.
 * The short key + generation suffix also lets an operator trace a MediaMagic asset back to its source.
 */
import path from 'node:path';

/** `folder/My clip.mp4`, key `ab12…`, generation 2 → `My clip--ab12cd34ef-g2.mp4`. */
export function uploadFileName(sourceName: string, key: string, generation: number): string {
  const base = path.posix.basename(sourceName);
  const ext = path.posix.extname(base);
  const stem = (ext ? base.slice(0, -ext.length) : base).replace(/[^\w .()-]/g, '_').slice(0, 180) || 'file';
  return `${stem}--${key.slice(0, 10)}-g${generation}${ext.toLowerCase()}`;
}
