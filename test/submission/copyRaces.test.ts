/**
 * A drive that races an overwrite, or its own deadline, over Azurite and the emulator: nothing of the old
 * generation is committed or submitted, and the record is left where the existing paths pick it up
 * (docs/design.md, decision 4).
 */
import { describe, expect, it } from 'vitest';
import { copyToUploadUrl } from '../../shared/ingest/serverSideCopy.js';
import { claimLeaseMs, claimSource } from '../../shared/pipeline/claimSource.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { submitClaimed } from '../../shared/pipeline/submitClaimed.js';
import type { SubmitDeps } from '../../shared/pipeline/submitDeps.js';
import { AutoAdvanceClock } from '../support/fakeClock.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack } from '../support/stack.js';

/** A clock that moves one second on every read, so each copied block appears to take a second. */
class TickingClock extends AutoAdvanceClock {
  override now(): number {
    const t = super.now();
    this.advance(1000);
    return t;
  }
}

describe('a drive racing an overwrite or its deadline', () => {
  const stack = useStack();

  async function claim(deps: SubmitDeps, name: string, bytes: Uint8Array) {
    await stack.current.upload(name, bytes, 'video/mp4');
    const props = await deps.source.getProperties(name);
    if (!props) throw new Error('uploaded blob is missing');
    const now = deps.clock.now();
    const claimed = await claimSource(
      deps.ledger,
      deps.settings.sourceContainer,
      props,
      now,
      claimLeaseMs(deps.settings.invocationBudgetMs),
    );
    if (claimed.kind !== 'owned') throw new Error('not claimed');
    return { record: claimed.record, props, now };
  }

  it('an overwrite during the copy: nothing submitted, the record left for the new generation', async () => {
    const { deps: app, emulator, record } = stack.current;
    const base = app.submitDeps(new MemoryLogger());
    const name = 'race/overwritten.mp4';
    const newBytes = sampleMedia('video/mp4', 4096);
    // The overwrite lands after the sniff, just as the copy starts.
    const deps: SubmitDeps = {
      ...base,
      copy: async (...args) => {
        await stack.current.upload(name, newBytes, 'video/mp4');
        return copyToUploadUrl(...args);
      },
    };
    const before = emulator.stats().submissionsByBlobPath;
    const { record: claimed, props, now } = await claim(deps, name, sampleMedia('video/mp4', 2048));

    const result = await submitClaimed(deps, claimed, props, now + deps.settings.invocationBudgetMs);

    expect(result.kind).toBe('lost-ownership');
    const left = await record(name);
    expect(left).toMatchObject({ generation: 1, state: 'claimed', sourceEtag: claimed.sourceEtag });
    expect(emulator.stats().submissionsByBlobPath).toEqual(before);

    // The new content's own event claims generation 2 and submits it.
    const next = await processSourceBlob(base, name);
    expect(next.kind).toBe('submitted');
    expect(await record(name)).toMatchObject({ generation: 2, state: 'submitted' });
  });

  it('an overwrite before the sniff: the head read is pinned too, nothing is requested', async () => {
    const { deps: app, record } = stack.current;
    const deps = app.submitDeps(new MemoryLogger());
    const name = 'race/sniffed.mp4';
    const { record: claimed, props, now } = await claim(deps, name, sampleMedia('video/mp4', 2048));
    await stack.current.upload(name, sampleMedia('video/mp4', 3000), 'video/mp4');

    const result = await submitClaimed(deps, claimed, props, now + deps.settings.invocationBudgetMs);

    expect(result.kind).toBe('lost-ownership');
    expect(await record(name)).toMatchObject({ generation: 1, state: 'claimed' });
  });

  it('a copy that would outlive its deadline stops between blocks and hands the record to the timer', async () => {
    const { deps: app, emulator, record } = stack.current;
    const base = app.submitDeps(new MemoryLogger());
    const copyClock = new TickingClock(Date.now());
    const deps: SubmitDeps = {
      ...base,
      settings: { ...base.settings, copyBlockSizeBytes: 1024, copyConcurrency: 1 },
      copy: (source, size, url, options) =>
        copyToUploadUrl(source, size, url, {
          ...options,
          clock: copyClock,
          deadlineMs: copyClock.now() + 2_500,
        }),
    };
    const name = 'race/slow.mp4';
    const before = emulator.stats().submissionsByBlobPath;
    const { record: claimed, props, now } = await claim(deps, name, sampleMedia('video/mp4', 8 * 1024));

    const result = await submitClaimed(deps, claimed, props, now + deps.settings.invocationBudgetMs);

    expect(result.kind).toBe('pending');
    const left = await record(name);
    expect(left).toMatchObject({ state: 'submit-pending', failure: { kind: 'out-of-time' } });
    expect(left?.failure?.detail).toMatch(/after 1 of 8 blocks/);
    expect(Date.parse(left?.due ?? '')).toBeLessThanOrEqual(Date.now());
    expect(emulator.stats().submissionsByBlobPath).toEqual(before);
  });
});
