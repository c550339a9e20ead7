import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import type { FailuresReport } from '../../cli/lib/failureList.js';
import type { ResubmitAllSummary } from '../../cli/lib/resubmitAll.js';
import { DEFAULT_WORKSPACE_ID } from '../../emulator/auth.js';
import { buildAppDeps } from '../../shared/app/appDeps.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { isoTimestamp, type LedgerRecord } from '../../shared/ledger/record.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import type { LedgerPatch } from '../../shared/ledger/transition.js';
import { silentLogger } from '../../shared/logger.js';
import { moveRecord } from '../../shared/pipeline/moveRecord.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

const HOUR = 3_600_000;
const SECOND_KEY = `sk_test_${'c'.repeat(64)}`;
const NAMES = ['all/dead.mp4', 'all/fixed.png', 'all/stuck.mp3', 'all/old.mp4'];

// Runs in order: each case starts from the ledger the previous one left.
describe('resubmit --all-failed', () => {
  const stack = useStack();

  const submit = async (name: string, mime: string, bytes = sampleMedia(mime)) => {
    await stack.current.upload(name, bytes, mime);
    return processSourceBlob(stack.current.deps.submitDeps(silentLogger), name);
  };
  const moveAgo = async (name: string, to: LedgerState, agoMs: number, patch: LedgerPatch = {}) => {
    const result = await stack.current.deps.ledger.update(ledgerKey('uploads', name), (r) =>
      moveRecord(r, to, 'moved by the test', isoTimestamp(Date.now() - agoMs), patch),
    );
    expect(result.kind).toBe('updated');
  };
  const records = async (names: readonly string[]): Promise<(LedgerRecord | undefined)[]> =>
    Promise.all(names.map((n) => stack.current.record(n)));
  const created = (): number => stack.current.emulator.stats().submissions.created;
  const setSecondKey = (status: 'active' | 'revoked') =>
    stack.current.emulator.controls.keys.add({
      key: SECOND_KEY,
      workspaceId: DEFAULT_WORKSPACE_ID,
      status,
      tier: 'api',
    });
  const deadLetter = { failure: { kind: 'asset-failed', detail: 'Transcoding failed' } } as const;

  beforeAll(async () => {
    await submit('all/dead.mp4', 'video/mp4');
    await moveAgo('all/dead.mp4', 'dead-lettered', 10 * 60_000, deadLetter);
    // Rejected for its content, then fixed in place.
    expect((await submit('all/fixed.png', 'image/png', sampleMedia('text/plain'))).kind).toBe('rejected');
    await stack.current.upload('all/fixed.png', sampleMedia('image/png'), 'image/png');
    await submit('all/stuck.mp3', 'audio/mpeg');
    await moveAgo('all/stuck.mp3', 'stuck', 20 * 60_000);
    await submit('all/old.mp4', 'video/mp4');
    await moveAgo('all/old.mp4', 'dead-lettered', 5 * HOUR, deadLetter);
  });

  it('--dry-run lists what failures lists — resubmittable or skipped with the reason — and changes nothing', async () => {
    const before = await records(NAMES);
    const createdBefore = created();

    const run = await cli(
      ['resubmit', '--all-failed', '--since', '1h', '--dry-run', '--json'],
      stack.current.env,
    );

    expect(run.code).toBe(EXIT.ok);
    const summary = run.json<ResubmitAllSummary>();
    const listed = (
      await cli(['failures', '--since', '1h', '--json'], stack.current.env)
    ).json<FailuresReport>();
    expect(summary.files.map((f) => f.blob)).toEqual(listed.failures.map((f) => f.blob));
    expect(summary.files.map((f) => `${f.outcome} ${f.blob}`)).toEqual([
      'would-resubmit all/fixed.png',
      'would-resubmit all/dead.mp4',
      'skipped all/stuck.mp3',
    ]);
    expect(summary.files[2]?.detail).toContain('is stuck');
    expect(summary).toMatchObject({ dryRun: true, listed: 3, wouldResubmit: 2, skipped: 1, resubmitted: 0 });
    expect(await records(NAMES)).toEqual(before);
    expect(created()).toBe(createdBefore);

    const text = await cli(['resubmit', '--all-failed', '--since', '1h', '--dry-run'], stack.current.env);
    expect(text.stdout).toContain('Would resubmit 2:');
    expect(text.stdout).toContain('Skipped (not resubmittable):');
    expect(await records(NAMES)).toEqual(before);
  });

  it('resubmits each listed file exactly once, skips the stuck one, leaves failures outside --since alone', async () => {
    const createdBefore = created();

    const run = await cli(['resubmit', '--all-failed', '--since', '1h'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('resubmitted      2');
    expect(run.stdout).toContain('skipped          1');
    expect(run.stderr).toContain('resubmit: [1/3] resubmitted    all/fixed.png');
    const [dead, fixed, stuck, old] = await records(NAMES);
    expect(dead).toMatchObject({ state: 'submitted', generation: 2 });
    expect(fixed).toMatchObject({ state: 'submitted', generation: 2 });
    expect(stuck).toMatchObject({ state: 'stuck', generation: 1 });
    expect(old).toMatchObject({ state: 'dead-lettered', generation: 1 });
    expect(created()).toBe(createdBefore + 2);
    const byPath = stack.current.emulator.stats().submissionsByBlobPath;
    expect(byPath[dead?.blobPath ?? '']).toBe(1);
    expect(byPath[fixed?.blobPath ?? '']).toBe(1);

    // Run again: nothing left to resubmit in the window, nothing submitted twice.
    const again = await cli(['resubmit', '--all-failed', '--since', '1h', '--json'], stack.current.env);
    expect(again.code).toBe(EXIT.ok);
    expect(again.json<ResubmitAllSummary>()).toMatchObject({ listed: 1, resubmitted: 0, skipped: 1 });
    expect(created()).toBe(createdBefore + 2);
  });

  it('stops on the first file MediaMagic blocks (6), then carries on once the key is fixed', async () => {
    setSecondKey('revoked');
    const env = { ...stack.current.env, MEDIAMAGIC_API_KEY: SECOND_KEY };
    const revoked = await buildAppDeps(loadConfig(env), { clientLogger: silentLogger });
    await stack.current.upload('all/blocked.pdf', sampleMedia('application/pdf'), 'application/pdf');
    expect((await processSourceBlob(revoked.submitDeps(silentLogger), 'all/blocked.pdf')).kind).toBe(
      'blocked',
    );
    await revoked.close();
    const createdBefore = created();

    const text = await cli(['resubmit', '--all-failed'], env);
    expect(text.code).toBe(EXIT.api);
    expect(text.stderr).toContain('error: stopped: MediaMagic refused the API key or plan (all/blocked.pdf');
    expect(text.stdout).toContain('not started      2');
    const stopped = await cli(['resubmit', '--all-failed', '--json'], env);

    expect(stopped.code).toBe(EXIT.api);
    const summary = stopped.json<ResubmitAllSummary>();
    expect(summary).toMatchObject({ stoppedOnBlocked: true, blocked: 1, listed: 3, notStarted: 2 });
    expect(summary.files.map((f) => `${f.outcome} ${f.blob}`)).toEqual(['blocked all/blocked.pdf']);
    expect((await stack.current.record('all/old.mp4'))?.state).toBe('dead-lettered');
    expect(created()).toBe(createdBefore);

    setSecondKey('active');
    const fixed = await cli(['resubmit', '--all-failed', '--json'], env);
    expect(fixed.code).toBe(EXIT.ok);
    expect(fixed.json<ResubmitAllSummary>()).toMatchObject({ resubmitted: 2, skipped: 1, blocked: 0 });
    expect(await records(['all/blocked.pdf', 'all/old.mp4'])).toMatchObject([
      { state: 'submitted', generation: 1 },
      { state: 'submitted', generation: 2 },
    ]);
    expect(created()).toBe(createdBefore + 2);
  });

  it('Ctrl-C stops before the next file: exit 130, the rest not started', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await cli(['resubmit', '--all-failed', '--json'], stack.current.env, {
      signal: controller.signal,
    });
    expect(run.code).toBe(EXIT.interrupted);
    expect(run.json<ResubmitAllSummary>()).toMatchObject({ interrupted: true, listed: 1, notStarted: 1 });
  });

  it('usage errors: a blob with --all-failed, --dry-run or --since without it, a bad --since', async () => {
    const both = await cli(['resubmit', '--all-failed', 'all/dead.mp4'], {});
    expect(both.code).toBe(EXIT.usage);
    expect(both.stderr).toContain('--all-failed resubmits every failed file; it takes no blob name');
    const dry = await cli(['resubmit', 'all/dead.mp4', '--dry-run'], {});
    expect(dry.code).toBe(EXIT.usage);
    expect(dry.stderr).toContain('--since and --dry-run go with --all-failed');
    const since = await cli(['resubmit', '--all-failed', '--since', '3 days'], {});
    expect(since.code).toBe(EXIT.usage);
    expect(since.stderr).toContain('got "3 days"');
  });
});
