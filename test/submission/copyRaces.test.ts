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
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack } from '../support/stack.js';

describe('a drive racing an overwrite', () => {
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
});
