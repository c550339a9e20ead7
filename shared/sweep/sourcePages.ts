/**
 * The source container as the sweep reads it: one page of the flat listing at a time, in name order, with
 * the continuation token that fetches the next page. A page can be fetched again from the token that
 * fetched it, which is what lets a run stopped mid-page resume exactly there (./sweepCursor.ts).
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ListedBlob } from './sweepDecision.js';

/** One page of the listing. */
export interface SourcePage {
  /** Block blobs only: page and append blobs are never media uploads. */
  readonly blobs: readonly ListedBlob[];
  /** Listed blobs of other types, counted so a summary adds up. */
  readonly otherTypes: number;
  /** Fetches the next page; undefined when this page was the last. */
  readonly continuationToken: string | undefined;
}

/** The listing port. */
export interface SourcePages {
  readonly containerName: string;
  /** The page that `token` starts (undefined: the first page), at most `pageSize` blobs under `prefix`. */
  page(token: string | undefined, pageSize: number, prefix: string): Promise<SourcePage>;
}

/** {@link SourcePages} over the storage SDK's paged flat listing. */
export function containerPages(container: ContainerClient): SourcePages {
  return {
    containerName: container.containerName,
    async page(token, pageSize, prefix) {
      const pages = container
        .listBlobsFlat(prefix ? { prefix } : {})
        .byPage({ maxPageSize: pageSize, ...(token ? { continuationToken: token } : {}) });
      const next = await pages.next();
      if (next.done) return { blobs: [], otherTypes: 0, continuationToken: undefined };
      const blobs: ListedBlob[] = [];
      let otherTypes = 0;
      for (const item of next.value.segment.blobItems) {
        const type = item.properties.blobType;
        if (type !== undefined && type !== 'BlockBlob') {
          otherTypes++;
          continue;
        }
        blobs.push({
          name: item.name,
          etag: item.properties.etag ?? '',
          lastModifiedMs: item.properties.lastModified.getTime(),
        });
      }
      const continuation = next.value.continuationToken;
      return { blobs, otherTypes, continuationToken: continuation ? continuation : undefined };
    },
  };
}

/** How many block blobs are under `prefix`: a listing only, for a progress bar's total. */
export async function countBlockBlobs(pages: SourcePages, prefix: string, pageSize = 5000): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await pages.page(token, pageSize, prefix);
    count += page.blobs.length;
    token = page.continuationToken;
  } while (token !== undefined);
  return count;
}
