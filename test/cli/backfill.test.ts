import { describe, expect, it } from 'vitest';
import type { BackfillSummary } from '../../cli/lib/backfillRun.js';
import { EXIT } from '../../cli/lib/exitCodes.js';
import { DEFAULT_WORKSPACE_ID } from '../../emulator/auth.js';
import { silentLogger } from '../../shared/logger.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { sampleMedia } from '../support/media.js';
import { useStack, type Stack } from '../support/stack.js';
import { cli } from './support.js';

/** Blobs that were in the container before deployment: uploaded without any event, unknown to the ledger. */
async function seed(stack: Stack, names: readonly string[]): Promise<void> {
  for (const name of names) await stack.upload(name, sampleMedia('image/png'), 'image/png');
}

/** Every blob has exactly one submission at MediaMagic, and none was duplicated. */
async function expectSubmittedOnce(stack: Stack, names: readonly string[]): Promise<void> {
  const stats = stack.emulator.stats();
  for (const name of names) {
    const record = await stack.record(name);
    expect(record?.blobPath, name).toBeDefined();
    expect(stats.submissionsByBlobPath[record?.blobPath ?? ''], name).toBe(1);
  }
  expect(stats.duplicateBlobPaths).toEqual([]);
}

describe('backfill', () => {
  const stack = useStack();
  const old = ['old/a.png', 'old/b.png', 'old/c.png', 'old/d/e.png', 'old/f g.png'];

  it('--dry-run --json lists what would be submitted and changes nothing', async () => {
    await seed(stack.current, old);
    await stack.current.upload('old/bad.mp4', sampleMedia('text/plain'), 'video/mp4');
    await stack.current.upload('old/known.png', sampleMedia('image/png'), 'image/png');
    await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'old/known.png');
    await stack.current.upload('elsewhere/x.png', sampleMedia('image/png'), 'image/png');
    const created = stack.current.emulator.stats().submissions.created;

    const run = await cli(['backfill', '--dry-run', '--prefix', 'old/', '--json'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    const summary = run.json<BackfillSummary>();
    expect(summary).toMatchObject({
      container: 'uploads',
      prefix: 'old/',
      dryRun: true,
      listed: 7,
      alreadyKnown: 1,
      wouldSubmit: 6,
      submitted: 0,
      notStarted: 0,
      interrupted: false,
    });
    expect(summary.files.map((f) => f.blob).sort()).toEqual([...old, 'old/bad.mp4'].sort());
    expect(summary.files.every((f) => f.outcome === 'would-submit' && f.state === null)).toBe(true);
    expect(stack.current.emulator.stats().submissions.created).toBe(created);
    for (const name of old) expect(await stack.current.record(name)).toBeUndefined();
  });

  it('--dry-run (text) prints the names on stdout', async () => {
    const run = await cli(['backfill', '--dry-run', '--prefix', 'old/'], stack.current.env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('Would submit 6:');
    expect(run.stdout).toContain('  old/f g.png');
  });

  it('submits every blob the ledger has never seen exactly once; rejected files make it exit 7', async () => {
    const run = await cli(['backfill', '--prefix', 'old/', '--json'], stack.current.env);

    expect(run.code).toBe(EXIT.partial);
    const summary = run.json<BackfillSummary>();
    expect(summary).toMatchObject({
      dryRun: false,
      listed: 7,
      alreadyKnown: 1,
      submitted: 5,
      rejected: 1,
      pending: 0,
      blocked: 0,
      errors: 0,
      notStarted: 0,
    });
    expect(summary.files.find((f) => f.blob === 'old/bad.mp4')).toMatchObject({
      outcome: 'rejected',
      state: 'rejected',
      detail: expect.stringContaining('plain UTF-8 text') as string,
    });
    await expectSubmittedOnce(stack.current, [...old, 'old/known.png']);
    expect(await stack.current.record('elsewhere/x.png')).toBeUndefined();
    // Progress went to stderr, one plain line per file (not a terminal).
    expect(run.stderr).toMatch(/backfill: \[\d\/7\] submitted +old\/a\.png/);
  });

  it('running it again submits nothing: everything is already known', async () => {
    const created = stack.current.emulator.stats().submissions.created;

    const run = await cli(['backfill', '--prefix', 'old/'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/already known +7/);
    expect(run.stdout).toMatch(/submitted +0/);
    expect(stack.current.emulator.stats().submissions.created).toBe(created);
  });

  it('draws a progress bar on a terminal', async () => {
    await seed(stack.current, ['tty/a.png', 'tty/b.png']);
    const run = await cli(['backfill', '--prefix', 'tty/'], stack.current.env, { tty: true });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toContain('\r');
    expect(run.stderr).toMatch(/backfill █+ 2\/2/);
    expect(run.stdout).toMatch(/submitted +2/);
  });

  it('interrupted (Ctrl-C) after a few files → 130; a re-run submits the rest, each exactly once', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `abort/clip-${i}.png`);
    await seed(stack.current, names);
    const controller = new AbortController();
    let seen = 0;

    const first = await cli(
      ['backfill', '--prefix', 'abort/', '--concurrency', '1', '--json'],
      stack.current.env,
      {
        signal: controller.signal,
        onStderr: (text) => {
          if (/submitted/.test(text) && ++seen === 3) controller.abort();
        },
      },
    );

    expect(first.code).toBe(EXIT.interrupted);
    const interrupted = first.json<BackfillSummary>();
    expect(interrupted).toMatchObject({ interrupted: true, submitted: 3, notStarted: 5 });

    const second = await cli(['backfill', '--prefix', 'abort/', '--json'], stack.current.env);
    expect(second.code).toBe(EXIT.ok);
    expect(second.json<BackfillSummary>()).toMatchObject({
      alreadyKnown: 3,
      submitted: 5,
      interrupted: false,
    });
    await expectSubmittedOnce(stack.current, names);
  });

  it('stops on a refused key (blocked) → 6, saying to fix the key and resubmit', async () => {
    const revoked = `sk_test_${'c'.repeat(64)}`;
    stack.current.emulator.controls.keys.add({
      key: revoked,
      workspaceId: DEFAULT_WORKSPACE_ID,
      status: 'revoked',
      tier: 'api',
    });
    await seed(stack.current, ['blockme/a.png', 'blockme/b.png', 'blockme/c.png']);

    const run = await cli(['backfill', '--prefix', 'blockme/', '--concurrency', '1'], {
      ...stack.current.env,
      MEDIAMAGIC_API_KEY: revoked,
    });

    expect(run.code).toBe(EXIT.api);
    expect(run.stdout).toMatch(/blocked +1/);
    expect(run.stdout).toMatch(/not started +2/);
    expect(run.stderr).toContain(
      'error: stopped: MediaMagic refused the API key or plan (This API key has been revoked)',
    );
    expect(run.stderr).toContain('resubmit blockme/a.png');
    expect((await stack.current.record('blockme/a.png'))?.state).toBe('blocked');
    expect(await stack.current.record('blockme/b.png')).toBeUndefined();
  });

  it('a re-upload the ledger has not seen (its event lost) is listed as changed, then submitted as the next generation', async () => {
    await seed(stack.current, ['regen/a.png', 'regen/b.png']);
    await cli(['backfill', '--prefix', 'regen/'], stack.current.env);
    const first = await stack.current.record('regen/a.png');
    await stack.current.upload('regen/a.png', sampleMedia('image/png', 8192), 'image/png'); // no event

    const dry = await cli(['backfill', '--dry-run', '--prefix', 'regen/', '--json'], stack.current.env);
    expect(dry.json<BackfillSummary>()).toMatchObject({
      alreadyKnown: 1,
      changedContent: 1,
      wouldSubmit: 1,
      files: [{ blob: 'regen/a.png', outcome: 'would-submit', state: 'submitted', changed: true }],
    });
    const text = await cli(['backfill', '--dry-run', '--prefix', 'regen/'], stack.current.env);
    expect(text.stdout).toContain('  regen/a.png   (new content for a known blob)');
    expect((await stack.current.record('regen/a.png'))?.generation).toBe(1);

    const run = await cli(['backfill', '--prefix', 'regen/', '--json'], stack.current.env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.json<BackfillSummary>()).toMatchObject({ submitted: 1, changedContent: 1, alreadyKnown: 1 });
    const second = await stack.current.record('regen/a.png');
    expect(second).toMatchObject({ generation: 2, state: 'submitted' });
    expect(second?.blobPath).not.toBe(first?.blobPath);
    await expectSubmittedOnce(stack.current, ['regen/a.png', 'regen/b.png']);
  });

  it('bad arguments → 2; bad configuration → 3', async () => {
    expect((await cli(['backfill', '--concurrency', '99'], stack.current.env)).code).toBe(EXIT.usage);
    expect((await cli(['backfill', 'extra'], stack.current.env)).code).toBe(EXIT.usage);
    const config = await cli(['backfill'], { ...stack.current.env, INGEST_MODE: 'teleport' });
    expect(config.code).toBe(EXIT.config);
    expect(config.stderr).toContain('INGEST_MODE must be one of copy, passthrough');
  });
});
