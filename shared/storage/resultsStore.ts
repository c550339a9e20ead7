/**
 * Where results land (docs/design.md, decision 10): one JSON document per source blob in `RESULTS_CONTAINER`,
 * at a path derived from the source blob's name, so results sit "next to" their inputs in Storage Explorer.
 * Writes overwrite: writing the same result twice (an overlapping timer run) is harmless.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { requireAddressableName } from './unsafeBlobName.js';

/** The results document for one completed asset. */
export interface ResultDocument {
  readonly source: { readonly container: string; readonly name: string; readonly generation: number };
  readonly submissionId: string;
  readonly assetId: string;
  /** `GET .../assets/{id}`: the asset result with its issues, verbatim. */
  readonly result: unknown;
  /** `GET .../topics`, verbatim. */
  readonly topics: unknown;
  readonly writtenAt: string;
}

/** A short, human-readable failure report. */
export interface FailureReport {
  readonly source: { readonly container: string; readonly name: string; readonly generation: number };
  readonly state: string;
  readonly submissionId?: string;
  readonly assetId?: string;
  readonly errorType?: string;
  readonly reason: string;
  /** What an operator can do about it. */
  readonly action: string;
  readonly writtenAt: string;
}

/** The port over the results container. */
export interface ResultsStore {
  writeResult(document: ResultDocument): Promise<string>;
  writeFailure(report: FailureReport): Promise<string>;
}

/** The documents a source blob can get; each adds its own suffix to the source name ({@link resultPath}). */
export const RESULT_KINDS = ['result', 'failure'] as const;

/** One of {@link RESULT_KINDS}. */
export type ResultKind = (typeof RESULT_KINDS)[number];

/**
 * `folder/clip.mp4` → `folder/clip.mp4.result.json` (and `.failure.json`). The suffix makes the results
 * name longer than the source name, so validation refuses a source name that leaves no room for it
 * (../validation/resultsRoom.ts, docs/design.md, decision 5).
 */
export function resultPath(sourceName: string, kind: ResultKind): string {
  return `${sourceName}.${kind}.json`;
}

/** {@link ResultsStore} over an Azure container. */
export class AzureResultsStore implements ResultsStore {
  constructor(private readonly container: ContainerClient) {}

  writeResult(document: ResultDocument): Promise<string> {
    return this.write(resultPath(document.source.name, 'result'), document);
  }

  writeFailure(report: FailureReport): Promise<string> {
    return this.write(resultPath(report.source.name, 'failure'), report);
  }

  private async write(path: string, body: unknown): Promise<string> {
    const text = JSON.stringify(body, null, 2);
    // A source name that would leave the results container never gets this far; the guard keeps it so.
    await this.container
      .getBlockBlobClient(requireAddressableName(path))
      .upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    return path;
  }
}
