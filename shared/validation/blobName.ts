/**
 * Blob names MediaMagic will accept. Its rules are undocumented (it answers 403 "filename invalid" or
 * "Invalid blob path"), so these are chosen conservatively: what no upload validator we know of
 * accepts, what breaks paths, and what cannot be saved as a file on common systems.
 *
 * - a name that addresses exactly one blob (./blobAddress.ts: 1–1024 characters, no `\`, no leading,
 *   trailing or double `/`, no `.` or `..` segment, no segment ending in a dot);
 * - valid Unicode, no control characters (U+0000–U+001F, U+007F–U+009F), none of `< > : " | ? *`;
 * - no `/`-separated segment ending in a space;
 * - the file-name part (the last segment): at most 255 characters (code points).
 */
import { blobAddressProblem, quoteBlobName } from './blobAddress.js';

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
  const address = blobAddressProblem(name);
  if (address !== undefined) return address.message;
  const quoted = quoteBlobName(name);
  const rename = 'rename the blob and upload it again';
  if (LONE_SURROGATE.test(name)) return `${quoted} contains an invalid Unicode character; ${rename}`;
  const control = CONTROL_CHARACTER.exec(name)?.[0];
  if (control !== undefined) {
    return `${quoted} contains a control character (${codePoint(control)}); ${rename} without it`;
  }
  const reserved = RESERVED_CHARACTERS.exec(name)?.[0];
  if (reserved !== undefined) {
    return `${quoted} contains "${reserved}", which file names may not contain (< > : " | ? *); ${rename}`;
  }
  if (name.split('/').some((s) => s.endsWith(' '))) {
    return `${quoted} has a file or folder name ending in a space; ${rename}`;
  }
  return fileNameProblem(name, quoted, rename);
}

function fileNameProblem(name: string, quoted: string, rename: string): string | undefined {
  const fileName = name.slice(name.lastIndexOf('/') + 1);
  const length = [...fileName].length;
  if (length <= MAX_FILE_NAME_CHARS) return undefined;
  return `${quoted} has a file name of ${length} characters (at most ${MAX_FILE_NAME_CHARS}); ${rename} shorter`;
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
