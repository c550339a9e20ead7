/**
 * Scripted outcomes per file. A marker in the file name (or in blob metadata `mmscript`) decides how the
 * emulator's processing treats the asset, so tests and benchmarks can produce failures, retries and slow
 * assets on purpose. Markers are dot-separated segments between the name and the extension:
 *
 * | Marker            | Effect                                                                    |
 * |-------------------|---------------------------------------------------------------------------|
 * | `.mmfail.`        | first run fails with a retryable error, the retry succeeds (= `mmfail-1`) |
 * | `.mmfail-N.`      | the first N runs fail retryably, run N+1 succeeds                          |
 * | `.mmfatal.`       | fails permanently (not retryable); after any `mmfail-N` runs              |
 * | `.mmslow.`        | processing takes `processing.slowMs` instead of `processing.durationMs`   |
 * | `.mmslow-MS.`     | processing takes MS milliseconds                                          |
 * | `.mmissues-N.`    | a completed asset has exactly N issues (default: 0–5, stable per asset)   |
 * | `.mmbadresults.`  | a completed asset's issues/topics answer 502 (results blob unreadable)    |
 *
 * Example: `clip.mmfail-2.mp4` fails twice, then completes on the second retry. Metadata uses the same
 * tokens without dots, comma-separated, with or without the `mm` prefix: `mmscript=fail-2,slow`.
 */

/** What the markers of one file ask for. */
export interface Script {
  /** Runs (initial run = attempt 0) that fail with a retryable error before the outcome below. */
  readonly failRetryable: number;
  /** After the retryable failures, fail permanently instead of completing. */
  readonly fatal: boolean;
  /** Processing duration override in ms; `'slow'` means the configured slow duration. */
  readonly duration?: number | 'slow';
  /** Exact number of issues in the results of a completed asset. */
  readonly issues?: number;
  /** Issues/topics fail to load (502) even after completion. */
  readonly badResults: boolean;
}

/** The outcome of one processing run. */
export type RunOutcome = 'complete' | 'retryable' | 'fatal';

/** The script of a file with no markers: completes first time. */
export const PLAIN_SCRIPT: Script = { failRetryable: 0, fatal: false, badResults: false };

/** Blob metadata key carrying script tokens, for blobs whose names cannot carry markers. */
export const SCRIPT_METADATA_KEY = 'mmscript';

/**
 * Reads the markers of `filename` and, if present, the `mmscript` metadata value. Unknown `mm…`
 * tokens are ignored rather than rejected: a real file may legitimately contain such a segment.
 */
export function parseScript(filename: string, metadata?: Readonly<Record<string, string>>): Script {
  const segments = filename.split('.');
  // Skip the base name and the extension: markers sit between them.
  const fromName = segments.slice(1, -1).filter((s) => s.toLowerCase().startsWith('mm'));
  const fromMetadata = (metadata?.[SCRIPT_METADATA_KEY] ?? '')
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((t) => (t.toLowerCase().startsWith('mm') ? t : `mm${t}`));
  return [...fromName, ...fromMetadata].reduce(applyToken, PLAIN_SCRIPT);
}

/** The outcome of run number `attempt` (0 = the initial run, n = the n-th retry). */
export function outcomeFor(script: Script, attempt: number): RunOutcome {
  if (attempt < script.failRetryable) return 'retryable';
  return script.fatal ? 'fatal' : 'complete';
}

function applyToken(script: Script, token: string): Script {
  const [name = '', arg] = token.toLowerCase().split('-', 2);
  const n = arg !== undefined && /^\d+$/.test(arg) ? Number(arg) : undefined;
  switch (name) {
    case 'mmfail':
      return { ...script, failRetryable: n ?? 1 };
    case 'mmfatal':
      return { ...script, fatal: true };
    case 'mmslow':
      return { ...script, duration: n ?? 'slow' };
    case 'mmissues':
      return n === undefined ? script : { ...script, issues: n };
    case 'mmbadresults':
      return { ...script, badResults: true };
    default:
      return script;
  }
}
