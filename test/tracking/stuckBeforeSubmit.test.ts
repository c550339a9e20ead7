import { describe, expect, it } from 'vitest';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { STEP_FAILURE_LIMIT } from '../../shared/pipeline/stepFailureWait.js';
import type { SourceBlobs } from '../../shared/storage/sourceBlobs.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { sampleMedia } from '../support/media.js';
import { movableClock } from '../support/fakeClock.js';
import { useStack } from '../support/stack.js';

/**
 * A record whose source cannot be read (the blob is in the Archive tier: 409 `BlobArchived`) goes `stuck`
 * with an alert after the step-failure limit — before any create call. Once the blob is rehydrated it must
 * be submitted by the timer on its own: nothing was ever submitted, so driving it again is safe. It must
 * not be "reconciled" as a creation that was never confirmed (an alert about a submission never attempted,
 * repeated for ever, and no way forward but a re-upload).
 */
describe('a record stuck before its first create call', () => {
  const stack = useStack();

  it('keeps being re-driven at its backoff and is submitted once its source can be read again', async () => {
    const name = 'archived/clip.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    const clock = movableClock(Date.now());
    let archived = true;
    let reads = 0;
    const logger = new MemoryLogger();
    const real = stack.current.deps.pollDeps(logger);
    const source = new Proxy<SourceBlobs>(real.source, {
      get(target, prop) {
        if (prop === 'readHead' && archived) {
          return () => {
            reads++;
            return Promise.reject(
              new Error('BlobArchived: This operation is not permitted on an archived blob.'),
            );
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const deps = { ...real, clock, source };

    // The event's invocation throws (the host would retry it, then poison it); the claim stays for the timer.
    await expect(
      processSourceBlob({ ...stack.current.deps.submitDeps(logger), clock, source }, name),
    ).rejects.toThrow('BlobArchived');
    for (let run = 0; run < 2 * STEP_FAILURE_LIMIT; run++) {
      const record = await stack.current.record(name);
      if (record?.state === 'stuck') break;
      clock.at = Date.parse(record?.due ?? '') + 1_000;
      await pollDue(deps);
    }
    let record = await stack.current.record(name);
    expect(record).toMatchObject({ state: 'stuck', submitAttempts: 0 });
    expect(record?.stepFailures?.count).toBe(STEP_FAILURE_LIMIT);
    expect(logger.lines.filter((l) => l.message.startsWith(`ALERT: ${name} is stuck`))).toHaveLength(1);

    // Still archived: tried again at its backoff, still stuck, and no alert about a creation never confirmed.
    const readsBefore = reads;
    clock.at = Date.parse(record?.due ?? '') + 1_000;
    await pollDue(deps);
    expect(reads).toBe(readsBefore + 1);
    record = await stack.current.record(name);
    expect(record?.state).toBe('stuck');
    expect(logger.lines.some((l) => l.message.includes('creation never confirmed'))).toBe(false);

    // Rehydrated: the next try submits it.
    archived = false;
    clock.at = Date.parse(record?.due ?? '') + 1_000;
    await pollDue(deps);
    record = await stack.current.record(name);
    expect(record).toMatchObject({ state: 'submitted', submitAttempts: 1 });
    expect(record?.submissionId).toBeDefined();
    expect(record?.stepFailures).toBeUndefined();
  });
});
