/**
 * Blob names that do not address exactly one blob of the container they are read in
 * (docs/design.md, decision 5, "Names storage treats specially"). The storage SDK percent-encodes each
 * `/`-separated segment but leaves `.` and `..` alone, and the URL it builds resolves them: `../other/x` in
 * container `uploads` reads `other/x`, and `x/../clip.mp4` is `clip.mp4`. Azure's own naming rules add more:
 * it treats `\` as `/` in a URL, drops a trailing dot from a path segment, and asks that no name end in a `/`.
 * Any such name, used for a properties read or a tag write, could touch a blob that is not the one named, so
 * it is refused before any storage call:
 *
 * - empty, or longer than 1024 characters (Azure's limit);
 * - a `\` anywhere;
 * - a leading `/`, a trailing `/`, or `//` (an empty path segment);
 * - a `.` or `..` path segment;
 * - a path segment ending in a dot.
 *
 * Names Azure merely refuses (control characters, more than 254 segments) cannot reach another blob and are
 * left to the request, or to the stricter MediaMagic rules in ./blobName.ts.
 */

/** Azure's limit for a whole blob name. */
export const MAX_BLOB_NAME_CHARS = 1024;

/** Why a name does not address exactly the blob it names. Stable, for logs and tests. */
export type BlobAddressProblemKind =
  'empty' | 'too-long' | 'backslash' | 'leading-slash' | 'empty-segment' | 'dot-segment' | 'trailing-dot';

/** A refused name: a stable kind and a sentence that names the problem and says what to do. */
export interface BlobAddressProblem {
  readonly kind: BlobAddressProblemKind;
  readonly message: string;
}

/** Why `name` could address another blob than the one it names; undefined when it addresses exactly one. */
export function blobAddressProblem(name: string): BlobAddressProblem | undefined {
  const quoted = quoteBlobName(name);
  const rename = 'rename the blob and upload it again';
  if (name === '') return { kind: 'empty', message: `The blob name is empty; ${rename}` };
  if (name.length > MAX_BLOB_NAME_CHARS) {
    return {
      kind: 'too-long',
      message: `${quoted} is longer than ${MAX_BLOB_NAME_CHARS} characters; shorten its path and upload it again`,
    };
  }
  if (name.includes('\\')) {
    return {
      kind: 'backslash',
      message: `${quoted} contains a backslash, which storage reads as "/"; ${rename} (use "/" between folders)`,
    };
  }
  if (name.startsWith('/')) {
    return {
      kind: 'leading-slash',
      message: `${quoted} starts with "/"; upload it again without the leading slash`,
    };
  }
  const segments = name.split('/');
  if (segments.some((s) => s === '')) {
    return {
      kind: 'empty-segment',
      message: `${quoted} has an empty path segment ("//" or a trailing "/"); ${rename}`,
    };
  }
  if (segments.some((s) => s === '.' || s === '..')) {
    return {
      kind: 'dot-segment',
      message: `${quoted} contains a "." or ".." path segment, which storage resolves to another blob; ${rename} without it`,
    };
  }
  if (segments.some((s) => s.endsWith('.'))) {
    return {
      kind: 'trailing-dot',
      message: `${quoted} has a file or folder name ending in a dot, which storage drops; ${rename}`,
    };
  }
  return undefined;
}

/** The name as a JSON string (control characters visible), shortened when very long. */
export function quoteBlobName(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
}
