/**
 * The poison records in the ledger container, under their own prefix so `ledger.list()` (`records/`) and
 * the reconciliation pointers never see them (docs/ledger.md, Layout). One blob per poison message id,
 * overwritten as the drain moves on: the drain is the only writer, and a message is held by one receiver
 * at a time, so the last write is the truth and rewriting the same content is harmless.
 */
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { idBlobName } from '../ledger/idBlobName.js';
import { PoisonRecordSchema, type PoisonRecord } from './poisonRecord.js';
import { readJsonBlob } from '../storage/readJsonBlob.js';

/** Where poison records live in the ledger container. */
export const POISON_PREFIX = 'poison/';

/** A poison record that is present but does not parse: kept out of listings, named for the operator. */
export interface UnparseableRecord {
  readonly blobName: string;
  readonly problem: string;
}

/** Reads and writes poison records. */
export class PoisonRecords {
  constructor(private readonly container: ContainerClient) {}

  /** The record of message `messageId`, or undefined (absent, or not a valid record). */
  async get(messageId: string): Promise<PoisonRecord | undefined> {
    const body = await this.read(idBlobName(POISON_PREFIX, messageId));
    if (body === undefined) return undefined;
    const parsed = PoisonRecordSchema.safeParse(body);
    return parsed.success ? parsed.data : undefined;
  }

  /** Writes (creates or replaces) the record of its message. */
  async put(record: PoisonRecord): Promise<void> {
    const text = JSON.stringify(PoisonRecordSchema.parse(record));
    await this.container
      .getBlockBlobClient(idBlobName(POISON_PREFIX, record.messageId))
      .upload(text, Buffer.byteLength(text), {
        blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      });
  }

  /** Every poison record, oldest first (by when it was first recorded), and any that would not parse. */
  async list(): Promise<{ records: PoisonRecord[]; unparseable: UnparseableRecord[] }> {
    const records: PoisonRecord[] = [];
    const unparseable: UnparseableRecord[] = [];
    try {
      for await (const item of this.container.listBlobsFlat({ prefix: POISON_PREFIX })) {
        const body = await this.read(item.name);
        const parsed = PoisonRecordSchema.safeParse(body);
        if (parsed.success) records.push(parsed.data);
        else if (body !== undefined) unparseable.push({ blobName: item.name, problem: parsed.error.message });
      }
    } catch (error) {
      // No ledger container yet: nothing was ever recorded.
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
    records.sort(
      (a, b) => a.firstRecordedAt.localeCompare(b.firstRecordedAt) || a.messageId.localeCompare(b.messageId),
    );
    return { records, unparseable };
  }

  private async read(name: string): Promise<unknown> {
    const found = await readJsonBlob(this.container, name);
    if (found.kind === 'absent') return undefined;
    return found.kind === 'json' ? found.value : { unparseable: 'not JSON' };
  }
}
