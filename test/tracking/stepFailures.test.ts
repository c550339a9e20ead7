import { describe, expect, it } from 'vitest';
import { newLedgerRecord } from '../../shared/ledger/newRecord.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { silentLogger } from '../../shared/logger.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { STEP_FAILURE_LIMIT } from '../../shared/pipeline/stepFailureWait.js';
import type { SourceBlobs } from '../../shared/storage/sourceBlobs.js';
import type { ResultsStore } from '../../shared/storage/resultsStore.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { sampleMedia } from '../support/media.js';
import { movableClock } from '../support/fakeClock.js';
import { useStack } from '../support/stack.js';

const MINUTE = 60_000;

/**
 * A timer step that throws instead of returning a classified failure (a results write that fails, an
 * archived source blob) is bounded: a growing backoff, a count on the record, and after the limit `stuck`
 * with an alert, from any state the timer drives (docs/design.md, decision 13; docs/ledger.md, "When a step
 * throws").
 */
describe('a step that throws every run: backoff, a count, then stuck with an alert', () => {
  const stack = useStack();

  const submitted = async (name: string) => {
    await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    expect((await processSourceBlob(stack.current.deps.submitDeps(silentLogger), name)).kind).toBe(
      'submitted',
    );
  };
  const makeDue = async (name: string, at: number) => {
    const record = await stack.current.record(name);
    const due = isoTimestamp(at);
    expect((await stack.current.deps.ledger.update(record?.key ?? '', (r) => ({ ...r, due }))).kind).toBe(
      'updated',
    );
  };

  it('the results write fails every run: due grows, the count rises, stuck after the limit; others still worked', async () => {
    await submitted('throws/clip.mp4');
    await submitted('fine/clip.mp4');
    await stack.current.emulator.controls.processing.settled();
    const clock = movableClock(Date.now());
    await makeDue('throws/clip.mp4', clock.at - 1000);
    await makeDue('fine/clip.mp4', clock.at - 1000);

    const logger = new MemoryLogger();
    const real = stack.current.deps.pollDeps(logger);
    const failing = (name: string) => name.startsWith('throws/');
    const results: ResultsStore = {
      writeResult: (doc) =>
        failing(doc.source.name)
          ? Promise.reject(new Error('results write refused'))
          : real.results.writeResult(doc),
      writeFailure: (report) => real.results.writeFailure(report),
    };
    const deps = { ...real, clock, results };

    const first = await pollDue(deps);
    expect(first).toMatchObject({
      outcomes: { 'submitted→step-failed': 1, 'submitted→complete': 1 },
      errors: 1,
    });
    expect((await stack.current.record('fine/clip.mp4'))?.state).toBe('complete');

    const waits: number[] = [];
    let record = await stack.current.record('throws/clip.mp4');
    expect(record?.stepFailures).toMatchObject({ count: 1, lastError: 'Error: results write refused' });
    waits.push(Date.parse(record?.due ?? '') - clock.at);
    for (let run = 2; run < STEP_FAILURE_LIMIT; run++) {
      clock.at = Date.parse(record?.due ?? '');
      const summary = await pollDue(deps);
      expect(summary).toMatchObject({ outcomes: { 'submitted→step-failed': 1 }, errors: 1 });
      record = await stack.current.record('throws/clip.mp4');
      expect(record).toMatchObject({ state: 'submitted', stepFailures: { count: run } });
      expect(record?.stepFailures?.lastAt).toBe(isoTimestamp(clock.at));
      waits.push(Date.parse(record?.due ?? '') - clock.at);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 30, 30].map((m) => m * MINUTE));
    expect(logger.dump()).not.toContain('ALERT:');

    clock.at = Date.parse(record?.due ?? '');
    const limit = await pollDue(deps);
    expect(limit).toMatchObject({ outcomes: { 'submitted→stuck': 1 }, errors: 1 });
    record = await stack.current.record('throws/clip.mp4');
    expect(record).toMatchObject({ state: 'stuck', stepFailures: { count: STEP_FAILURE_LIMIT } });
    expect(Date.parse(record?.due ?? '') - clock.at).toBe(30 * MINUTE);
    expect(record?.history.at(-1)).toMatchObject({ from: 'submitted', to: 'stuck' });
    const alerts = logger.lines.filter((line) => line.message.startsWith('ALERT:'));
    expect(alerts).toEqual([
      {
        level: 'error',
        message: expect.stringContaining('throws/clip.mp4') as unknown,
        props: expect.objectContaining({
          blob: 'throws/clip.mp4',
          state: 'submitted',
          failures: STEP_FAILURE_LIMIT,
          error: 'Error: results write refused',
        }) as unknown,
      },
    ]);
    expect(alerts[0]?.message).toContain('results write refused');
    expect((await stack.current.tags('throws/clip.mp4'))['mediamagic-state']).toBe('stuck');

    // Still failing while stuck: the backoff goes on, no second alert.
    clock.at = Date.parse(record?.due ?? '');
    expect(await pollDue(deps)).toMatchObject({ outcomes: { 'stuck→step-failed': 1 } });
    record = await stack.current.record('throws/clip.mp4');
    expect(record).toMatchObject({ state: 'stuck', stepFailures: { count: STEP_FAILURE_LIMIT + 1 } });
    expect(logger.lines.filter((line) => line.message.startsWith('ALERT:'))).toHaveLength(1);

    // The results store works again: the record completes and its count is gone.
    clock.at = Date.parse(record?.due ?? '');
    expect(await pollDue({ ...real, clock })).toMatchObject({ outcomes: { 'stuck→complete': 1 }, errors: 0 });
    record = await stack.current.record('throws/clip.mp4');
    expect(record?.state).toBe('complete');
    expect(record).not.toHaveProperty('stepFailures');
  });

  it('a claimed record whose source blob cannot be read (archived) goes stuck at the limit', async () => {
    const name = 'archived/clip.mp4';
    const etag = await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    const clock = movableClock(Date.now());
    const initial = newLedgerRecord(
      { container: stack.current.deps.config.sourceContainer, name },
      { sourceEtag: etag, due: isoTimestamp(clock.at - 1000) },
      isoTimestamp(clock.at - 1000),
    );
    const lastAt = isoTimestamp(clock.at - MINUTE);
    const claimed = await stack.current.deps.ledger.claim({
      ...initial,
      stepFailures: { count: STEP_FAILURE_LIMIT - 1, lastError: 'earlier', lastAt },
    });
    expect(claimed.claimed).toBe(true);

    const logger = new MemoryLogger();
    const real = stack.current.deps.pollDeps(logger);
    const archived = Object.assign(new Error('This operation is not permitted on an archived blob.'), {
      name: 'RestError',
      statusCode: 409,
    });
    const source: SourceBlobs = Object.create(real.source, {
      getProperties: { value: () => Promise.reject(archived) },
    }) as SourceBlobs;

    const summary = await pollDue({ ...real, clock, source });

    expect(summary).toMatchObject({ outcomes: { 'claimed→stuck': 1 }, errors: 1 });
    const record = await stack.current.record(name);
    expect(record).toMatchObject({
      state: 'stuck',
      submitAttempts: 0,
      stepFailures: {
        count: STEP_FAILURE_LIMIT,
        lastError: 'RestError: This operation is not permitted on an archived blob.',
      },
    });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/^ALERT: archived\/clip\.mp4 is stuck/) as unknown,
      }),
    );
  });
});
