import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { silentLogger } from '../../shared/logger.js';
import { UnsafeBlobNameError } from '../../shared/storage/unsafeBlobName.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

/**
 * A queue message naming `x/../clip.mp4` or `../other/x` must touch no blob but the one it names: the storage
 * SDK resolves dot segments when it builds the URL (docs/design.md, decision 5, "Names storage treats
 * specially"), so these run over real Azurite and the emulator.
 */
describe('names that would address another blob touch nothing', () => {
  const stack = useStack();
  const handle = () => makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));

  /** A blob in the source container already `complete`, and one in another container of the account. */
  async function bystanders() {
    const { deps, upload } = stack.current;
    await upload('clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    const clip = deps.sourceContainer.getBlobClient('clip.mp4');
    await clip.setTags({ 'mediamagic-state': 'complete' });
    const other = deps.blobService.getContainerClient('other');
    await other.createIfNotExists();
    await other.getBlockBlobClient('x').uploadData(sampleMedia('image/png'), {
      blobHTTPHeaders: { blobContentType: 'image/png' },
    });
    await other.getBlobClient('x').setTags({ owner: 'someone-else' });
    const snapshot = async () => ({
      clip: { etag: (await clip.getProperties()).etag, tags: (await clip.getTags()).tags },
      other: {
        etag: (await other.getBlobClient('x').getProperties()).etag,
        tags: (await other.getBlobClient('x').getTags()).tags,
      },
    });
    return snapshot;
  }

  it.each([
    ['out of the source container', '../other/x'],
    ['onto another blob of the source container', 'x/../clip.mp4'],
    ['through a "." segment', './clip.mp4'],
    ['through a backslash', '..\\other\\x'],
    ['through a trailing dot', 'clip.mp4.'],
  ])('a BlobCreated message leading %s (%j) is ignored and logged', async (_label, name) => {
    const snapshot = await bystanders();
    const before = await snapshot();
    const apiCalls = stack.current.emulator.stats().requests.total;
    const { context, lines } = stack.current.invocation('submitOnBlobCreated');

    const result = await handle()(stack.current.eventFor(name), context);

    expect(result.kind).toBe('ignored');
    if (result.kind === 'ignored') expect(result.reason).toContain(JSON.stringify(name));
    expect(
      lines.some((l) => l.startsWith('warning queue message ignored') && l.includes('unsafe-blob-name')),
    ).toBe(true);
    expect(await snapshot()).toEqual(before);
    expect(before.clip.tags['mediamagic-state']).toBe('complete');
    expect(await stack.current.record(name)).toBeUndefined();
    expect(await stack.current.record('clip.mp4')).toBeUndefined();
    expect(stack.current.emulator.stats().requests.total).toBe(apiCalls);
  });

  it('backfill, resubmit and the timer refuse the name too (processSourceBlob), before any storage call', async () => {
    const snapshot = await bystanders();
    const before = await snapshot();

    const result = await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'x/../clip.mp4');

    expect(result.kind).toBe('ignored');
    if (result.kind === 'ignored') expect(result.reason).toContain('".." path segment');
    expect(await snapshot()).toEqual(before);
    expect(await stack.current.record('x/../clip.mp4')).toBeUndefined();
  });

  it('the source container adapter itself refuses to build a URL for such a name', async () => {
    const snapshot = await bystanders();
    const before = await snapshot();
    const { source } = stack.current.deps.submitDeps(silentLogger);

    await expect(source.getProperties('../other/x')).rejects.toBeInstanceOf(UnsafeBlobNameError);
    await expect(source.setStateTags('x/../clip.mp4', { 'mediamagic-state': 'rejected' })).rejects.toThrow(
      /".." path segment/,
    );
    await expect(source.readSasUrl('x/../clip.mp4', 60_000)).rejects.toMatchObject({
      code: 'unsafe-blob-name',
      problem: 'dot-segment',
    });
    expect(await snapshot()).toEqual(before);
  });
});
