/**
 * Where the sweep keeps its cursor: `sweep/<source container>.json` in the ledger container (docs/ledger.md,
 * "Layout"), outside `records/`, so ledger listings never see it.
 *
 * Written only with ETag conditions — `If-None-Match: *` for the first write, `If-Match` after — so of two
 * overlapping runs that read the same cursor only one can move it; the other is told it lost and stops.
 * A document that fails validation is not a crash loop: the read reports the problem and starts a fresh
 * pass (which re-examines blobs, never re-submits them: driving is claim-first), and the first write
 * replaces the bad document, still conditioned on its ETag.
 */
import { isRestError, type ContainerClient } from '@azure/storage-blob';
import { freshCursor, parseSweepCursor, type SweepCursor } from './sweepCursor.js';

/** A cursor as read, with what the next write must be conditioned on. */
export interface LoadedCursor {
  readonly cursor: SweepCursor;
  /** The document's ETag; undefined when there is none yet (the first write creates it). */
  readonly etag: string | undefined;
  /** Set when a document existed but was not a valid cursor: why, so the caller can warn. */
  readonly reset?: string;
}

/** The outcome of a conditional write: `lost` means another run moved the cursor since it was read. */
export type CursorWrite = { readonly kind: 'written'; readonly etag: string } | { readonly kind: 'lost' };

/** The cursor port. */
export interface SweepCursorStore {
  read(nowIso: string): Promise<LoadedCursor>;
  write(cursor: SweepCursor, etag: string | undefined): Promise<CursorWrite>;
}

const SWEEP_PREFIX = 'sweep/';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The cursor document's name for a source container. */
export function sweepCursorBlobName(sourceContainer: string): string {
  return `${SWEEP_PREFIX}${sourceContainer}.json`;
}

/** {@link SweepCursorStore} in the ledger container. */
export function blobCursorStore(ledgerContainer: ContainerClient, sourceContainer: string): SweepCursorStore {
  const blob = ledgerContainer.getBlockBlobClient(sweepCursorBlobName(sourceContainer));
  return {
    async read(nowIso) {
      let text: string;
      let etag: string;
      try {
        // One GET for body and ETag together, so the next If-Match is about the body that was read.
        const response = await blob.download();
        text = await readText(response.readableStreamBody);
        if (response.etag === undefined) throw new Error('cursor read returned no ETag');
        etag = response.etag;
      } catch (error) {
        if (isRestError(error) && error.statusCode === 404) {
          return { cursor: freshCursor(sourceContainer, nowIso), etag: undefined };
        }
        throw error;
      }
      const parsed = parseSweepCursor(text, sourceContainer);
      if (parsed.ok) return { cursor: parsed.cursor, etag };
      return { cursor: freshCursor(sourceContainer, nowIso), etag, reset: parsed.problem };
    },
    async write(cursor, etag) {
      const body = Buffer.from(JSON.stringify(cursor), 'utf8');
      try {
        const response = await blob.upload(body, body.length, {
          conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
          blobHTTPHeaders: { blobContentType: JSON_CONTENT_TYPE },
        });
        return { kind: 'written', etag: response.etag ?? '' };
      } catch (error) {
        if (isRestError(error) && [404, 409, 412].includes(error.statusCode ?? 0)) return { kind: 'lost' };
        throw error;
      }
    },
  };
}

/** A cursor kept in memory for one run: the backfill command walks one whole pass and persists nothing. */
export function memoryCursorStore(sourceContainer: string): SweepCursorStore {
  let stored: SweepCursor | undefined;
  return {
    read: (nowIso) =>
      Promise.resolve({ cursor: stored ?? freshCursor(sourceContainer, nowIso), etag: undefined }),
    write: (cursor) => {
      stored = cursor;
      return Promise.resolve({ kind: 'written', etag: '' });
    },
  };
}

async function readText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
