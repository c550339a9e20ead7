import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

describe('submitOnBlobCreated — happy paths against Azurite and the emulator', () => {
  const stack = useStack();
  const handler = () => makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));

  it.each([
    ['video', 'clips/launch.mp4', 'video/mp4'],
    ['audio', 'audio/jingle.mp3', 'audio/mpeg'],
    ['image', 'images/hero.png', 'image/png'],
    ['document', 'docs/brief.pdf', 'application/pdf'],
  ])('copies and submits a %s exactly once', async (_category, name, mime) => {
    const { upload, eventFor, record, invocation, emulator, tags } = stack.current;
    const bytes = sampleMedia(mime, 64 * 1024 + 17);
    await upload(name, bytes, mime);
    const { context } = invocation('submitOnBlobCreated');

    const result = await handler()(eventFor(name), context);

    expect(result.kind).toBe('submitted');
    const rec = await record(name);
    expect(rec).toMatchObject({ state: 'submitted', generation: 1, submitAttempts: 1, contentType: mime });
    expect(rec?.submissionId).toMatch(/[0-9a-f-]{36}/);
    expect(rec?.blobPath).toMatch(new RegExp(`^${emulator.workspaceId}/`));
    expect(emulator.stats().submissionsByBlobPath[rec?.blobPath ?? '']).toBe(1);
    expect((await tags(name))['mediamagic-state']).toBe('submitted');
    // The copy landed byte for byte in MediaMagic's storage, without passing through this process.
    const copied = await stack.current.deps.blobService
      .getContainerClient('assets')
      .getBlobClient(rec?.blobPath ?? '')
      .downloadToBuffer();
    expect(copied.equals(Buffer.from(bytes))).toBe(true);
  });

  it('a file smaller than the 4 KiB sniff window is read and submitted', async () => {
    const { upload, eventFor, invocation } = stack.current;
    await upload('tiny/note.pdf', new TextEncoder().encode('%PDF-1.7\nhello\n'), 'application/pdf');
    const result = await handler()(eventFor('tiny/note.pdf'), invocation('submitOnBlobCreated').context);
    expect(result.kind).toBe('submitted');
  });

  it('the webhook pointer resolves the submission id to the record', async () => {
    const { upload, eventFor, invocation, deps } = stack.current;
    await upload('pointer/check.png', sampleMedia('image/png'), 'image/png');
    const result = await handler()(eventFor('pointer/check.png'), invocation('submitOnBlobCreated').context);
    if (result.kind !== 'submitted') throw new Error(`expected submitted, got ${result.kind}`);
    expect(await deps.ledger.findBySubmission(result.record.submissionId ?? '')).toBe(result.record.key);
  });
});

describe('submitOnBlobCreated — passthrough mode', () => {
  const stack = useStack({ env: { SOURCE_CONTAINER: 'assets', INGEST_MODE: 'passthrough' } });

  it('submits the blob name as the blob path, without copying', async () => {
    const { upload, eventFor, record, invocation, emulator } = stack.current;
    const name = `${emulator.workspaceId}/already-there.pdf`;
    await upload(name, sampleMedia('application/pdf'), 'application/pdf');
    const handle = makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));
    const result = await handle(eventFor(name), invocation('submitOnBlobCreated').context);
    expect(result.kind).toBe('submitted');
    expect((await record(name))?.blobPath).toBe(name);
    expect(emulator.stats().submissionsByBlobPath[name]).toBe(1);
    expect(emulator.stats().routes['POST /api/integrations/uploads/url']?.count ?? 0).toBe(0);
  });
});
