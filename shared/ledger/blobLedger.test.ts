import { BlobServiceClient, BlockBlobClient, type ContainerClient } from '@azure/storage-blob';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoAdvanceClock } from '../../test/support/fakeClock.js';
import { useAzurite } from '../../test/support/azurite.js';
import { systemClock } from '../clock.js';
import { BlobLedger, pointerBlobName, recordBlobName } from './blobLedger.js';
import { LedgerStorageError } from './errors.js';
import { ledgerKey } from './ledgerKey.js';
import { newLedgerRecord } from './newRecord.js';
import { HISTORY_LIMIT, SEEN_EVENT_IDS_LIMIT, type LedgerAsset, type LedgerRecord } from './record.js';
import type { LedgerState } from './states.js';
import { transition } from './transition.js';
import { recordTags } from './tags.js';

// Captured before any spy replaces it, and only ever re-invoked with a blob client as `this`.
// eslint-disable-next-line @typescript-eslint/unbound-method
const originalUpload = BlockBlobClient.prototype.upload;

const T0 = '2026-11-25T12:00:00.000Z';
const PAST = '2026-11-25T11:59:00.000Z';
const FUTURE = '2026-11-25T13:00:00.000Z';

describe('BlobLedger against Azurite', () => {
  const azurite = useAzurite();
  let container: ContainerClient;
  let ledger: BlobLedger;
  let containerCount = 0;

  beforeEach(async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    container = service.getContainerClient(`ledger-${++containerCount}-${Date.now()}`);
    ledger = new BlobLedger(container, systemClock);
    await ledger.ensureContainer();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('claim', () => {
    it('creates the record once; a second claim returns the existing one', async () => {
      const first = await ledger.claim(sourceRecord('a.mp4', '"0x1"'));
      const second = await ledger.claim(sourceRecord('a.mp4', '"0x2"'));
      expect(first.claimed).toBe(true);
      expect(second).toEqual({ claimed: false, record: first.record, etag: first.etag });
      expect(second.record.sourceEtag).toBe('"0x1"');
    });

    it('lets exactly one of 10 concurrent claims win, and all see the winner', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => ledger.claim(sourceRecord('race.mp4', `"0x${i}"`))),
      );
      const winners = results.filter((r) => r.claimed);
      expect(winners).toHaveLength(1);
      const winnerEtag = winners[0]?.record.sourceEtag;
      for (const result of results) expect(result.record.sourceEtag).toBe(winnerEtag);
    });

    it('writes the tags in the same request as the body', async () => {
      const upload = vi.spyOn(BlockBlobClient.prototype, 'upload');
      const setTags = vi.spyOn(BlockBlobClient.prototype, 'setTags');
      const { record } = await ledger.claim(sourceRecord('tags.mp4'));
      await ledger.update(record.key, (c) =>
        expectOk(transition(c, 'submit-pending', 'later', T0, { due: PAST })),
      );
      const expected = [
        { state: 'claimed', gen: '1', due: FUTURE },
        { state: 'submit-pending', gen: '1', due: PAST },
      ];
      expect(upload.mock.calls.map(([, , options]) => options?.tags)).toEqual(expected);
      expect(setTags).not.toHaveBeenCalled();
      const tags = await container.getBlockBlobClient(recordBlobName(record.key)).getTags();
      expect(tags.tags).toEqual(expected[1]);
    });

    it('still reports claimed when the SDK resent a create whose first attempt landed', async () => {
      resendFirstUploadAfterLostResponse();
      const result = await ledger.claim(sourceRecord('resent.mp4'));
      expect(result.claimed).toBe(true);
    });

    it('refuses a record whose key is not the hash of its source', async () => {
      const forged = { ...sourceRecord('a.mp4'), key: ledgerKey('uploads', 'b.mp4') };
      await expect(ledger.claim(forged)).rejects.toMatchObject({
        name: 'LedgerStorageError',
        code: 'invalid-write',
      });
    });
  });

  describe('get', () => {
    it('returns undefined for a record that does not exist', async () => {
      await expect(ledger.get(ledgerKey('uploads', 'nothing.mp4'))).resolves.toBeUndefined();
    });

    it('returns the record with the ETag of the same read', async () => {
      const claimed = await ledger.claim(sourceRecord('a.mp4'));
      const props = await container.getBlockBlobClient(recordBlobName(claimed.record.key)).getProperties();
      await expect(ledger.get(claimed.record.key)).resolves.toEqual({
        record: claimed.record,
        etag: props.etag,
      });
    });

    it('throws invalid-record for a body that is not a valid record', async () => {
      const key = ledgerKey('uploads', 'corrupt.mp4');
      await container.getBlockBlobClient(recordBlobName(key)).upload('{"schemaVersion":1}', 19);
      const error = await ledger.get(key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerStorageError);
      expect(error).toMatchObject({ code: 'invalid-record', details: { blobName: recordBlobName(key) } });
    });
  });

  describe('update', () => {
    it('loses none of 20 concurrent appends', async () => {
      const { record } = await ledger.claim(sourceRecord('busy.mp4'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ledger.update(record.key, (current) => ({
            ...current,
            assets: [...current.assets, asset(`a${i}`)],
          })),
        ),
      );
      expect(results.map((r) => r.kind)).toEqual(Array<string>(20).fill('updated'));
      const stored = await ledger.get(record.key);
      const ids = stored?.record.assets.map((a) => a.assetId).sort();
      expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`).sort());
    });

    it('keeps the tags equal to the body after concurrent state and due changes', async () => {
      const { record } = await ledger.claim(sourceRecord('tagged.mp4'));
      const dues = Array.from({ length: 12 }, (_, i) => `2026-11-25T12:${String(10 + i)}:00.000Z`);
      await Promise.all(
        dues.map((due, i) =>
          ledger.update(record.key, (current) => {
            if (i % 3 === 2 && current.state !== 'submit-pending') {
              return expectOk(transition(current, 'submit-pending', `writer ${i}`, T0, { due }));
            }
            return { ...current, due, pollIntervalMs: i };
          }),
        ),
      );
      const stored = await ledger.get(record.key);
      const tags = await container.getBlockBlobClient(recordBlobName(record.key)).getTags();
      expect(stored).toBeDefined();
      expect(tags.tags).toEqual(recordTags(stored?.record as LedgerRecord));
      expect(tags.tags.state).toBe('submit-pending');
    });

    it('re-reads and re-applies the mutation after losing a race', async () => {
      const { record } = await ledger.claim(sourceRecord('raced.mp4'));
      const rival = new BlobLedger(container, systemClock);
      interleaveBeforeFirstUpload(() =>
        rival.update(record.key, (c) => ({ ...c, assets: [...c.assets, asset('rival')] })),
      );
      let calls = 0;
      const result = await ledger.update(record.key, (current) => {
        calls++;
        return { ...current, assets: [...current.assets, asset('mine')] };
      });
      expect(result.kind).toBe('updated');
      expect(calls).toBe(2);
      const stored = await ledger.get(record.key);
      expect(stored?.record.assets.map((a) => a.assetId)).toEqual(['rival', 'mine']);
    });

    it('applies the mutation once when the SDK resent a write whose first attempt landed', async () => {
      const { record } = await ledger.claim(sourceRecord('resent.mp4'));
      resendFirstUploadAfterLostResponse();
      let calls = 0;
      const result = await ledger.update(record.key, (current) => {
        calls++;
        return { ...current, submitAttempts: current.submitAttempts + 1 };
      });
      expect(result).toMatchObject({ kind: 'updated', record: { submitAttempts: 1 } });
      expect(calls).toBe(1);
      expect((await ledger.get(record.key))?.record.submitAttempts).toBe(1);
    });

    it('gives up with contention after the configured attempts, writing nothing', async () => {
      const { record } = await ledger.claim(sourceRecord('contended.mp4'));
      const clock = new AutoAdvanceClock();
      const impatient = new BlobLedger(container, clock, { maxUpdateAttempts: 3, random: () => 0.5 });
      vi.spyOn(BlockBlobClient.prototype, 'upload').mockImplementation(async function (
        this: BlockBlobClient,
        ...args
      ) {
        // Another writer always gets in between our read and our write.
        const { etag } = await this.getProperties();
        if (etag === undefined) throw new Error('Azurite returned no ETag');
        await this.setMetadata({ rival: String(Date.now()) }, { conditions: { ifMatch: etag } });
        return originalUpload.apply(this, args);
      });
      let calls = 0;
      const result = await impatient.update(record.key, (current) => {
        calls++;
        return { ...current, submitAttempts: 99 };
      });
      expect(result).toEqual({ kind: 'contention', attempts: 3 });
      expect(calls).toBe(3);
      expect(clock.sleeps).toEqual([5, 10]);
      vi.restoreAllMocks();
      expect((await ledger.get(record.key))?.record.submitAttempts).toBe(0);
    });

    it('writes nothing when the mutation returns undefined or the same record', async () => {
      const { record, etag } = await ledger.claim(sourceRecord('quiet.mp4'));
      await expect(ledger.update(record.key, () => undefined)).resolves.toEqual({
        kind: 'unchanged',
        record,
        etag,
      });
      await expect(ledger.update(record.key, (c) => c)).resolves.toEqual({ kind: 'unchanged', record, etag });
      const props = await container.getBlockBlobClient(recordBlobName(record.key)).getProperties();
      expect(props.etag).toBe(etag);
    });

    it('reports not-found for a missing record without calling the mutation', async () => {
      const mutate = vi.fn((c: LedgerRecord) => c);
      await expect(ledger.update(ledgerKey('uploads', 'ghost.mp4'), mutate)).resolves.toEqual({
        kind: 'not-found',
      });
      expect(mutate).not.toHaveBeenCalled();
    });

    it('stamps updatedAt from its clock', async () => {
      const clock = new AutoAdvanceClock(Date.parse('2027-01-02T03:04:05.678Z'));
      const stamped = new BlobLedger(container, clock);
      const { record } = await stamped.claim(sourceRecord('stamped.mp4'));
      const result = await stamped.update(record.key, (c) => ({ ...c, submitAttempts: 1 }));
      expect(result).toMatchObject({ kind: 'updated', record: { updatedAt: '2027-01-02T03:04:05.678Z' } });
    });

    it('keeps history and seen event ids bounded on every write', async () => {
      const { record } = await ledger.claim(sourceRecord('chatty.mp4'));
      await ledger.update(record.key, (c) => ({
        ...c,
        history: Array.from({ length: 70 }, (_, i) => ({
          at: T0,
          from: 'claimed',
          to: 'stuck',
          reason: `h${i}`,
        })),
        seenEventIds: Array.from({ length: 130 }, (_, i) => `evt_${i}`),
      }));
      const stored = (await ledger.get(record.key))?.record;
      expect(stored?.history).toHaveLength(HISTORY_LIMIT);
      expect(stored?.history[0]?.reason).toBe('h20');
      expect(stored?.seenEventIds).toHaveLength(SEEN_EVENT_IDS_LIMIT);
      expect(stored?.seenEventIds[0]).toBe('evt_30');
    });

    it('refuses to write a record that fails the schema', async () => {
      const { record } = await ledger.claim(sourceRecord('bad.mp4'));
      const write = ledger.update(record.key, (c) => ({ ...c, state: 'lost' as LedgerState }));
      await expect(write).rejects.toMatchObject({ code: 'invalid-write' });
    });
  });

  describe('unknown fields', () => {
    it('survive a claim, a transition and an update (an older instance never strips a newer one’s data)', async () => {
      const initial = {
        ...sourceRecord('future.mp4'),
        futureField: { added: 'in v1.1' },
        source: { container: 'uploads', name: 'future.mp4', region: 'eu' },
      };
      const { record } = await ledger.claim(initial);
      await ledger.update(record.key, (c) => ({ ...c, assets: [{ ...asset('a1'), futureAssetField: 7 }] }));
      await ledger.update(record.key, (c) =>
        expectOk(transition(c, 'submit-pending', 'later', T0, { due: FUTURE })),
      );
      const stored = await ledger.get(record.key);
      expect(stored?.record).toMatchObject({
        state: 'submit-pending',
        futureField: { added: 'in v1.1' },
        source: { region: 'eu' },
        assets: [{ assetId: 'a1', futureAssetField: 7 }],
      });
    });
  });

  describe('findDue and findByState', () => {
    it('returns only live records whose due has come, by the tag index', async () => {
      const overdue = await seed('overdue.mp4', 'submitted', { due: PAST, submissionId: 's1' });
      const exactlyNow = await seed('now.mp4', 'retry-pending', { due: T0 });
      await seed('future.mp4', 'submit-pending', { due: FUTURE });
      await seed('done.mp4', 'complete', { due: PAST });
      await seed('rejected.mp4', 'rejected', { failure: { kind: 'validation', detail: 'zero bytes' } });
      await ledger.linkSubmission('s1', overdue);

      const due = await ledger.findDue(T0, 100);
      expect(due.sort()).toEqual([overdue, exactlyNow].sort());
    });

    it('drops a record from the due set once it reaches a terminal state', async () => {
      const key = await seed('finishing.mp4', 'submitted', { due: PAST, submissionId: 's2' });
      await ledger.update(key, (c) => expectOk(transition(c, 'complete', 'all assets done', T0)));
      await expect(ledger.findDue(T0, 100)).resolves.toEqual([]);
    });

    it('honours the limit and accepts any ISO form of now', async () => {
      await seed('one.mp4', 'submit-pending', { due: PAST });
      await seed('two.mp4', 'submit-pending', { due: PAST });
      await seed('three.mp4', 'submit-pending', { due: PAST });
      await expect(ledger.findDue(T0, 2)).resolves.toHaveLength(2);
      // Without milliseconds "…12:00:00Z" sorts after "…11:59:00.000Z" only if normalised; it must still match.
      await expect(ledger.findDue('2026-11-25T12:00:00Z', 10)).resolves.toHaveLength(3);
      await expect(ledger.findDue(T0, 0)).resolves.toEqual([]);
    });

    it('rejects a now that is not a timestamp', async () => {
      await expect(ledger.findDue('soon', 10)).rejects.toMatchObject({ code: 'invalid-argument' });
    });

    it('finds records by state', async () => {
      const stuck = await seed('stuck.mp4', 'stuck', {});
      await seed('other.mp4', 'submit-pending', { due: PAST });
      await expect(ledger.findByState('stuck', 10)).resolves.toEqual([stuck]);
      await expect(ledger.findByState('complete', 10)).resolves.toEqual([]);
    });
  });

  describe('submission pointers', () => {
    it('links once, create-only, and finds the record by submission id', async () => {
      const key = ledgerKey('uploads', 'a.mp4');
      const other = ledgerKey('uploads', 'b.mp4');
      await expect(ledger.linkSubmission('sub_123', key)).resolves.toEqual({ kind: 'linked' });
      await expect(ledger.linkSubmission('sub_123', key)).resolves.toEqual({ kind: 'already-linked' });
      await expect(ledger.linkSubmission('sub_123', other)).resolves.toEqual({
        kind: 'linked-elsewhere',
        key,
      });
      await expect(ledger.findBySubmission('sub_123')).resolves.toBe(key);
      await expect(ledger.findBySubmission('sub_unknown')).resolves.toBeUndefined();
      const body = await container.getBlockBlobClient('submissions/sub_123.json').downloadToBuffer();
      expect(JSON.parse(body.toString())).toEqual({ key });
    });

    it('keeps an id with slashes to one blob directly under submissions/', async () => {
      const key = ledgerKey('uploads', 'a.mp4');
      await ledger.linkSubmission('ws/1?x', key);
      await expect(ledger.findBySubmission('ws/1?x')).resolves.toBe(key);
      expect(pointerBlobName('ws/1?x')).toBe('submissions/ws%2F1%3Fx.json');
    });

    it('throws invalid-pointer for an unreadable pointer', async () => {
      await container.getBlockBlobClient(pointerBlobName('junk')).upload('nope', 4);
      await expect(ledger.findBySubmission('junk')).rejects.toMatchObject({ code: 'invalid-pointer' });
    });
  });

  describe('list', () => {
    it('yields every record and nothing else', async () => {
      const a = await seed('a.mp4', 'submit-pending', { due: PAST });
      const b = await seed('b.mp4', 'complete', {});
      await ledger.linkSubmission('s9', a);
      const keys: string[] = [];
      for await (const record of ledger.list()) keys.push(record.key);
      expect(keys.sort()).toEqual([a, b].sort());
    });
  });

  it('maps an unexpected storage failure to a storage error with the status', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    const missing = new BlobLedger(service.getContainerClient('no-such-container'), systemClock);
    const error = await missing.claim(sourceRecord('a.mp4')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LedgerStorageError', code: 'storage', details: { status: 404 } });
  });

  /** Creates a record directly in `state` (seeding, not exercising transitions). */
  async function seed(name: string, state: LedgerState, patch: Partial<LedgerRecord>): Promise<string> {
    const base = sourceRecord(name);
    const { due: _due, ...rest } = base;
    const { record } = await ledger.claim({ ...rest, ...patch, state });
    return record.key;
  }
});

function sourceRecord(name: string, sourceEtag = '"0x1"'): LedgerRecord {
  return newLedgerRecord({ container: 'uploads', name }, { sourceEtag, due: FUTURE }, T0);
}

function asset(assetId: string): LedgerAsset {
  return { assetId, retryCount: 0, localRetries: 0 };
}

function expectOk(result: ReturnType<typeof transition>): LedgerRecord {
  if (!result.ok) throw new Error(`transition refused: ${result.error.message}`);
  return result.record;
}

/** The next Put Blob is sent twice, as the SDK's retry policy does after a lost response; the caller sees the second. */
function resendFirstUploadAfterLostResponse(): void {
  vi.spyOn(BlockBlobClient.prototype, 'upload').mockImplementationOnce(async function (
    this: BlockBlobClient,
    ...args
  ) {
    await originalUpload.apply(this, args);
    return originalUpload.apply(this, args);
  });
}

/** Runs `rival` to completion just before the next Put Blob goes out. */
function interleaveBeforeFirstUpload(rival: () => Promise<unknown>): void {
  vi.spyOn(BlockBlobClient.prototype, 'upload').mockImplementationOnce(async function (
    this: BlockBlobClient,
    ...args
  ) {
    await rival();
    return originalUpload.apply(this, args);
  });
}
