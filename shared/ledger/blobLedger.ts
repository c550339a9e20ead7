/**
 * The ledger on Azure Blob Storage (docs/design.md, decisions 2 and 3).
 *
 * Layout in the ledger container:
 * - `records/<key>.json` — one record per source blob; blob index tags `state`, `due`, `gen` for the work index.
 * - `submissions/<submissionId>.json` — `{ "key": "<key>" }`, written once, so a webhook finds its record.
 *
 * Concurrency: records are created with `If-None-Match: *` and changed with `If-Match: <etag>`, re-reading
 * and re-applying the caller's mutation on a lost race. Tags go in the same Put Blob as the body, so the tag
 * index never describes a body that was not written. Each write carries a random write id in the blob's
 * metadata (ledger blobs only — never source blobs), which tells "someone else wrote" from "the SDK resent our
 * write after a lost response and the resend lost to our own first attempt".
 */
import { randomUUID } from 'node:crypto';
import { isRestError, type BlockBlobClient, type ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { Clock, Random } from '../clock.js';
import { LedgerStorageError } from './errors.js';
import { idBlobName } from './idBlobName.js';
import type { ClaimResult, Ledger, LinkResult, Mutation, StoredRecord, UpdateResult } from './ledger.js';
import { LEDGER_KEY_PATTERN, ledgerKey } from './ledgerKey.js';
import { boundRecord, isoTimestamp, parseLedgerRecord, type LedgerRecord } from './record.js';
import type { LedgerState } from './states.js';
import { dueFilter, recordTags, stateFilter } from './tags.js';

/** Tuning for {@link BlobLedger}; the defaults suit production. */
export interface BlobLedgerOptions {
  /**
   * Read-modify-write attempts per `update`. Each lost attempt means another writer won in between, so with
   * N concurrent writers on one record every one of them succeeds within N attempts. Default 20.
   */
  readonly maxUpdateAttempts?: number;
  /** Full-jitter backoff between attempts: base and cap in ms. Defaults 10 and 250. */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** Default `Math.random`. */
  readonly random?: Random;
}

const RECORDS_PREFIX = 'records/';
const SUBMISSIONS_PREFIX = 'submissions/';
const RECORD_BLOB_NAME = /^records\/([0-9a-f]{64})\.json$/;
/** Metadata names must be C# identifiers; lower case because the service lower-cases them anyway. */
const WRITE_ID_METADATA = 'ledgerwrite';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** Creates and pointer writes retry this often when the blob they collided with vanished (nothing deletes). */
const CREATE_ATTEMPTS = 3;

const PointerSchema = z.looseObject({ key: z.string().regex(LEDGER_KEY_PATTERN) });

/** A record read back, with the id of the write that produced it. */
interface ReadRecord extends StoredRecord {
  readonly writeId: string | undefined;
}

/** The outcome of one conditional Put Blob. */
type PutOutcome = { readonly kind: 'written'; readonly etag: string } | { readonly kind: 'condition-failed' };

/** Blob-storage implementation of the {@link Ledger} port. */
export class BlobLedger implements Ledger {
  private readonly maxUpdateAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly random: Random;

  constructor(
    private readonly container: ContainerClient,
    private readonly clock: Clock,
    options: BlobLedgerOptions = {},
  ) {
    this.maxUpdateAttempts = Math.max(1, options.maxUpdateAttempts ?? 20);
    this.backoffBaseMs = options.backoffBaseMs ?? 10;
    this.backoffCapMs = options.backoffCapMs ?? 250;
    this.random = options.random ?? Math.random;
  }

  async ensureContainer(): Promise<void> {
    try {
      await this.container.createIfNotExists();
    } catch (error) {
      throw storageFailure(error, 'create the ledger container', this.container.containerName);
    }
  }

  async claim(initial: LedgerRecord): Promise<ClaimResult> {
    const record = checkedForWrite(initial, initial.key);
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      const writeId = randomUUID();
      const put = await this.putRecord(record, writeId, { ifNoneMatch: '*' });
      if (put.kind === 'written') return { claimed: true, record, etag: put.etag };
      const existing = await this.readRecord(record.key);
      if (existing) {
        // Our own write id means the SDK resent a create whose first attempt landed: the claim is ours.
        const claimed = existing.writeId === writeId;
        return { claimed, record: existing.record, etag: existing.etag };
      }
    }
    throw new LedgerStorageError('storage', `record ${record.key} kept colliding with a blob that vanished`, {
      blobName: recordBlobName(record.key),
    });
  }

  async get(key: string): Promise<StoredRecord | undefined> {
    const read = await this.readRecord(key);
    return read && { record: read.record, etag: read.etag };
  }

  async update(key: string, mutate: Mutation): Promise<UpdateResult> {
    for (let attempt = 1; attempt <= this.maxUpdateAttempts; attempt++) {
      const current = await this.readRecord(key);
      if (!current) return { kind: 'not-found' };
      // A clone, so a mutation that edits in place cannot make "unchanged" undetectable.
      const proposed = mutate(structuredClone(current.record));
      if (proposed === undefined) return { kind: 'unchanged', record: current.record, etag: current.etag };
      const checked = checkedForWrite(proposed, key);
      if (JSON.stringify(checked) === JSON.stringify(current.record)) {
        return { kind: 'unchanged', record: current.record, etag: current.etag };
      }
      const next: LedgerRecord = { ...checked, updatedAt: isoTimestamp(this.clock.now()) };
      const writeId = randomUUID();
      const put = await this.putRecord(next, writeId, { ifMatch: current.etag });
      if (put.kind === 'written') return { kind: 'updated', record: next, etag: put.etag };
      const winner = await this.readRecord(key);
      if (winner?.writeId === writeId) return { kind: 'updated', record: winner.record, etag: winner.etag };
      if (attempt < this.maxUpdateAttempts) await this.clock.sleep(this.backoffMs(attempt));
    }
    return { kind: 'contention', attempts: this.maxUpdateAttempts };
  }

  async findDue(nowIso: string, limit: number): Promise<string[]> {
    return this.findKeys(dueFilter(canonicalTimestamp(nowIso)), limit);
  }

  async findByState(state: LedgerState, limit: number): Promise<string[]> {
    return this.findKeys(stateFilter(state), limit);
  }

  async linkSubmission(submissionId: string, key: string): Promise<LinkResult> {
    if (!LEDGER_KEY_PATTERN.test(key)) {
      throw new LedgerStorageError('invalid-argument', `not a ledger key: ${JSON.stringify(key)}`);
    }
    const blob = this.container.getBlockBlobClient(pointerBlobName(submissionId));
    for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
      const put = await this.put(blob, JSON.stringify({ key }), { conditions: { ifNoneMatch: '*' } });
      if (put.kind === 'written') return { kind: 'linked' };
      const existing = await this.findBySubmission(submissionId);
      if (existing === key) return { kind: 'already-linked' };
      if (existing !== undefined) return { kind: 'linked-elsewhere', key: existing };
    }
    throw new LedgerStorageError(
      'storage',
      `pointer for ${submissionId} kept colliding with a vanished blob`,
      {
        blobName: blob.name,
      },
    );
  }

  async findBySubmission(submissionId: string): Promise<string | undefined> {
    const blob = this.container.getBlockBlobClient(pointerBlobName(submissionId));
    const downloaded = await this.download(blob);
    if (!downloaded) return undefined;
    const parsed = PointerSchema.safeParse(parseJson(downloaded.text));
    if (!parsed.success) {
      throw new LedgerStorageError('invalid-pointer', `pointer ${blob.name} is not {"key": "<ledger key>"}`, {
        blobName: blob.name,
      });
    }
    return parsed.data.key;
  }

  async *list(): AsyncIterable<LedgerRecord> {
    for await (const key of this.listRecordKeys()) {
      // Read one by one: a listing's snapshot may be older than the record, and only the body is authoritative.
      const read = await this.readRecord(key);
      if (read) yield read.record;
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private async readRecord(key: string): Promise<ReadRecord | undefined> {
    const blob = this.container.getBlockBlobClient(recordBlobName(key));
    const downloaded = await this.download(blob);
    if (!downloaded) return undefined;
    const parsed = parseLedgerRecord(parseJson(downloaded.text));
    if (!parsed.ok) {
      throw new LedgerStorageError(
        'invalid-record',
        `record ${blob.name} fails the schema: ${parsed.message}`,
        {
          blobName: blob.name,
        },
      );
    }
    if (parsed.record.key !== key) {
      throw new LedgerStorageError('invalid-record', `record ${blob.name} holds key ${parsed.record.key}`, {
        blobName: blob.name,
      });
    }
    return { record: parsed.record, etag: downloaded.etag, writeId: downloaded.writeId };
  }

  /**
   * One GET for body, ETag and metadata together: reading properties and content separately could pair a
   * body with the ETag of a later write, and the next `If-Match` would then overwrite a change unseen.
   */
  private async download(
    blob: BlockBlobClient,
  ): Promise<{ text: string; etag: string; writeId: string | undefined } | undefined> {
    try {
      const response = await blob.download();
      const text = await readText(response.readableStreamBody);
      if (!response.etag) throw new Error('download returned no ETag');
      return { text, etag: response.etag, writeId: response.metadata?.[WRITE_ID_METADATA] };
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      throw storageFailure(error, 'read', blob.name);
    }
  }

  private putRecord(
    record: LedgerRecord,
    writeId: string,
    conditions: { ifNoneMatch: string } | { ifMatch: string },
  ): Promise<PutOutcome> {
    const blob = this.container.getBlockBlobClient(recordBlobName(record.key));
    return this.put(blob, JSON.stringify(record), {
      conditions,
      tags: recordTags(record),
      metadata: { [WRITE_ID_METADATA]: writeId },
    });
  }

  /** A conditional Put Blob; a failed precondition is an outcome, anything else a {@link LedgerStorageError}. */
  private async put(
    blob: BlockBlobClient,
    text: string,
    options: {
      conditions: { ifNoneMatch: string } | { ifMatch: string };
      tags?: Record<string, string>;
      metadata?: Record<string, string>;
    },
  ): Promise<PutOutcome> {
    const body = Buffer.from(text, 'utf8');
    try {
      const response = await blob.upload(body, body.length, {
        ...options,
        blobHTTPHeaders: { blobContentType: JSON_CONTENT_TYPE },
      });
      if (!response.etag) throw new Error('upload returned no ETag');
      return { kind: 'written', etag: response.etag };
    } catch (error) {
      if (isConditionFailure(error)) return { kind: 'condition-failed' };
      throw storageFailure(error, 'write', blob.name);
    }
  }

  private async findKeys(filter: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const keys: string[] = [];
    try {
      // No page size: Azurite 3.37 scans only the first `maxPageSize` blobs by name and returns no
      // continuation when fewer match, so once pointer blobs outnumber it, due records vanish from the query.
      const pages = this.container.findBlobsByTags(filter).byPage();
      for await (const page of pages) {
        for (const blob of page.blobs) {
          const key = recordKeyOf(blob.name);
          if (key !== undefined) keys.push(key);
          if (keys.length >= limit) return keys;
        }
      }
      return keys;
    } catch (error) {
      throw storageFailure(error, `find blobs by tags (${filter})`, this.container.containerName);
    }
  }

  private async *listRecordKeys(): AsyncIterable<string> {
    const items = this.container.listBlobsFlat({ prefix: RECORDS_PREFIX });
    while (true) {
      let next: IteratorResult<{ name: string }>;
      try {
        next = await items.next();
      } catch (error) {
        throw storageFailure(error, 'list records', this.container.containerName);
      }
      if (next.done) return;
      const key = recordKeyOf(next.value.name);
      if (key !== undefined) yield key;
    }
  }

  private backoffMs(failedAttempts: number): number {
    const ceiling = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (failedAttempts - 1));
    return Math.floor(this.random() * ceiling);
  }
}

/** Where a record lives. */
export function recordBlobName(key: string): string {
  return `${RECORDS_PREFIX}${key}.json`;
}

/**
 * Where a submission's pointer lives. The id is URI-encoded so an id with `/` or `?` in it still names exactly
 * one blob directly under `submissions/`; the UUID-like ids the API issues are unchanged by it. An id whose
 * encoded form would pass Azure's 1,024 characters is hashed instead (./idBlobName.ts).
 */
export function pointerBlobName(submissionId: string): string {
  if (submissionId.length === 0) throw new LedgerStorageError('invalid-argument', 'empty submission id');
  return idBlobName(SUBMISSIONS_PREFIX, submissionId);
}

function recordKeyOf(blobName: string): string | undefined {
  return RECORD_BLOB_NAME.exec(blobName)?.[1];
}

/**
 * Validates a record about to be written: schema, the path it is written to, and that the key really is the
 * hash of its source (a record under the wrong key would be a second, unguarded ledger entry for a blob).
 */
function checkedForWrite(record: LedgerRecord, key: string): LedgerRecord {
  const parsed = parseLedgerRecord(record);
  if (!parsed.ok) throw new LedgerStorageError('invalid-write', `record fails the schema: ${parsed.message}`);
  const { source } = parsed.record;
  if (parsed.record.key !== key || ledgerKey(source.container, source.name) !== key) {
    throw new LedgerStorageError(
      'invalid-write',
      `record key ${parsed.record.key} does not match ${key} / source`,
    );
  }
  return boundRecord(parsed.record);
}

/**
 * A Find Blobs by Tags filter compares strings, so `nowIso` must have the exact shape `due` tags have.
 * Normalising here accepts any ISO form (`...:00Z`, an offset) without breaking the comparison.
 */
function canonicalTimestamp(nowIso: string): string {
  const ms = Date.parse(nowIso);
  if (Number.isNaN(ms))
    throw new LedgerStorageError('invalid-argument', `not a timestamp: ${JSON.stringify(nowIso)}`);
  return isoTimestamp(ms);
}

/** JSON.parse that yields `undefined` for malformed text, so the schema check reports it. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Preconditions that mean "lost a race": create-only on an existing blob (409 `BlobAlreadyExists`; some
 * service versions answer 412), `If-Match` on a changed blob (412 `ConditionNotMet`) or a deleted one (404).
 * A missing container (404 `ContainerNotFound`) or a lease (412 `LeaseIdMissing`) is not a race.
 */
function isConditionFailure(error: unknown): boolean {
  if (!isRestError(error)) return false;
  return (
    (error.statusCode === 409 && error.code === 'BlobAlreadyExists') ||
    (error.statusCode === 412 && error.code === 'ConditionNotMet') ||
    (error.statusCode === 404 && error.code === 'BlobNotFound')
  );
}

function storageFailure(error: unknown, what: string, blobName: string): LedgerStorageError {
  if (error instanceof LedgerStorageError) return error;
  const status = isRestError(error) ? error.statusCode : undefined;
  const storageCode = isRestError(error) ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new LedgerStorageError('storage', `ledger could not ${what} ${blobName}: ${message}`, {
    blobName,
    ...(status !== undefined ? { status } : {}),
    ...(storageCode !== undefined ? { storageCode } : {}),
    cause: error,
  });
}
