import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { MAX_SOURCE_NAME_CHARS } from '../../shared/validation/resultsRoom.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

describe('validation rejects before any API call, with a reason a person can act on', () => {
  const stack = useStack();
  const submit = (name: string) =>
    makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps))(
      stack.current.eventFor(name),
      stack.current.invocation('submitOnBlobCreated').context,
    );

  it.each([
    [
      'unsupported-type',
      'tools/setup.exe',
      sampleMedia('application/pdf'),
      'application/x-msdownload',
      /does not accept/,
    ],
    ['extension-mismatch', 'images/photo.png', sampleMedia('application/pdf'), 'application/pdf', /\.png/],
    ['empty', 'images/empty.png', new Uint8Array(0), 'image/png', /empty|zero|0 bytes/i],
    ['invalid-name', 'images/bad|name.png', sampleMedia('image/png'), 'image/png', /name/i],
    ['content-mismatch', 'images/fake.png', sampleMedia('application/pdf'), 'image/png', /PDF/],
    ['too-large', 'images/huge.png', sampleMedia('image/png', 50 * 1024 * 1024 + 1), 'image/png', /50/],
  ])('%s: %s', async (kind, name, bytes, contentType, words) => {
    const before = stack.current.emulator.stats().requests.total;
    await stack.current.upload(name, bytes, contentType);

    const result = await submit(name);

    expect(result.kind).toBe('rejected');
    const record = await stack.current.record(name);
    expect(record?.state).toBe('rejected');
    expect(record?.failure?.kind).toBe(kind);
    expect(record?.failure?.detail).toMatch(words);
    expect(record?.due).toBeUndefined();
    expect((await stack.current.tags(name))['mediamagic-state']).toBe('rejected');
    expect(stack.current.emulator.stats().requests.total).toBe(before);
  });
});

describe('a name that leaves no room for its results document (docs/design.md, decision 5)', () => {
  const stack = useStack();
  const submit = (name: string) =>
    makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps))(
      stack.current.eventFor(name),
      stack.current.invocation('submitOnBlobCreated').context,
    );
  /** A name of exactly `length` characters, in folders so no file name passes 255 characters. */
  const nameOf = (length: number): string => {
    const folders = `${'f'.repeat(200)}/`.repeat(4);
    return `${folders}${'x'.repeat(length - folders.length - '.png'.length)}.png`;
  };

  it('is rejected before any API call, saying why and how long it may be', async () => {
    const name = nameOf(MAX_SOURCE_NAME_CHARS + 1);
    const before = stack.current.emulator.stats().requests.total;
    await stack.current.upload(name, sampleMedia('image/png'), 'image/png');

    const result = await submit(name);

    expect(result.kind).toBe('rejected');
    const record = await stack.current.record(name);
    expect(record?.state).toBe('rejected');
    expect(record?.failure?.kind).toBe('invalid-name');
    expect(record?.failure?.detail).toContain('results document');
    expect(record?.failure?.detail).toContain(`at most ${MAX_SOURCE_NAME_CHARS} characters`);
    expect((await stack.current.tags(name))['mediamagic-state']).toBe('rejected');
    expect(stack.current.emulator.stats().requests.total).toBe(before);
  });

  it('one character shorter is submitted', async () => {
    const name = nameOf(MAX_SOURCE_NAME_CHARS);
    await stack.current.upload(name, sampleMedia('image/png'), 'image/png');
    expect((await submit(name)).kind).toBe('submitted');
    expect((await stack.current.record(name))?.state).toBe('submitted');
  });
});

describe('messages that are not work are logged and completed, never thrown', () => {
  const stack = useStack();
  const handle = () => makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));

  it.each([
    ['garbage', 'not json at all {'],
    ['an empty message', ''],
    [
      'another event type',
      JSON.stringify({
        id: '1',
        eventType: 'Microsoft.Storage.BlobDeleted',
        subject: '/blobServices/default/containers/uploads/blobs/a.png',
        data: { api: 'DeleteBlob' },
      }),
    ],
  ])('%s', async (_name, message) => {
    const { context, lines } = stack.current.invocation('submitOnBlobCreated');
    const result = await handle()(message, context);
    expect(result.kind).toBe('ignored');
    expect(lines.some((l) => l.startsWith('warning queue message ignored'))).toBe(true);
  });

  it('an event for another container', async () => {
    const message = stack.current.eventFor('a.png', { container: 'elsewhere', blobName: 'a.png' });
    const result = await handle()(message, stack.current.invocation('submitOnBlobCreated').context);
    expect(result).toMatchObject({ kind: 'ignored' });
    if (result.kind === 'ignored') expect(result.reason).toContain('elsewhere');
  });

  it('an uncommitted write (PutBlock) is ignored', async () => {
    const message = stack.current.eventFor('a.png', {
      container: 'uploads',
      blobName: 'a.png',
      api: 'PutBlock',
    });
    expect((await handle()(message, stack.current.invocation('x').context)).kind).toBe('ignored');
  });

  it('a blob deleted before the event was processed leaves no record', async () => {
    const { upload, deps, eventFor, record, invocation } = stack.current;
    await upload('gone/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    await deps.sourceContainer.deleteBlob('gone/clip.mp4');
    const result = await handle()(eventFor('gone/clip.mp4'), invocation('submitOnBlobCreated').context);
    expect(result.kind).toBe('missing');
    expect(await record('gone/clip.mp4')).toBeUndefined();
  });
});
