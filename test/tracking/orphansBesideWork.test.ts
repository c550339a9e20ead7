import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack } from '../support/stack.js';

/**
 * A timer run reconciles orphaned webhooks beside its due work, not before it (pollDue.ts): in the chaos soak
 * one orphan's read, retried after a 5xx, held every worker for 3–4 s of each run while follow-ups piled up.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('orphans beside the due work', () => {
  const stack = useStack({ build: { submitTimings: { firstPollDelayMs: 50 } } });

  it('a slow orphan look does not hold the records due meanwhile', async () => {
    const name = 'beside/due.png';
    await stack.current.upload(name, sampleMedia('image/png'), 'image/png');
    const submitted = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps))(
      stack.current.eventFor(name),
      stack.current.invocation('submitOnBlobCreated').context,
    );
    expect(submitted.kind).toBe('submitted');
    await stack.current.emulator.controls.processing.settled();
    await sleep(100); // its first status poll is due
    await stack.current.deps.reconciliation.recordOrphan({
      submissionId: 'sub_slow_look',
      assetId: 'ast_1',
      eventType: 'asset.processing.completed',
      receivedAt: isoTimestamp(Date.now()),
      eventId: 'evt_slow',
    });

    // The orphan's look waits (up to 5 s) until the due record has been followed to the end.
    const real = stack.current.deps.pollDeps(new MemoryLogger());
    let followedDuringLook = false;
    const ledger = new Proxy<Ledger>(real.ledger, {
      get(target, prop) {
        if (prop === 'findBySubmission') {
          return async (submissionId: string) => {
            const until = Date.now() + 5_000;
            while (Date.now() < until && !followedDuringLook) {
              followedDuringLook = (await stack.current.record(name))?.state === 'complete';
              if (!followedDuringLook) await sleep(50);
            }
            return target.findBySubmission(submissionId);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const summary = await pollDue({ ...real, ledger });

    expect(followedDuringLook).toBe(true);
    expect(summary.outcomes).toEqual({ 'submitted→complete': 1 });
    expect(summary.errors).toBe(0);
  });
});
