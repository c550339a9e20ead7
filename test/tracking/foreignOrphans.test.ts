import { describe, expect, it } from 'vitest';
import { makePollSubmissionsHandler } from '../../functions/pollSubmissions.js';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import type { PollSummary } from '../../shared/pipeline/pollDue.js';
import { ORPHAN_API_READS_PER_RUN } from '../../shared/pipeline/reconcileOrphans.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { useWebhookReceiver } from '../support/webhookReceiver.js';

const FAST = {
  submitTimings: { firstPollDelayMs: 60_000, reconcileDelayMs: 60_000 },
  pollTimings: { firstPollMs: 60_000, maxPollMs: 120_000, assetRetryBaseMs: 100 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FOREIGN = 60;

/**
 * A co-tenant in our workspace: its submissions' webhooks reach our receiver, which keeps them as orphans
 * (no pointer names them). They must cost one look each, within a per-run cap of API reads, and not starve
 * our own orphan: a lost creation response whose webhook is its only automatic way back.
 */
describe('orphans of another client in the workspace', () => {
  const stack = useStack({
    emulator: { webhooks: { retryScheduleMs: [50, 100, 200, 400], timeoutMs: 2_000 } },
  });
  const receiver = useWebhookReceiver(stack, FAST);

  const settle = async () => {
    await stack.current.emulator.controls.processing.settled();
    await stack.current.emulator.controls.webhooks.idle();
    await sleep(50);
  };
  const poll = (): Promise<PollSummary> =>
    makePollSubmissionsHandler(() => Promise.resolve(receiver.current))(
      undefined,
      stack.current.invocation('p').context,
    );
  const reads = (): number => {
    const routes = stack.current.emulator.stats().routes;
    return (
      (routes['GET /api/integrations/submissions/{submission_id}']?.count ?? 0) +
      (routes['GET /api/integrations/submissions/{submission_id}/assets/{asset_id}']?.count ?? 0)
    );
  };

  it('60 foreign orphans are dropped after one look each, within the read cap, and ours is linked in a bounded number of runs', async () => {
    // The other client submits straight through the API, with blob paths no record of ours submitted.
    const other = stack.current.deps.client;
    for (let i = 0; i < FOREIGN; i++) {
      const uploaded = await other.uploadDirect({
        filename: `cotenant-${i}.png`,
        contentType: 'image/png',
        data: sampleMedia('image/png'),
      });
      if (!uploaded.ok) throw new Error(uploaded.failure.message);
      const sub = await other.createSubmission({ assets: [{ blobPath: uploaded.value.blobPath }] });
      expect(sub.kind).toBe('created');
    }
    await settle();
    expect(await receiver.current.reconciliation.listOrphans(1_000)).toHaveLength(FOREIGN);

    // Ours, newest: the creation response is lost, so its webhook arrives before any submission pointer.
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] },
    ]);
    await stack.current.upload('ours/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    const r = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor('ours/clip.mp4'),
      stack.current.invocation('s').context,
    );
    expect(r.kind).toBe('unconfirmed');
    await settle();
    expect(await receiver.current.reconciliation.listOrphans(1_000)).toHaveLength(FOREIGN + 1);

    // 40 reads a run, two per look: 20 orphans a run, oldest first; ours, 61st in line, on run 4.
    const looksPerRun = ORPHAN_API_READS_PER_RUN / 2;
    const runs = Math.ceil((FOREIGN + 1) / looksPerRun);
    let foreign = 0;
    for (let run = 1; run <= runs; run++) {
      const before = reads();
      const summary = await poll();
      expect(summary.orphanApiReads).toBeLessThanOrEqual(ORPHAN_API_READS_PER_RUN);
      foreign += summary.foreignOrphans;
      if (run < runs) {
        // Nothing of ours is due yet: every read this run was an orphan's.
        expect(reads() - before).toBe(summary.orphanApiReads);
        expect(summary.foreignOrphans).toBe(looksPerRun);
        expect(summary.linkedOrphans).toBe(0);
        expect(await receiver.current.reconciliation.listOrphans(1_000)).toHaveLength(
          FOREIGN + 1 - run * looksPerRun,
        );
      } else {
        expect(summary.linkedOrphans).toBe(1);
      }
    }

    expect(foreign).toBe(FOREIGN);
    expect(await receiver.current.reconciliation.listOrphans(1_000)).toEqual([]);
    const rec = await stack.current.record('ours/clip.mp4');
    expect(rec?.submissionId).toBeDefined();
    expect(rec?.state).toBe('complete');
    expect(await receiver.current.ledger.findBySubmission(rec?.submissionId ?? '')).toBe(rec?.key);
  });
  it('a foreign version of our file (our record follows another submission) is dropped after one look', async () => {
    await stack.current.upload('ours/shared.png', sampleMedia('image/png'), 'image/png');
    const r = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor('ours/shared.png'),
      stack.current.invocation('s').context,
    );
    expect(r.kind).toBe('submitted');
    await settle();
    const ours = await stack.current.record('ours/shared.png');
    if (!ours?.blobPath || !ours.submissionId) throw new Error('setup: our record is not linked');
    // Another client submits a new version of the same blob path: its webhook names no submission of ours.
    const version = await stack.current.deps.client.createSubmission({
      assets: [{ blobPath: ours.blobPath, previousSubmissionId: ours.submissionId }],
    });
    if (version.kind !== 'created') throw new Error(`setup: version not created (${version.kind})`);
    await settle();
    expect((await receiver.current.reconciliation.listOrphans(10)).map((o) => o.submissionId)).toEqual([
      version.submission.submissionId,
    ]);

    const summary = await poll();

    expect(summary.foreignOrphans).toBe(1);
    expect(summary.linkedOrphans).toBe(0);
    expect(await receiver.current.reconciliation.listOrphans(10)).toEqual([]);
    expect((await stack.current.record('ours/shared.png'))?.submissionId).toBe(ours.submissionId);
  });
});
