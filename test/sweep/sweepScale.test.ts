import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { silentLogger } from '../../shared/logger.js';
import type { ProcessResult } from '../../shared/pipeline/processSourceBlob.js';
import { containerPages } from '../../shared/sweep/sourcePages.js';
import { parseSweepCursor } from '../../shared/sweep/sweepCursor.js';
import { blobCursorStore, sweepCursorBlobName } from '../../shared/sweep/sweepCursorStore.js';
import type { SweepDeps } from '../../shared/sweep/sweepDeps.js';
import { runSweep, type SweepSummary } from '../../shared/sweep/sweepRun.js';
import { useAzurite } from '../support/azurite.js';
import { AutoAdvanceClock } from '../support/fakeClock.js';

/**
 * 10,000 blobs swept across many bounded runs (real Azurite listing, ledger reads and cursor writes; a
 * counting driver stands in for submissions): every blob is examined and driven exactly once over the
 * pass, whether a run stopped at its deadline or its ledger-read cap, mid-page or not.
 */
describe('sweep resumption over real Azurite listings (a counting driver stands in for submissions)', () => {
  const azurite = useAzurite();
  const TOTAL = 10_000;

  it(
    'resumes from its cursor run after run: nothing skipped, nothing repeated',
    { timeout: 240_000 },
    async () => {
      const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
      const source = service.getContainerClient('scale-source');
      const ledgerContainer = service.getContainerClient('scale-ledger');
      await Promise.all([source.createIfNotExists(), ledgerContainer.createIfNotExists()]);
      const names = Array.from(
        { length: TOTAL },
        (_, i) => `d${i % 7}/clip-${String(i).padStart(5, '0')}.mp4`,
      );
      const empty = Buffer.alloc(0);
      for (let i = 0; i < names.length; i += 200) {
        await Promise.all(
          names.slice(i, i + 200).map((name) => source.getBlockBlobClient(name).upload(empty, 0)),
        );
      }

      // Each drive takes a simulated second, so a run with a 700 s budget stops after about 700 drives.
      const clock = new AutoAdvanceClock(Date.now() + 3_600_000);
      const driven = new Map<string, number>();
      const examined = new Map<string, number>();
      const ledger = new BlobLedger(ledgerContainer, systemClock);
      const deps = (run: number): SweepDeps => ({
        ledger,
        pages: containerPages(source),
        cursors: blobCursorStore(ledgerContainer, 'scale-source'),
        drive: (name): Promise<ProcessResult> => {
          driven.set(name, (driven.get(name) ?? 0) + 1);
          clock.advance(1000);
          return Promise.resolve({ kind: 'missing', name });
        },
        clock,
        logger: silentLogger,
        settings: {
          pageSize: 300,
          concurrency: 8,
          graceMs: 15 * 60_000,
          // Alternate the two bounds; neither is a multiple of the page size, so runs stop mid-page.
          budgetMs: run % 2 === 0 ? 700_000 : Number.POSITIVE_INFINITY,
          maxLedgerReads: run % 2 === 0 ? Number.POSITIVE_INFINITY : 1234,
        },
      });

      const summaries: SweepSummary[] = [];
      for (let run = 0; run < 40; run++) {
        const summary = await runSweep(deps(run), {
          onBlob: (e) => examined.set(e.name, (examined.get(e.name) ?? 0) + 1),
        });
        summaries.push(summary);
        if (summary.passCompleted) break;
      }

      const last = summaries.at(-1);
      expect(last?.passCompleted).toBe(true);
      expect(summaries.length).toBeGreaterThan(5);
      expect(summaries.slice(0, -1).map((s) => s.stopped)).toEqual(
        summaries.slice(0, -1).map((_, run) => (run % 2 === 0 ? 'deadline' : 'read-cap')),
      );
      for (const s of summaries.filter((s) => s.stopped === 'read-cap')) expect(s.listed).toBe(1234);
      expect(summaries.every((s) => s.cursorSaved && s.errors === 0)).toBe(true);
      expect(summaries.reduce((sum, s) => sum + s.listed, 0)).toBe(TOTAL);
      expect(examined.size).toBe(TOTAL);
      expect([...examined.values()].every((n) => n === 1)).toBe(true);
      expect(driven.size).toBe(TOTAL);
      expect([...driven.values()].every((n) => n === 1)).toBe(true);

      const text = (
        await ledgerContainer.getBlockBlobClient(sweepCursorBlobName('scale-source')).downloadToBuffer()
      ).toString('utf8');
      const cursor = parseSweepCursor(text, 'scale-source');
      expect(cursor.ok && cursor.cursor).toMatchObject({ passesCompleted: 1 });
      expect(cursor.ok && cursor.cursor.pageToken).toBeUndefined();
    },
  );

  it('resumes mid-page after the last handled blob even when that blob was deleted since, and passes over append blobs', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    const source = service.getContainerClient('resume-source');
    const ledgerContainer = service.getContainerClient('resume-ledger');
    await Promise.all([source.createIfNotExists(), ledgerContainer.createIfNotExists()]);
    const names = ['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4', 'e.mp4'];
    for (const name of names) await source.getBlockBlobClient(name).upload(Buffer.alloc(0), 0);
    await source.getAppendBlobClient('c2.log').create();
    const driven: string[] = [];
    const deps = (maxLedgerReads: number): SweepDeps => ({
      ledger: new BlobLedger(ledgerContainer, systemClock),
      pages: containerPages(source),
      cursors: blobCursorStore(ledgerContainer, 'resume-source'),
      drive: (name) => {
        driven.push(name);
        return Promise.resolve({ kind: 'missing', name });
      },
      clock: new AutoAdvanceClock(Date.now() + 3_600_000),
      logger: silentLogger,
      settings: { pageSize: 10, concurrency: 1, graceMs: 0, budgetMs: 60_000, maxLedgerReads },
    });

    const first = await runSweep(deps(2));
    expect(first).toMatchObject({ stopped: 'read-cap', listed: 2, cursorSaved: true });
    await source.deleteBlob('b.mp4'); // the cursor's last handled name

    const second = await runSweep(deps(100));
    expect(second).toMatchObject({ stopped: 'pass-complete', listed: 3, otherTypes: 1 });
    expect(driven).toEqual(['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4', 'e.mp4']);
  });
});
