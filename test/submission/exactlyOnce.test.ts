import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { moveRecord } from '../../shared/pipeline/moveRecord.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

describe('exactly once: at-least-once triggers never become duplicate submissions', () => {
  const stack = useStack();
  const handle = () => makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps));

  it('the same event delivered 10 times concurrently → exactly one submission', async () => {
    const { upload, eventFor, invocation, emulator, record } = stack.current;
    await upload('burst/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    const message = eventFor('burst/clip.mp4');

    const results = await Promise.all(
      Array.from({ length: 10 }, () => handle()(message, invocation('submitOnBlobCreated').context)),
    );

    const kinds = results.map((r) => r.kind).sort();
    expect(kinds.filter((k) => k === 'submitted')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'duplicate')).toHaveLength(9);
    const rec = await record('burst/clip.mp4');
    expect(emulator.stats().submissionsByBlobPath[rec?.blobPath ?? '']).toBe(1);
    expect(emulator.stats().duplicateBlobPaths).toEqual([]);
  });

  it('a duplicate event after completion submits nothing new', async () => {
    const { upload, eventFor, invocation, emulator, deps, record } = stack.current;
    await upload('done/brief.pdf', sampleMedia('application/pdf'), 'application/pdf');
    expect((await handle()(eventFor('done/brief.pdf'), invocation('s').context)).kind).toBe('submitted');
    const rec = await record('done/brief.pdf');
    await deps.ledger.update(rec?.key ?? '', (r) =>
      moveRecord(r, 'complete', 'test: finished', isoTimestamp(Date.now())),
    );
    const created = emulator.stats().submissions.created;

    const again = await handle()(eventFor('done/brief.pdf'), invocation('s').context);

    expect(again.kind).toBe('duplicate');
    expect(emulator.stats().submissions.created).toBe(created);
    expect((await record('done/brief.pdf'))?.state).toBe('complete');
  });

  it('new content under the same name is a new generation, submitted as a new version', async () => {
    const { upload, eventFor, invocation, emulator, record } = stack.current;
    await upload('versions/cover.png', sampleMedia('image/png', 5000), 'image/png');
    const first = await handle()(eventFor('versions/cover.png'), invocation('s').context);
    if (first.kind !== 'submitted') throw new Error(`expected submitted, got ${first.kind}`);

    await upload('versions/cover.png', sampleMedia('image/png', 6000), 'image/png');
    const second = await handle()(eventFor('versions/cover.png'), invocation('s').context);

    expect(second.kind).toBe('submitted');
    const rec = await record('versions/cover.png');
    expect(rec).toMatchObject({
      generation: 2,
      previousSubmissionId: first.record.submissionId,
      state: 'submitted',
    });
    expect(rec?.submissionId).not.toBe(first.record.submissionId);
    expect(rec?.blobPath).not.toBe(first.record.blobPath);
    const submissions = emulator.controls.processing.submissions();
    const v2 = submissions.find((s) => s.submissionId === rec?.submissionId);
    expect(JSON.stringify(v2)).toContain('"versionNumber":2');
  });

  it('a lost response after the submission was created → one submission, record submitted-unconfirmed', async () => {
    const { upload, eventFor, invocation, emulator, record } = stack.current;
    await upload('lost/response.mp3', sampleMedia('audio/mpeg'), 'audio/mpeg');
    emulator.controls.faults.set([{ route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] }]);

    const result = await handle()(eventFor('lost/response.mp3'), invocation('s').context);

    expect(result.kind).toBe('unconfirmed');
    const rec = await record('lost/response.mp3');
    expect(rec?.state).toBe('submitted-unconfirmed');
    expect(rec?.due).toBeDefined();
    expect(emulator.stats().submissionsByBlobPath[rec?.blobPath ?? '']).toBe(1);
    expect(emulator.stats().faults.byKind.resetAfter).toBe(1);
  });
});
