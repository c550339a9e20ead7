import { describe, expect, it } from 'vitest';
import type { copyToUploadUrl } from '../../shared/ingest/serverSideCopy.js';
import { silentLogger } from '../../shared/logger.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { DEFAULT_SUBMIT_TIMINGS } from '../../shared/pipeline/submitDeps.js';
import { sampleMedia } from '../support/media.js';
import { movableClock } from '../support/fakeClock.js';
import { useStack } from '../support/stack.js';

const MINUTE = 60_000;

/**
 * Every re-drive of a record that has not reached the create call must end. A transient failure before it —
 * the copy to MediaMagic's upload URL fails every time — counts toward the same bound as failed create
 * calls: the record backs off and is dead-lettered after the limit, instead of sitting in `submit-pending`
 * and being re-driven every half minute forever (the stall check skips `submit-pending`, trusting this
 * bound). And a source replaced by a blob the app never submits ends the record instead of re-driving it.
 */
describe('failures before the create call end', () => {
  const stack = useStack();

  it('backs off and is dead-lettered after the submit-attempt limit, with no create call ever made', async () => {
    const clock = movableClock(Date.now());
    let copies = 0;
    const copy: typeof copyToUploadUrl = () => {
      copies++;
      return Promise.resolve({
        ok: false,
        failure: { kind: 'copy-failed', retryable: true, status: 503, message: 'ServerBusy: copy refused' },
      });
    };
    const submitDeps = { ...stack.current.deps.submitDeps(silentLogger), clock, copy };
    const pollDeps = { ...stack.current.deps.pollDeps(silentLogger), clock, copy };
    await stack.current.upload('copy/fails.mp4', sampleMedia('video/mp4'), 'video/mp4');

    expect((await processSourceBlob(submitDeps, 'copy/fails.mp4')).kind).toBe('pending');
    let record = await stack.current.record('copy/fails.mp4');
    expect(record).toMatchObject({ state: 'submit-pending', submitAttempts: 0, ingestFailures: 1 });

    // Each run comes just after the record's due time, as the timer would find it.
    const waits: number[] = [];
    for (let run = 0; run < 3 * DEFAULT_SUBMIT_TIMINGS.maxSubmitAttempts; run++) {
      record = await stack.current.record('copy/fails.mp4');
      if (record?.state !== 'submit-pending') break;
      waits.push(Date.parse(record.due ?? '') - clock.at);
      clock.at = Date.parse(record.due ?? '') + 1_000;
      await pollDue(pollDeps);
    }

    expect(record).toMatchObject({
      state: 'dead-lettered',
      submitAttempts: 0,
      ingestFailures: DEFAULT_SUBMIT_TIMINGS.maxSubmitAttempts,
      failure: { kind: 'copy-failed', status: 503 },
    });
    expect(record?.history.at(-1)?.reason).toContain(
      `gave up after ${DEFAULT_SUBMIT_TIMINGS.maxSubmitAttempts} attempts (${DEFAULT_SUBMIT_TIMINGS.maxSubmitAttempts} of them failed before the create call)`,
    );
    expect(copies).toBe(DEFAULT_SUBMIT_TIMINGS.maxSubmitAttempts);
    // The waits grow (jittered, above a floor) rather than staying at the first half minute.
    expect(Math.max(...waits)).toBeGreaterThan(5 * MINUTE);
    // Nothing was ever created: the API never saw a submission for it.
    const routes = stack.current.emulator.stats().routes;
    expect(routes['POST /api/integrations/submissions']?.count ?? 0).toBe(0);
  });

  it('a pending record whose blob was replaced by an append blob is rejected, not re-driven forever', async () => {
    const clock = movableClock(Date.now());
    let copies = 0;
    const copy: typeof copyToUploadUrl = () => {
      copies++;
      return Promise.resolve({
        ok: false,
        failure: { kind: 'copy-failed', retryable: true, status: 503, message: 'ServerBusy: copy refused' },
      });
    };
    const name = 'copy/replaced.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    const submitDeps = { ...stack.current.deps.submitDeps(silentLogger), clock, copy };
    expect((await processSourceBlob(submitDeps, name)).kind).toBe('pending');
    // Replaced by an append blob, which the app never submits (it ignores its events).
    const blob = stack.current.deps.sourceContainer.getAppendBlobClient(name);
    await blob.deleteIfExists();
    await blob.create();

    const pollDeps = { ...stack.current.deps.pollDeps(silentLogger), clock, copy };
    for (let run = 0; run < 3; run++) {
      const due = (await stack.current.record(name))?.due;
      if (due === undefined) break;
      clock.at = Math.max(clock.at, Date.parse(due)) + 1_000;
      await pollDue(pollDeps);
    }

    const record = await stack.current.record(name);
    expect(record).toMatchObject({ state: 'rejected', failure: { kind: 'source-replaced' } });
    expect(record?.failure?.detail).toContain('AppendBlob');
    expect(copies).toBe(1);
  });
});
