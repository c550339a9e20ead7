/**
 * Blob names MediaMagic will accept. Its rules are undocumented (it answers 403 "filename invalid" or
 * "Invalid blob path"), so these are chosen conservatively: what no upload validator we know of
 * accepts, what breaks paths, and what cannot be saved as a file on common systems.
 *
 * - the whole name: 1–1024 characters (Azure's own limit), valid Unicode, no control characters
 *   (U+0000–U+001F, U+007F–U+009F), no `\`, none of `< > : " | ? *`, no leading `/`;
 * - every `/`-separated segment: not empty, not `.` or `..`, not ending in a dot or a space;
 * - the file-name part (the last segment): at most 255 characters (code points).
 */

/** Azure's limit for a whole blob name. */
export const MAX_BLOB_NAME_CHARS = 1024;

/** The longest file-name part accepted (code points, not bytes). */
export const MAX_FILE_NAME_CHARS = 255;

const RESERVED_CHARACTERS = /[<>:"|?*]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why MediaMagic would refuse this blob name, as a sentence that says what to do; undefined when the
 * name is acceptable.
 */
export function blobNameProblem(name: string): string | undefined {
  const quoted = quote(name);
  const rename = 'rename the blob and upload it again';
  if (name === '') return `The blob name is empty; ${rename}`;
  if (name.length > MAX_BLOB_NAME_CHARS) {
    return `${quoted} is longer than ${MAX_BLOB_NAME_CHARS} characters; shorten its path and upload it again`;
  }
  if (LONE_SURROGATE.test(name)) return `${quoted} contains an invalid Unicode character; ${rename}`;
  const control = CONTROL_CHARACTER.exec(name)?.[0];
  if (control !== undefined) {
    return `${quoted} contains a control character (${codePoint(control)}); ${rename} without it`;
  }
  if (name.includes('\\')) return `${quoted} contains a backslash; ${rename} (use "/" between folders)`;
  const reserved = RESERVED_CHARACTERS.exec(name)?.[0];
  if (reserved !== undefined) {
    return `${quoted} contains "${reserved}", which file names may not contain (< > : " | ? *); ${rename}`;
  }
  if (name.startsWith('/')) return `${quoted} starts with "/"; upload it again without the leading slash`;
  return segmentProblem(name, quoted, rename) ?? fileNameProblem(name, quoted, rename);
}

function segmentProblem(name: string, quoted: string, rename: string): string | undefined {
  const segments = name.split('/');
  if (segments.some((s) => s === ''))
    return `${quoted} has an empty path segment ("//" or a trailing "/"); ${rename}`;
  if (segments.some((s) => s === '.' || s === '..')) {
    return `${quoted} contains a "." or ".." path segment; ${rename} without it`;
  }
  if (segments.some((s) => s.endsWith('.') || s.endsWith(' '))) {
    return `${quoted} has a file or folder name ending in a dot or a space; ${rename}`;
  }
  return undefined;
}

function fileNameProblem(name: string, quoted: string, rename: string): string | undefined {
  const fileName = name.slice(name.lastIndexOf('/') + 1);
  const length = [...fileName].length;
  if (length <= MAX_FILE_NAME_CHARS) return undefined;
  return `${quoted} has a file name of ${length} characters (at most ${MAX_FILE_NAME_CHARS}); ${rename} shorter`;
}

/** The name as a JSON string (control characters visible), shortened when very long. */
function quote(name: string): string {
  return JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
