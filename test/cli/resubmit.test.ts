import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import type { ResubmitReport } from '../../cli/resubmit.js';
import { DEFAULT_WORKSPACE_ID } from '../../emulator/auth.js';
import { buildAppDeps } from '../../shared/app/appDeps.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import type { LedgerPatch } from '../../shared/ledger/transition.js';
import { silentLogger } from '../../shared/logger.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { saveRecord } from '../../shared/pipeline/saveRecord.js';
import { anotherWriterAlwaysGetsInFirst } from '../support/ledgerContention.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

const SECOND_KEY = `sk_test_${'b'.repeat(64)}`;

/** The `ledger transition` lines a `--verbose` run logged on stderr, as `from→to (generation): reason`. */
function transitionsIn(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.message === 'ledger transition')
    .map((t) => `${String(t.from)}→${String(t.to)} (${String(t.generation)}): ${String(t.reason)}`);
}

describe('resubmit', () => {
  const stack = useStack();
  afterEach(() => vi.restoreAllMocks());

  const submit = async (name: string, mime: string, bytes = sampleMedia(mime)) => {
    await stack.current.upload(name, bytes, mime);
    return processSourceBlob(stack.current.deps.submitDeps(silentLogger), name);
  };
  /** Moves a record the way a pipeline step would (its source blob's state tag included). */
  const move = async (name: string, to: LedgerState, reason: string, patch: LedgerPatch = {}) => {
    const record = await stack.current.record(name);
    if (!record) throw new Error(`no record for ${name}`);
    const saved = await saveRecord(stack.current.deps.submitDeps(silentLogger), record, to, reason, patch);
    expect(saved.kind).toBe('saved');
  };
  const setSecondKey = (status: 'active' | 'revoked') =>
    stack.current.emulator.controls.keys.add({
      key: SECOND_KEY,
      workspaceId: DEFAULT_WORKSPACE_ID,
      status,
      tier: 'api',
    });

  it('a dead-lettered file → a new generation of the same content, submitted as a new version of the old submission', async () => {
    const first = await submit('re/dead.mp4', 'video/mp4');
    if (first.kind !== 'submitted') throw new Error(`expected submitted, got ${first.kind}`);
    await move('re/dead.mp4', 'dead-lettered', 'asset failed permanently', {
      failure: { kind: 'asset-failed', detail: 'Transcoding failed', errorType: 'transcode_error' },
    });

    const run = await cli(['resubmit', 're/dead.mp4', '--json', '--verbose'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    const report = run.json<ResubmitReport>();
    const record = await stack.current.record('re/dead.mp4');
    expect(report).toEqual({
      blob: 're/dead.mp4',
      action: 'new-generation',
      previousState: 'dead-lettered',
      outcome: 'submitted',
      state: 'submitted',
      generation: 2,
      submissionId: record?.submissionId,
      previousSubmissionId: first.record.submissionId,
      due: record?.due,
      failure: null,
    });
    expect(record).toMatchObject({ generation: 2, state: 'submitted', sourceEtag: first.record.sourceEtag });
    expect(record?.submissionId).not.toBe(first.record.submissionId);
    const v2 = stack.current.emulator.controls.processing
      .submissions()
      .find((s) => s.submissionId === record?.submissionId);
    expect(JSON.stringify(v2)).toContain('"versionNumber":2');
    const stats = stack.current.emulator.stats();
    expect(stats.submissionsByBlobPath[record?.blobPath ?? '']).toBe(1);
    expect(stats.submissionsByBlobPath[first.record.blobPath ?? '']).toBe(1);
    expect(record?.history.at(-2)).toMatchObject({ from: 'dead-lettered', to: 'claimed' });
    expect(record?.history.at(-2)?.reason).toContain('resubmitted by an operator');
    // Logged like any pipeline step: the operator's claim of generation 2, then the submission.
    expect(transitionsIn(run.stderr)).toEqual([
      'dead-lettered→claimed (2): resubmitted by an operator (mediamagic-autosubmit resubmit) after dead-lettered',
      `claimed→submitted (2): submission ${record?.submissionId} created`,
    ]);
    expect((await stack.current.tags('re/dead.mp4'))['mediamagic-state']).toBe('submitted');
  });

  it('a rejected file whose content was fixed in place → submitted as generation 2 (text output)', async () => {
    expect((await submit('re/fixed.png', 'image/png', sampleMedia('text/plain'))).kind).toBe('rejected');
    await stack.current.upload('re/fixed.png', sampleMedia('image/png'), 'image/png');

    const run = await cli(['resubmit', 're/fixed.png'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('re/fixed.png: started generation 2 (was rejected)');
    expect(run.stdout).toMatch(/submitted as \S+; webhooks and the timer follow it/);
    expect(await stack.current.record('re/fixed.png')).toMatchObject({ generation: 2, state: 'submitted' });
  });

  it('a rejected file that still fails validation → refused again (5) with the reason', async () => {
    expect((await submit('re/still-bad.png', 'image/png', sampleMedia('text/plain'))).kind).toBe('rejected');

    const run = await cli(['resubmit', 're/still-bad.png'], stack.current.env);

    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain('error: it failed again (rejected)');
    expect(run.stderr).toContain('its bytes look like plain UTF-8 text');
    expect(await stack.current.record('re/still-bad.png')).toMatchObject({
      generation: 2,
      state: 'rejected',
    });
  });

  it('a blocked file: refused again while the key is still revoked (6), submitted once it is fixed (0)', async () => {
    setSecondKey('revoked');
    const env = { ...stack.current.env, MEDIAMAGIC_API_KEY: SECOND_KEY };
    const revokedDeps = await buildAppDeps(loadConfig(env), { clientLogger: silentLogger });
    await stack.current.upload('re/blocked.mp3', sampleMedia('audio/mpeg'), 'audio/mpeg');
    expect((await processSourceBlob(revokedDeps.submitDeps(silentLogger), 're/blocked.mp3')).kind).toBe(
      'blocked',
    );
    await revokedDeps.close();

    const again = await cli(['resubmit', 're/blocked.mp3', '--json'], env);
    expect(again.code).toBe(EXIT.api);
    expect(again.json<ResubmitReport>()).toMatchObject({
      action: 'resumed',
      previousState: 'blocked',
      outcome: 'blocked',
      state: 'blocked',
      failure: { kind: 'unauthorized', status: 401 },
    });

    expect((await stack.current.tags('re/blocked.mp3'))['mediamagic-state']).toBe('blocked');
    expect(transitionsIn(again.stderr)).toEqual([]); // no --verbose, no log lines

    setSecondKey('active');
    const fixed = await cli(['resubmit', 're/blocked.mp3', '--json', '--verbose'], env);
    expect(fixed.code).toBe(EXIT.ok);
    expect(fixed.json<ResubmitReport>()).toMatchObject({
      action: 'resumed',
      outcome: 'submitted',
      state: 'submitted',
      generation: 1,
    });
    const record = await stack.current.record('re/blocked.mp3');
    expect(record?.history.map((h) => `${h.from}→${h.to}`)).toEqual([
      'claimed→blocked',
      'blocked→submit-pending',
      'submit-pending→blocked',
      'blocked→submit-pending',
      'submit-pending→submitted',
    ]);
    expect(transitionsIn(fixed.stderr)).toEqual([
      'blocked→submit-pending (1): resubmitted by an operator (mediamagic-autosubmit resubmit)',
      `submit-pending→submitted (1): submission ${record?.submissionId} created`,
    ]);
    expect((await stack.current.tags('re/blocked.mp3'))['mediamagic-state']).toBe('submitted');
    expect(stack.current.emulator.stats().submissionsByBlobPath[record?.blobPath ?? '']).toBe(1);
  });

  it('a blocked file that already has a submission is followed again (due now), never resubmitted', async () => {
    await submit('re/blocked-late.pdf', 'application/pdf');
    await move('re/blocked-late.pdf', 'blocked', 'poll: Invalid API key', {
      failure: { kind: 'unauthorized', status: 401, detail: 'Invalid API key' },
    });
    const created = stack.current.emulator.stats().submissions.created;
    expect((await stack.current.tags('re/blocked-late.pdf'))['mediamagic-state']).toBe('blocked');

    const run = await cli(['resubmit', 're/blocked-late.pdf', '--verbose'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("the timer's next run picks it up");
    const record = await stack.current.record('re/blocked-late.pdf');
    expect(record?.state).toBe('submitted');
    expect(Date.parse(record?.due ?? '')).toBeLessThanOrEqual(Date.now());
    expect(stack.current.emulator.stats().submissions.created).toBe(created);
    expect(transitionsIn(run.stderr)).toEqual([
      'blocked→submitted (1): resubmitted by an operator (mediamagic-autosubmit resubmit)',
    ]);
    expect((await stack.current.tags('re/blocked-late.pdf'))['mediamagic-state']).toBe('submitted');
  });

  it('a record other writers keep too busy to write → refused (5), nothing done, told apart from a change', async () => {
    await submit('re/busy.mp4', 'video/mp4');
    await move('re/busy.mp4', 'blocked', 'poll: Invalid API key', {
      failure: { kind: 'unauthorized', status: 401, detail: 'Invalid API key' },
    });
    anotherWriterAlwaysGetsInFirst(stack.current.deps.config.ledgerContainer);

    const run = await cli(['resubmit', 're/busy.mp4', '--verbose'], stack.current.env);

    vi.restoreAllMocks();
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain('"re/busy.mp4" is being written by other processes right now');
    expect(run.stderr).not.toContain('changed while it was being resubmitted');
    expect(run.stderr).toContain('"outcome":"ledger-contention"');
    expect(await stack.current.record('re/busy.mp4')).toMatchObject({ state: 'blocked', generation: 1 });
  });

  it('refuses records in any other state (5), saying what it is and what to do', async () => {
    await submit('re/inflight.mp4', 'video/mp4');
    const inflight = await cli(['resubmit', 're/inflight.mp4'], stack.current.env);
    expect(inflight.code).toBe(EXIT.refused);
    expect(inflight.stderr).toContain('"re/inflight.mp4" is submitted: the pipeline is still working on it');
    expect(inflight.stderr).toContain('status --blob re/inflight.mp4');

    await move('re/inflight.mp4', 'complete', 'done');
    const complete = await cli(['resubmit', 're/inflight.mp4', '--json'], stack.current.env);
    expect(complete.code).toBe(EXIT.refused);
    expect(complete.json()).toMatchObject({ error: { exitCode: 5, state: 'complete' } });
    expect(complete.stderr).toContain('upload the file again');
  });

  it('unknown blob → 4; deleted source → 4; no blob → 2; bad configuration → 3', async () => {
    const unknown = await cli(['resubmit', 're/nope.mp4'], stack.current.env);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr).toContain('no ledger record for "re/nope.mp4"');

    await submit('re/gone.mp4', 'video/mp4');
    await move('re/gone.mp4', 'dead-lettered', 'x', { failure: { kind: 'asset-failed', detail: 'x' } });
    await stack.current.deps.sourceContainer.getBlobClient('re/gone.mp4').delete();
    const gone = await cli(['resubmit', 're/gone.mp4'], stack.current.env);
    expect(gone.code).toBe(EXIT.notFound);
    expect(gone.stderr).toContain('no longer exists');

    expect((await cli(['resubmit'], stack.current.env)).code).toBe(EXIT.usage);
    const config = await cli(['resubmit', 're/x.mp4'], {
      ...stack.current.env,
      MEDIAMAGIC_API_BASE_URL: 'http://example.com',
    });
    expect(config.code).toBe(EXIT.config);
    expect(config.stderr).toContain('MEDIAMAGIC_API_BASE_URL must use https');
  });
});
