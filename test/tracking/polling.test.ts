import { describe, expect, it } from 'vitest';
import { makePollSubmissionsHandler } from '../../functions/pollSubmissions.js';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { pollDue, type PollSummary } from '../../shared/pipeline/pollDue.js';
import { resultPath } from '../../shared/storage/resultsStore.js';
import { sampleMedia } from '../support/media.js';
import { useStack, type Stack } from '../support/stack.js';

/** Real time, shortened: the timer's intervals are tens of milliseconds instead of minutes. */
const FAST = {
  submitTimings: { firstPollDelayMs: 50, reconcileDelayMs: 50 },
  pollTimings: { firstPollMs: 50, maxPollMs: 200, assetRetryBaseMs: 100 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(stack: { current: Stack }) {
  const deps = () => Promise.resolve(stack.current.deps);
  return {
    async submit(name: string, mime: string): Promise<void> {
      await stack.current.upload(name, sampleMedia(mime), mime);
      const r = await makeSubmitOnBlobCreatedHandler(deps)(
        stack.current.eventFor(name),
        stack.current.invocation('s').context,
      );
      expect(r.kind).toBe('submitted');
    },
    /** Lets the emulator finish what is running, jumps past every poll interval, runs the timer once. */
    async tick(): Promise<PollSummary> {
      await stack.current.emulator.controls.processing.settled();
      await sleep(450);
      return makePollSubmissionsHandler(deps)(undefined, stack.current.invocation('pollSubmissions').context);
    },
    async resultOf(name: string): Promise<Record<string, unknown> | undefined> {
      const blob = stack.current.deps.resultsContainer.getBlobClient(resultPath(name, 'result'));
      if (!(await blob.exists())) return undefined;
      return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
    },
    async failureOf(name: string): Promise<Record<string, unknown> | undefined> {
      const blob = stack.current.deps.resultsContainer.getBlobClient(resultPath(name, 'failure'));
      if (!(await blob.exists())) return undefined;
      return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
    },
  };
}

describe('polling alone (webhooks off) follows every submission to the end', () => {
  const stack = useStack({ build: FAST, env: { MAX_ASSET_RETRIES: '2' } });
  const h = harness(stack);

  it('N blobs uploaded → submitted → complete, with results written beside them', async () => {
    const names = ['batch/a.mp4', 'batch/b.mp3', 'batch/c.png', 'batch/d.pdf', 'batch/e.png'];
    const mimes = ['video/mp4', 'audio/mpeg', 'image/png', 'application/pdf', 'image/png'];
    for (let i = 0; i < names.length; i++) await h.submit(names[i] as string, mimes[i] as string);

    const summary = await h.tick();

    expect(summary.errors).toBe(0);
    for (const name of names) {
      const rec = await stack.current.record(name);
      expect(rec?.state, name).toBe('complete');
      expect(rec?.due).toBeUndefined();
      expect((await stack.current.tags(name))['mediamagic-state']).toBe('complete');
      const result = await h.resultOf(name);
      expect(result).toMatchObject({
        source: { name },
        submissionId: rec?.submissionId,
        assetId: rec?.assets[0]?.assetId,
      });
      expect(result?.result).toMatchObject({ status: 'complete' });
      expect(Array.isArray((result?.result as { issues?: unknown[] }).issues)).toBe(true);
      expect(result?.topics).toHaveProperty('topics');
    }
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });

  it('a retryable asset failure is retried, then completes', async () => {
    await h.submit('flaky/clip.mmfail-1.mp4', 'video/mp4');
    await h.tick(); // sees the failure, asks for a retry at once
    let rec = await stack.current.record('flaky/clip.mmfail-1.mp4');
    expect(rec?.assets[0]).toMatchObject({ retryCount: 1 });
    await h.tick(); // sees it complete
    rec = await stack.current.record('flaky/clip.mmfail-1.mp4');
    expect(rec?.state).toBe('complete');
    expect(await h.resultOf('flaky/clip.mmfail-1.mp4')).toBeDefined();
    expect(stack.current.emulator.stats().submissions.retriesAccepted).toBeGreaterThanOrEqual(1);
  });

  it('a permanent failure is dead-lettered with its errorType and errorMessage, and a report is written', async () => {
    await h.submit('bad/clip.mmfatal.mp4', 'video/mp4');
    await h.tick();
    const rec = await stack.current.record('bad/clip.mmfatal.mp4');
    expect(rec?.state).toBe('dead-lettered');
    expect(rec?.failure?.kind).toBe('asset-failed');
    expect(rec?.failure?.errorType).toBeTruthy();
    expect(rec?.failure?.detail).toBe(rec?.assets[0]?.errorMessage);
    expect(rec?.assets[0]?.retryCount).toBe(0);
    const report = await h.failureOf('bad/clip.mmfatal.mp4');
    expect(report).toMatchObject({
      state: 'dead-lettered',
      errorType: rec?.failure?.errorType,
      reason: rec?.failure?.detail,
    });
    expect((await stack.current.tags('bad/clip.mmfatal.mp4'))['mediamagic-state']).toBe('dead-lettered');
  });

  it('retries exhausted (MAX_ASSET_RETRIES=2) → dead-lettered, backing off across runs', async () => {
    await h.submit('worse/clip.mmfail-5.mp4', 'video/mp4');
    const states: string[] = [];
    for (let i = 0; i < 6; i++) {
      await h.tick();
      const rec = await stack.current.record('worse/clip.mmfail-5.mp4');
      states.push(`${rec?.state}:${rec?.assets[0]?.retryCount}`);
      if (rec?.state === 'dead-lettered') break;
    }
    // 1st retry at once; the 2nd waits in retry-pending for its backoff; then out of retries.
    expect(states).toEqual(['submitted:1', 'retry-pending:1', 'submitted:2', 'dead-lettered:2']);
    const rec = await stack.current.record('worse/clip.mmfail-5.mp4');
    expect(rec?.failure?.detail).toBe(rec?.assets[0]?.errorMessage);
  });

  it('409 "retry in progress" (someone else retried first) is handled as a retry, not a failure', async () => {
    await h.submit('raced/clip.mmfail-1.mp4', 'video/mp4');
    await stack.current.emulator.controls.processing.settled();
    await sleep(100);
    const rec = await stack.current.record('raced/clip.mmfail-1.mp4');
    stack.current.emulator.controls.processing.hold();
    const client = stack.current.deps.client;
    const retryRoute = 'POST /api/integrations/submissions/{submission_id}/assets/{asset_id}/retry';
    const conflictsBefore = stack.current.emulator.stats().routes[retryRoute]?.byStatus['409'] ?? 0;
    // Another runner's retry lands right after our status read and is still running when ours arrives.
    const api = {
      getSubmission: async (...args: Parameters<typeof client.getSubmission>) => {
        const status = await client.getSubmission(...args);
        await client.retryAsset(rec?.submissionId ?? '', rec?.assets[0]?.assetId ?? '');
        return status;
      },
      getAsset: client.getAsset.bind(client),
      getAssetTopics: client.getAssetTopics.bind(client),
      retryAsset: client.retryAsset.bind(client),
      requestUploadUrl: client.requestUploadUrl.bind(client),
      createSubmission: client.createSubmission.bind(client),
    };
    const summary = await pollDue({ ...stack.current.deps.pollDeps(new MemoryLogger()), api });

    expect(summary.errors).toBe(0);
    expect(stack.current.emulator.stats().routes[retryRoute]?.byStatus['409']).toBe(conflictsBefore + 1);
    const afterRace = await stack.current.record('raced/clip.mmfail-1.mp4');
    expect(afterRace?.state).toBe('submitted');
    expect(afterRace?.assets[0]).toMatchObject({ status: 'retrying', retryCount: 1 });
    stack.current.emulator.controls.processing.release();
    await h.tick();
    expect((await stack.current.record('raced/clip.mmfail-1.mp4'))?.state).toBe('complete');
  });

  it('two overlapping timer runs lose no transition and the asset still completes', async () => {
    await h.submit('overlap/clip.mmfail-1.mp4', 'video/mp4');
    await stack.current.emulator.controls.processing.settled();
    await sleep(450);
    const poll = makePollSubmissionsHandler(() => Promise.resolve(stack.current.deps));
    const [a, b] = await Promise.all([
      poll(undefined, stack.current.invocation('p1').context),
      poll(undefined, stack.current.invocation('p2').context),
    ]);
    expect(a.errors + b.errors).toBe(0);
    const retried =
      stack.current.emulator.stats().routes[
        'POST /api/integrations/submissions/{submission_id}/assets/{asset_id}/retry'
      ];
    expect(retried?.byStatus['202']).toBeGreaterThanOrEqual(1);
    await h.tick();
    expect((await stack.current.record('overlap/clip.mmfail-1.mp4'))?.state).toBe('complete');
  });
});

describe('records without progress are flagged stuck, with an alert, and still finish', () => {
  const stack = useStack({ build: FAST, env: { STUCK_AFTER_MINUTES: '1' } });
  const h = harness(stack);

  it('no progress past STUCK_AFTER_MINUTES → stuck + ALERT log; late news still completes it', async () => {
    stack.current.emulator.controls.processing.hold();
    await h.submit('slow/clip.mp4', 'video/mp4');
    const rec = await stack.current.record('slow/clip.mp4');
    const twoMinutesAgo = new Date(Date.now() - 2 * 60_000).toISOString();
    await stack.current.deps.ledger.update(rec?.key ?? '', (r) => ({
      ...r,
      lastProgressAt: twoMinutesAgo,
      due: twoMinutesAgo,
    }));

    const { context, lines } = stack.current.invocation('pollSubmissions');
    await makePollSubmissionsHandler(() => Promise.resolve(stack.current.deps))(undefined, context);

    const stuck = await stack.current.record('slow/clip.mp4');
    expect(stuck?.state).toBe('stuck');
    expect(lines.some((l) => l.startsWith('error ALERT: no progress beyond the stuck threshold'))).toBe(true);
    expect((await stack.current.tags('slow/clip.mp4'))['mediamagic-state']).toBe('stuck');
    // The run's summary says how each bucket used so far in the process is paced (here: the submission's
    // create, unpaced, nothing refused).
    const summary = lines.find((l) => l.includes('pollSubmissions: {'));
    const logged = JSON.parse((summary ?? '').slice((summary ?? '').indexOf('{'))) as { pace?: unknown };
    expect(logged.pace).toMatchObject({ submission_write: { reserved: 1, rateLimited: 0, queued: 0 } });

    stack.current.emulator.controls.processing.release();
    await stack.current.deps.ledger.update(rec?.key ?? '', (r) => ({
      ...r,
      due: new Date(Date.now() - 1000).toISOString(),
    }));
    await h.tick();
    expect((await stack.current.record('slow/clip.mp4'))?.state).toBe('complete');
  });
});

describe('a lost creation response nobody announces is handed to a person with what to do', () => {
  const stack = useStack({ build: FAST, env: { STUCK_AFTER_MINUTES: '1' } });

  it('unconfirmed past STUCK_AFTER_MINUTES → stuck "creation never confirmed" + an ALERT naming `link`', async () => {
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] },
    ]);
    await stack.current.upload('gone/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    const submitted = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps))(
      stack.current.eventFor('gone/clip.mp4'),
      stack.current.invocation('s').context,
    );
    expect(submitted.kind).toBe('unconfirmed');
    const rec = await stack.current.record('gone/clip.mp4');
    const twoMinutesAgo = new Date(Date.now() - 2 * 60_000).toISOString();
    await stack.current.deps.ledger.update(rec?.key ?? '', (r) => ({
      ...r,
      lastProgressAt: twoMinutesAgo,
      due: twoMinutesAgo,
    }));

    const { context, lines } = stack.current.invocation('pollSubmissions');
    await makePollSubmissionsHandler(() => Promise.resolve(stack.current.deps))(undefined, context);

    const stuck = await stack.current.record('gone/clip.mp4');
    expect(stuck?.state).toBe('stuck');
    expect(stuck?.history.at(-1)?.reason).toBe('creation never confirmed');
    const alert = lines.find((l) => l.startsWith('error ALERT: submission creation never confirmed'));
    expect(alert).toContain('mediamagic-autosubmit link');
    expect(alert).toContain(stuck?.blobPath ?? '?');
    // The probe proved the submission exists (409) without creating a second one.
    expect(stack.current.emulator.stats().submissionsByBlobPath[stuck?.blobPath ?? '']).toBe(1);
  });
});
