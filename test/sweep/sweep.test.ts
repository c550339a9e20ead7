import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../../emulator/auth.js';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { makeSweepSourceHandler } from '../../functions/sweepSource.js';
import type { Clock } from '../../shared/clock.js';
import {
  blobCursorStore,
  sweepCursorBlobName,
  type SweepCursorStore,
} from '../../shared/sweep/sweepCursorStore.js';
import { parseSweepCursor } from '../../shared/sweep/sweepCursor.js';
import type { SweepDeps, SweepSettings } from '../../shared/sweep/sweepDeps.js';
import { runSweep, type SweepSummary } from '../../shared/sweep/sweepRun.js';
import { AutoAdvanceClock } from '../support/fakeClock.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack, type Stack } from '../support/stack.js';

/**
 * The reconciliation sweep over a real stack (Azurite + the MediaMagic emulator): blobs whose BlobCreated
 * event never arrived are found by listing the container and submitted through the same claim-first path
 * an event takes, exactly once, with the cursor persisted in the ledger container between runs.
 */
describe('reconciliation sweep', () => {
  const stack = useStack();
  const GRACE_MS = 15 * 60_000;
  /** The sweep's view of time: it decides "old enough" by it; the pipeline keeps the real clock. */
  const later = (ms = GRACE_MS + 60_000): AutoAdvanceClock => new AutoAdvanceClock(Date.now() + ms);

  function sweepDeps(
    options: { clock?: Clock; settings?: Partial<SweepSettings>; cursors?: SweepCursorStore } = {},
    logger = new MemoryLogger(),
  ): SweepDeps {
    const base = stack.current.deps.sweepDeps(logger);
    return {
      ...base,
      clock: options.clock ?? later(),
      ...(options.cursors ? { cursors: options.cursors } : {}),
      settings: { ...base.settings, ...options.settings },
    };
  }

  const seed = async (names: readonly string[]): Promise<void> => {
    for (const name of names) await stack.current.upload(name, sampleMedia('image/png'), 'image/png');
  };

  /** Every named blob has exactly one submission at MediaMagic (per generation), and none is duplicated. */
  async function expectSubmittedOnce(s: Stack, names: readonly string[]): Promise<void> {
    const stats = s.emulator.stats();
    for (const name of names) {
      const record = await s.record(name);
      expect(record?.state, name).toBe('submitted');
      expect(stats.submissionsByBlobPath[record?.blobPath ?? ''], name).toBe(1);
    }
    expect(stats.duplicateBlobPaths).toEqual([]);
  }

  const cursorBlob = () =>
    stack.current.deps.blobService
      .getContainerClient(stack.current.deps.config.ledgerContainer)
      .getBlockBlobClient(sweepCursorBlobName(stack.current.deps.config.sourceContainer));

  it('events dropped: a run submits every blob no event announced, once each; the next pass submits nothing', async () => {
    const names = ['dropped/a.png', 'dropped/b.png', 'dropped/c d.png', 'dropped/deep/e.png'];
    await seed(names);

    const first = await runSweep(sweepDeps());

    expect(first).toMatchObject({
      listed: 4,
      known: 0,
      tooNew: 0,
      driven: { submitted: 4 },
      errors: 0,
      stopped: 'pass-complete',
      passCompleted: true,
      passesCompleted: 1,
      cursorSaved: true,
    });
    await expectSubmittedOnce(stack.current, names);

    const created = stack.current.emulator.stats().submissions.created;
    const second = await runSweep(sweepDeps());
    expect(second).toMatchObject({ listed: 4, known: 4, driven: {}, passesCompleted: 2 });
    expect(stack.current.emulator.stats().submissions.created).toBe(created);
  });

  it('keeps its cursor in the ledger container, where ledger listings never see it', async () => {
    const text = (await cursorBlob().downloadToBuffer()).toString('utf8');
    const parsed = parseSweepCursor(text, 'uploads');
    expect(parsed.ok && parsed.cursor).toMatchObject({ container: 'uploads', passesCompleted: 2 });
    const listed: string[] = [];
    for await (const record of stack.current.deps.ledger.list()) listed.push(record.source.name);
    expect(listed.sort()).toEqual(
      ['dropped/a.png', 'dropped/b.png', 'dropped/c d.png', 'dropped/deep/e.png'].sort(),
    );
  });

  it('leaves blobs younger than the grace period, and drives them on a later run once they are old enough', async () => {
    await seed(['fresh/a.png', 'fresh/b.png']);
    const clock = new AutoAdvanceClock(Date.now());

    const early = await runSweep(sweepDeps({ clock }));
    expect(early).toMatchObject({ tooNew: 2, driven: {}, passCompleted: true });
    expect(await stack.current.record('fresh/a.png')).toBeUndefined();

    clock.advance(GRACE_MS);
    const onTime = await runSweep(sweepDeps({ clock }));
    expect(onTime).toMatchObject({ tooNew: 0, driven: { submitted: 2 } });
    await expectSubmittedOnce(stack.current, ['fresh/a.png', 'fresh/b.png']);
  });

  it('a sweep racing late events for the same blobs submits each once', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `race/clip-${i}.png`);
    await seed(names);
    const handle = makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));

    const [summary, ...events] = await Promise.all([
      runSweep(sweepDeps({ settings: { concurrency: 6 } })),
      ...names.map((name) => handle(stack.current.eventFor(name), stack.current.invocation('s').context)),
    ]);

    const eventsSubmitted = events.filter((r) => r.kind === 'submitted').length;
    const sweepSubmitted = summary.driven.submitted ?? 0;
    expect(eventsSubmitted + sweepSubmitted).toBe(names.length);
    await expectSubmittedOnce(stack.current, names);
  });

  it('a re-upload whose event was lost (record for an older ETag) is driven as the next generation', async () => {
    const name = 'gen/clip.png';
    await seed([name]);
    const handle = makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));
    await handle(stack.current.eventFor(name), stack.current.invocation('s').context);
    const first = await stack.current.record(name);
    expect(first).toMatchObject({ generation: 1, state: 'submitted' });
    await stack.current.upload(name, sampleMedia('image/png', 8192), 'image/png'); // no event

    const summary = await runSweep(sweepDeps());

    expect(summary.driven).toEqual({ submitted: 1 });
    const second = await stack.current.record(name);
    expect(second).toMatchObject({ generation: 2, state: 'submitted' });
    expect(second?.sourceEtag).not.toBe(first?.sourceEtag);
    const stats = stack.current.emulator.stats();
    expect(stats.submissionsByBlobPath[second?.blobPath ?? '']).toBe(1);
    expect(stats.duplicateBlobPaths).toEqual([]);
  });

  it('a blocked key stops the run without skipping: the next run, with the key fixed, drives the rest', async () => {
    const names = ['blk/0.png', 'blk/1.png', 'blk/2.png', 'blk/3.png'];
    await seed(names);
    const key = { key: stack.current.env.MEDIAMAGIC_API_KEY as string, workspaceId: DEFAULT_WORKSPACE_ID };
    stack.current.emulator.controls.keys.add({ ...key, status: 'revoked', tier: 'api' });
    let blocked: SweepSummary;
    try {
      blocked = await runSweep(sweepDeps({ settings: { concurrency: 1, pageSize: 2 } }));
    } finally {
      stack.current.emulator.controls.keys.add({ ...key, status: 'active', tier: 'api' });
    }

    expect(blocked).toMatchObject({ stopped: 'blocked', driven: { blocked: 1 }, cursorSaved: true });
    expect(blocked.passCompleted).toBe(false);
    expect((await stack.current.record('blk/0.png'))?.state).toBe('blocked');
    for (const name of names.slice(1)) expect(await stack.current.record(name)).toBeUndefined();

    const resumed = await runSweep(sweepDeps());
    expect(resumed.driven).toEqual({ submitted: 3 });
    expect(resumed.passCompleted).toBe(true);
    await expectSubmittedOnce(stack.current, names.slice(1));
    expect((await stack.current.record('blk/0.png'))?.state).toBe('blocked');
  });

  it('of two overlapping runs only one moves the cursor; the other stops and says so, and nothing is submitted twice', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `overlap/${i}.png`);
    await seed(names);
    const ledgerContainer = stack.current.deps.blobService.getContainerClient(
      stack.current.deps.config.ledgerContainer,
    );
    // Both runs read the cursor before either writes: each waits at the barrier until both have read it.
    let arrived = 0;
    let release = (): void => undefined;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const writer = (): SweepCursorStore => {
      const store = blobCursorStore(ledgerContainer, 'uploads');
      return {
        read: async (nowIso) => {
          const loaded = await store.read(nowIso);
          if (++arrived === 2) release();
          await bothRead;
          return loaded;
        },
        write: (cursor, etag) => store.write(cursor, etag),
      };
    };
    const logs = [new MemoryLogger(), new MemoryLogger()];
    const settings = { pageSize: 3 };

    const runs = await Promise.all(
      logs.map((log) => runSweep(sweepDeps({ cursors: writer(), settings }, log))),
    );

    const lost = runs.filter((r) => r.stopped === 'cursor-lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]?.cursorSaved).toBe(false);
    expect(runs.filter((r) => r.stopped === 'pass-complete')).toHaveLength(1);
    const loserLog = logs[runs.findIndex((r) => r.stopped === 'cursor-lost')];
    expect(loserLog?.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/another sweep run moved the cursor first/) as string,
      }),
    );
    await expectSubmittedOnce(stack.current, names);
  });

  it('a corrupt cursor document starts a fresh pass with a warning, and is replaced by a valid one', async () => {
    await cursorBlob().upload('{"version": 7', 13);
    const log = new MemoryLogger();

    const summary = await runSweep(sweepDeps({}, log));

    expect(summary.cursorReset).toMatch(/not JSON/);
    expect(summary).toMatchObject({ passCompleted: true, passesCompleted: 1, errors: 0, driven: {} });
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/cursor was not valid/) as string,
      }),
    );
    const text = (await cursorBlob().downloadToBuffer()).toString('utf8');
    expect(parseSweepCursor(text, 'uploads').ok).toBe(true);
  });

  it('a drive that throws is counted and logged with the blob, and the cursor moves on past it', async () => {
    await seed(['throws/a.png', 'throws/b.png']);
    const log = new MemoryLogger();
    const deps = sweepDeps({}, log);
    const summary = await runSweep({
      ...deps,
      drive: (name) =>
        name === 'throws/a.png' ? Promise.reject(new Error('boom\nstack')) : deps.drive(name),
    });

    expect(summary).toMatchObject({ errors: 1, driven: { submitted: 1 }, passCompleted: true });
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', props: { blob: 'throws/a.png', reason: 'boom' } }),
    );
    // The next pass retries it.
    expect((await runSweep(sweepDeps())).driven).toEqual({ submitted: 1 });
    await expectSubmittedOnce(stack.current, ['throws/a.png', 'throws/b.png']);
  });

  it('the sweepSource timer runs the sweep with the configured grace period and logs its summary', async () => {
    await seed(['timer/new.png']);
    const { context, lines } = stack.current.invocation('sweepSource');

    const summary = await makeSweepSourceHandler(() => Promise.resolve(stack.current.deps))(
      undefined,
      context,
    );

    // Just uploaded: within SWEEP_GRACE_MINUTES (default 15), so left for its event.
    expect(summary.sweep).toMatchObject({ tooNew: 1, driven: {}, passCompleted: true });
    expect(await stack.current.record('timer/new.png')).toBeUndefined();
    expect(lines.some((l) => l.includes('sweepSource: {') && l.includes('"sweep":{'))).toBe(true);
  });
});
