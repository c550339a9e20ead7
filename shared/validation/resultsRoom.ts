/**
 * Source names too long to carry results (docs/design.md, decision 5, "Room for the results"). The results
 * document is named `<source name>.result.json` or `.failure.json` (../storage/resultsStore.ts, decision
 * 10), and Azure refuses a blob name over 1,024 characters. A source name that passes the address rule
 * (./blobAddress.ts) but leaves no room for the longest suffix would be submitted — spending an upload URL, a
 * copy and a submission — and its results could then never be written. So it is rejected before any API
 * call. Lengths are counted as ./blobAddress.ts counts them (and as the results adapter's own guard checks
 * the results name), so a name accepted here always yields a results name that guard accepts.
 */
import { RESULT_KINDS, resultPath } from '../storage/resultsStore.js';
import { MAX_BLOB_NAME_CHARS, quoteBlobName } from './blobAddress.js';

/** The longest suffix a results document adds to its source name (`.failure.json`: 13 characters). */
export const LONGEST_RESULTS_SUFFIX_CHARS = Math.max(
  ...RESULT_KINDS.map((kind) => resultPath('', kind).length),
);

/** The longest source name whose every results document still fits Azure's limit (1,011 characters). */
export const MAX_SOURCE_NAME_CHARS = MAX_BLOB_NAME_CHARS - LONGEST_RESULTS_SUFFIX_CHARS;

/**
 * Why the results of `name` could not be written, as a sentence that says what to do; undefined when every
 * results document of it fits. `name` is assumed to have passed ./blobAddress.ts.
 */
export function resultsRoomProblem(name: string): string | undefined {
  if (name.length <= MAX_SOURCE_NAME_CHARS) return undefined;
  const longest = RESULT_KINDS.map((kind) => resultPath(name, kind)).reduce((a, b) =>
    b.length > a.length ? b : a,
  );
  const suffix = longest.slice(name.length);
  return (
    `${quoteBlobName(name)} is ${name.length} characters; its results document (name + "${suffix}") would ` +
    `be ${longest.length}, past Azure's ${MAX_BLOB_NAME_CHARS}-character limit, so results could never be ` +
    `written; shorten its path to at most ${MAX_SOURCE_NAME_CHARS} characters and upload it again`
  );
}
