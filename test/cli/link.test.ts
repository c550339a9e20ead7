import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import type { LinkReport } from '../../cli/link.js';
import { silentLogger } from '../../shared/logger.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { resultPath } from '../../shared/storage/resultsStore.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

describe('link: an operator hands over the submission id a lost creation response never told us', () => {
  const stack = useStack();

  /** Submits `name` with its creation response lost and every webhook about it dropped. */
  const submitLost = async (name: string) => {
    const { faults, webhooks } = stack.current.emulator.controls;
    faults.set([{ route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] }]);
    webhooks.setChaos({ script: ['drop'] });
    await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    const result = await processSourceBlob(stack.current.deps.submitDeps(silentLogger), name);
    expect(result.kind).toBe('unconfirmed');
    await stack.current.emulator.controls.processing.settled();
    await webhooks.idle();
    faults.set([]);
    webhooks.setChaos({});
    const record = await stack.current.record(name);
    // What the operator reads in MediaMagic's dashboard, searching by the blob path `status` printed.
    const submission = stack.current.emulator.controls.processing
      .submissions()
      .find((s) => s.assets.some((a) => a.blobPath === record?.blobPath));
    if (!submission) throw new Error(`the emulator has no submission for ${record?.blobPath ?? '?'}`);
    return { record, submissionId: submission.submissionId };
  };

  it('checks the submission against the record, links it, and the timer follows it to its results', async () => {
    const { submissionId } = await submitLost('lost/one.mp4');

    const run = await cli(['link', 'lost/one.mp4', submissionId, '--json'], stack.current.env);

    expect(run.code, run.stderr).toBe(EXIT.ok);
    const record = await stack.current.record('lost/one.mp4');
    expect(run.json<LinkReport>()).toEqual({
      blob: 'lost/one.mp4',
      submissionId,
      previousState: 'submitted-unconfirmed',
      state: 'submitted',
      blobPath: record?.blobPath,
      due: record?.due,
    });
    expect(record?.submissionId).toBe(submissionId);
    expect(await stack.current.deps.ledger.findBySubmission(submissionId)).toBe(record?.key);

    await pollDue(stack.current.deps.pollDeps(silentLogger));

    const done = await stack.current.record('lost/one.mp4');
    expect(done?.state).toBe('complete');
    const results = stack.current.deps.resultsContainer.getBlobClient(resultPath('lost/one.mp4', 'result'));
    expect(await results.exists()).toBe(true);
    expect(stack.current.emulator.stats().submissionsByBlobPath[done?.blobPath ?? '']).toBe(1);
  });

  it("refuses another file's submission, an unknown id, and a second link — writing nothing", async () => {
    const { record } = await submitLost('lost/two.mp4');
    const other = await submitLost('lost/three.mp4');

    const wrongFile = await cli(['link', 'lost/two.mp4', other.submissionId], stack.current.env);
    expect(wrongFile.code).toBe(EXIT.refused);
    expect(wrongFile.stderr).toContain(`the submission is for blob path ${other.record?.blobPath ?? '?'}`);

    const unknown = await cli(
      ['link', 'lost/two.mp4', '00000000-0000-4000-8000-000000000000'],
      stack.current.env,
    );
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr).toContain('MediaMagic has no submission 00000000-0000-4000-8000-000000000000');
    expect(await stack.current.record('lost/two.mp4')).toEqual(record);

    expect((await cli(['link', 'lost/three.mp4', other.submissionId], stack.current.env)).code).toBe(EXIT.ok);
    const again = await cli(['link', 'lost/three.mp4', other.submissionId], stack.current.env);
    expect(again.code).toBe(EXIT.refused);
    expect(again.stderr).toContain(`it already follows submission ${other.submissionId}`);
  });

  it('names a missing record and a missing argument', async () => {
    const missing = await cli(['link', 'nope.mp4', 'sub'], stack.current.env);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('no ledger record for "nope.mp4"');
    const usage = await cli(['link', 'only-a-blob.mp4'], stack.current.env);
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toContain('name one blob and one submission id');
  });
});
