/**
 * What lets a submission whose creation response was lost find its record again (docs/design.md, decision 8).
 *
 * MediaMagic returns no submission id with its 409 "already submitted", and webhooks carry the submission
 * and asset ids, not our blob name. So, beside the ledger records:
 * - `blobpaths/<blob path>.json` → `{ key }`: written before each submission attempt, so the blob path
 *   MediaMagic stores (`<workspace-id>/<file name>`) leads back to the record;
 * - `orphans/<submission id>.json`: a verified webhook about a submission no record knows, kept for the
 *   timer, which reads the submission and its asset's file name and re-links it.
 *
 * Both names are built by ./idBlobName.ts, which keeps them within Azure's 1,024 characters however long
 * the encoded id is.
 */
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { idBlobName } from './idBlobName.js';
import { readJsonBlob } from '../storage/readJsonBlob.js';

/** A webhook about a submission the ledger did not know when it arrived. */
export interface Orphan {
  readonly submissionId: string;
  readonly assetId: string;
  readonly eventType: string;
  readonly receivedAt: string;
  /** The event's id, so applying it later stays idempotent (absent in orphans kept before it was stored). */
  readonly eventId?: string;
  /** A failure event's message, so applying it later loses nothing the sender told us. */
  readonly errorMessage?: string;
}

const PointerSchema = z.object({ key: z.string().regex(/^[0-9a-f]{64}$/) });
/** An orphan as the timer's queue hands it out: with how many looks in a row threw (absent: none). */
export interface QueuedOrphan extends Orphan {
  readonly lookFailures?: number;
}

const OrphanSchema = z.object({
  submissionId: z.string().min(1),
  assetId: z.string().min(1),
  eventType: z.string(),
  receivedAt: z.string(),
  eventId: z.string().min(1).exactOptional(),
  errorMessage: z.string().exactOptional(),
});

const BLOB_PATHS = 'blobpaths/';
const ORPHANS = 'orphans/';
/**
 * Metadata naming an orphan's place in the timer's queue: when it arrived, then when it was last looked at.
 * Kept on the blob so ordering needs only a listing, not a read of every orphan (docs/ledger.md).
 */
const QUEUED_AT = 'queuedat';
/** Metadata counting an orphan's looks in a row that threw; its `queuedat` is then its next look. */
const LOOK_FAILURES = 'lookfailures';

/** The reconciliation pointers, in the ledger container. */
export class ReconciliationIndex {
  constructor(private readonly container: ContainerClient) {}

  /** Points `blobPath` at `key` (overwrites: a re-drive of the same generation writes the same pointer). */
  async linkBlobPath(blobPath: string, key: string): Promise<void> {
    await this.write(idBlobName(BLOB_PATHS, blobPath), { key });
  }

  /** The ledger key a MediaMagic blob path was submitted for, or undefined. */
  async findByBlobPath(blobPath: string): Promise<string | undefined> {
    const body = await this.read(idBlobName(BLOB_PATHS, blobPath));
    const parsed = PointerSchema.safeParse(body);
    return parsed.success ? parsed.data.key : undefined;
  }

  /** Keeps a webhook about an unknown submission for the timer (the first one per submission wins). */
  async recordOrphan(orphan: Orphan): Promise<void> {
    try {
      await this.write(idBlobName(ORPHANS, orphan.submissionId), orphan, true, {
        [QUEUED_AT]: orphan.receivedAt,
      });
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 409)) throw error;
    }
  }

  /**
   * Up to `limit` orphans, longest-waiting first: by when each was last looked at ({@link requeueOrphan}), or
   * arrived if never. Sorting the names alone would hand the same first ones to every run, so a backlog of
   * orphans nobody claims would starve the rest. Lists every orphan's name and metadata; reads only `limit`.
   * With `dueBy`, orphans queued after it — backing off after a look that threw — are left out.
   */
  async listOrphans(limit: number, dueBy?: string): Promise<QueuedOrphan[]> {
    const queue: { name: string; at: string; lookFailures: number }[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix: ORPHANS, includeMetadata: true })) {
      // Orphans kept before the queue metadata existed wait from their creation.
      const at = item.metadata?.[QUEUED_AT] ?? item.properties.createdOn?.toISOString() ?? '';
      if (dueBy !== undefined && at > dueBy) continue;
      const lookFailures = Number.parseInt(item.metadata?.[LOOK_FAILURES] ?? '0', 10);
      queue.push({
        name: item.name,
        at,
        lookFailures: Number.isSafeInteger(lookFailures) ? lookFailures : 0,
      });
    }
    queue.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.name < b.name ? -1 : 1));
    const out: QueuedOrphan[] = [];
    for (const { name, lookFailures } of queue) {
      if (out.length >= limit) break;
      const parsed = OrphanSchema.safeParse(await this.read(name));
      if (parsed.success) out.push(lookFailures > 0 ? { ...parsed.data, lookFailures } : parsed.data);
    }
    return out;
  }

  /**
   * Sends an orphan that was looked at and kept to the back of the queue (`at`: the time of the look). With
   * `lookFailures` (looks in a row that threw), `at` is instead when it may be looked at again.
   */
  async requeueOrphan(submissionId: string, at: string, lookFailures = 0): Promise<void> {
    try {
      await this.container.getBlobClient(idBlobName(ORPHANS, submissionId)).setMetadata({
        [QUEUED_AT]: at,
        ...(lookFailures > 0 ? { [LOOK_FAILURES]: String(lookFailures) } : {}),
      });
    } catch (error) {
      // Reconciled by another run meanwhile: nothing left to requeue.
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
  }

  /** Forgets an orphan once it is reconciled (or proven unrelated). */
  async removeOrphan(submissionId: string): Promise<void> {
    await this.container.getBlobClient(idBlobName(ORPHANS, submissionId)).deleteIfExists();
  }

  private async write(
    name: string,
    body: object,
    createOnly = false,
    metadata?: Record<string, string>,
  ): Promise<void> {
    const text = JSON.stringify(body);
    await this.container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
      ...(metadata ? { metadata } : {}),
      ...(createOnly ? { conditions: { ifNoneMatch: '*' } } : {}),
    });
  }

  private async read(name: string): Promise<unknown> {
    const found = await readJsonBlob(this.container, name);
    return found.kind === 'json' ? found.value : undefined;
  }
}
