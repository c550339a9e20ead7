/**
 * Which source files the emulator saw submitted, and how often. In copy mode the app names MediaMagic's
 * copy `<stem>--<key>-g<generation><ext>` (shared/pipeline/uploadName.ts), so the emulator's blob path
 * `<workspace>/<that name>` leads back to the source file's stem: a second generation or a second key for
 * one file is a duplicate the emulator's own per-path count would not show.
 */

/** Per source file: how many submissions were created for it. */
export interface SubmittedFiles {
  /** Source files with at least one submission. */
  readonly submitted: number;
  /** Source files with more than one. */
  readonly duplicated: readonly string[];
  /** Source files with none. */
  readonly missing: readonly string[];
}

/** The source stem of an emulator blob path, e.g. `ws_1/fleet-00042--ab12cd34ef-g1.mp4` → `fleet-00042`. */
export function sourceStemOf(blobPath: string): string {
  const name = blobPath.slice(blobPath.lastIndexOf('/') + 1);
  const cut = name.lastIndexOf('--');
  const stem = cut === -1 ? name : name.slice(0, cut);
  return cut === -1 ? stem.replace(/\.[^.]*$/, '') : stem;
}

/** Tallies `submissionsByBlobPath` against the stems of the files uploaded. */
export function submittedFiles(
  stems: readonly string[],
  submissionsByBlobPath: Readonly<Record<string, number>>,
): SubmittedFiles {
  const perStem = new Map<string, number>();
  for (const [blobPath, n] of Object.entries(submissionsByBlobPath)) {
    const stem = sourceStemOf(blobPath);
    perStem.set(stem, (perStem.get(stem) ?? 0) + n);
  }
  return {
    submitted: stems.filter((s) => (perStem.get(s) ?? 0) > 0).length,
    duplicated: stems.filter((s) => (perStem.get(s) ?? 0) > 1),
    missing: stems.filter((s) => (perStem.get(s) ?? 0) === 0),
  };
}
