/**
 * File names and blob paths. A blob path is `<workspace-id>/<filename>` (per the contract); the concrete
 * validation rules are a documented gap, so the emulator applies conservative ones: one path segment
 * after the caller's own workspace id, no traversal, no control characters.
 */

const MAX_FILENAME_LENGTH = 255;

/** True when `filename` may become the last segment of a blob path (else 403 "Invalid filename"). */
export function isValidFilename(filename: string): boolean {
  return (
    filename.length > 0 &&
    filename.length <= MAX_FILENAME_LENGTH &&
    filename.trim() === filename &&
    !/[/\\]/.test(filename) &&
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
    !/[\u0000-\u001f\u007f]/.test(filename) &&
    !/^\.+$/.test(filename)
  );
}

/** The blob path an upload of `filename` gets in `workspaceId`. */
export function blobPathFor(workspaceId: string, filename: string): string {
  return `${workspaceId}/${filename}`;
}

/**
 * The file name of a blob path that belongs to `workspaceId`, or undefined when the path is malformed
 * or names another workspace (both 403 "Invalid blob path").
 */
export function filenameInWorkspace(workspaceId: string, blobPath: string): string | undefined {
  const prefix = `${workspaceId}/`;
  if (!blobPath.startsWith(prefix)) return undefined;
  const filename = blobPath.slice(prefix.length);
  return isValidFilename(filename) ? filename : undefined;
}
