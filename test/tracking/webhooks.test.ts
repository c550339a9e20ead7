import { describe, expect, it } from 'vitest';
import { makePollSubmissionsHandler } from '../../functions/pollSubmissions.js';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import type { PollSummary } from '../../shared/pipeline/pollDue.js';
import { resultPath } from '../../shared/storage/resultsStore.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { useWebhookReceiver } from '../support/webhookReceiver.js';

const FAST = {
  submitTimings: { firstPollDelayMs: 60_000, reconcileDelayMs: 60_000 },
  pollTimings: { firstPollMs: 60_000, maxPollMs: 120_000, assetRetryBaseMs: 100 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The three handlers together with webhooks on: the emulator signs and delivers to the real receiver over
 * HTTP; polls are scheduled a minute out, so anything that completes quickly was driven by a webhook.
 */
describe('webhooks first: deliveries drive records to the end', () => {
  const stack = useStack({
    emulator: { webhooks: { retryScheduleMs: [50, 100, 200, 400], timeoutMs: 2_000 } },
  });
  const receiver = useWebhookReceiver(stack, FAST);
  const routes = 'POST /api/integrations/submissions';

  const submit = async (name: string, mime: string) => {
    await stack.current.upload(name, sampleMedia(mime), mime);
    const r = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor(name),
      stack.current.invocation('s').context,
    );
    expect(r.kind).toBe('submitted');
  };
  const poll = (): Promise<PollSummary> =>
    makePollSubmissionsHandler(() => Promise.resolve(receiver.current))(
      undefined,
      stack.current.invocation('p').context,
    );
  const settle = async () => {
    await stack.current.emulator.controls.processing.settled();
    await stack.current.emulator.controls.webhooks.idle();
    await sleep(50);
  };

  it('N blobs: each webhook makes its record due now; one timer run completes them with ≤ 4 API calls per asset', async () => {
    const names = ['wh/a.mp4', 'wh/b.png', 'wh/c.pdf', 'wh/d.mp3'];
    const before = stack.current.emulator.stats().requests.total;
    for (const [i, n] of names.entries())
      await submit(n, ['video/mp4', 'image/png', 'application/pdf', 'audio/mpeg'][i] as string);
    await settle();
    for (const n of names)
      expect(Date.parse((await stack.current.record(n))?.due ?? '')).toBeLessThanOrEqual(Date.now());

    const summary = await poll();

    expect(summary.errors).toBe(0);
    for (const n of names) {
      const rec = await stack.current.record(n);
      expect(rec?.state, n).toBe('complete');
      expect(rec?.seenEventIds).toHaveLength(1);
      expect(await receiver.current.resultsContainer.getBlobClient(resultPath(n, 'result')).exists()).toBe(
        true,
      );
    }
    const apiCalls = stack.current.emulator.stats().requests.total - before;
    expect(apiCalls / names.length).toBeLessThanOrEqual(4);
    expect(stack.current.emulator.stats().routes[routes]?.count).toBeGreaterThanOrEqual(names.length);
  });

  it('a failed-asset webhook brings the timer early; retry then completion', async () => {
    await submit('wh/flaky.mmfail-1.mp4', 'video/mp4');
    await settle();
    expect((await stack.current.record('wh/flaky.mmfail-1.mp4'))?.assets[0]?.status).toBe('failed');
    await poll(); // status read: retryable → retry
    await settle(); // the retry completes and its webhook arrives
    await poll();
    expect((await stack.current.record('wh/flaky.mmfail-1.mp4'))?.state).toBe('complete');
  });

  it('a lost creation response is reconciled from the webhook that follows it (orphan → blob path → record)', async () => {
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] },
    ]);
    await stack.current.upload('lost/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    const r = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor('lost/clip.mp4'),
      stack.current.invocation('s').context,
    );
    expect(r.kind).toBe('unconfirmed');
    await settle(); // processing finishes; its webhook finds no record and is kept as an orphan

    const summary = await poll();

    expect(summary.linkedOrphans).toBe(1);
    const rec = await stack.current.record('lost/clip.mp4');
    expect(rec?.state).toBe('complete');
    expect(rec?.submissionId).toBeDefined();
    expect(await receiver.current.ledger.findBySubmission(rec?.submissionId ?? '')).toBe(rec?.key);
    expect(stack.current.emulator.stats().submissionsByBlobPath[rec?.blobPath ?? '']).toBe(1);
    expect(await receiver.current.reconciliation.listOrphans(10)).toEqual([]);
  });

  it('a webhook that overtook the submission pointer (an orphan of a linked record) is applied late, without API reads, and forgotten', async () => {
    // The event arrives between MediaMagic's 201 and our pointer write: the receiver keeps it as an orphan.
    // Reproduced by dropping the real delivery and keeping its event as the receiver would have.
    stack.current.emulator.controls.webhooks.setChaos({ script: ['drop'] });
    await submit('race/clip.mp4', 'video/mp4');
    await settle();
    const rec = await stack.current.record('race/clip.mp4');
    const dropped = stack.current.emulator.controls.webhooks
      .deliveries()
      .find((d) => d.body.includes(rec?.submissionId ?? '?'));
    expect(dropped?.state).toBe('dropped');
    const event = JSON.parse(dropped?.body ?? '{}') as {
      id: string;
      type: string;
      data: { submission_id: string; asset_id: string };
    };
    await receiver.current.reconciliation.recordOrphan({
      submissionId: event.data.submission_id,
      assetId: event.data.asset_id,
      eventType: event.type,
      eventId: event.id,
      receivedAt: new Date().toISOString(),
    });
    const statusReads = (): number =>
      stack.current.emulator.stats().routes['GET /api/integrations/submissions/{submission_id}']?.count ?? 0;
    const readsBefore = statusReads();

    const summary = await poll();

    expect(summary.appliedOrphans).toBe(1);
    expect(summary.linkedOrphans).toBe(0);
    const after = await stack.current.record('race/clip.mp4');
    expect(after?.state).toBe('complete');
    expect(after?.seenEventIds).toContain(event.id);
    // The event made the record due with the asset complete: results were read, the status never was.
    expect(statusReads()).toBe(readsBefore);
    expect(await receiver.current.reconciliation.listOrphans(10)).toEqual([]);
  });

  it('a submitter that died between its pointer write and its record write is finished from the webhook', async () => {
    // The stored state such a crash leaves: the submission exists, `submissions/<id>` names the record, the
    // record never learned the id and a re-drive settled it as unconfirmed.
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] },
    ]);
    stack.current.emulator.controls.webhooks.setChaos({ script: ['drop'] });
    await stack.current.upload('died/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    const r = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor('died/clip.mp4'),
      stack.current.invocation('s').context,
    );
    expect(r.kind).toBe('unconfirmed');
    await settle();
    const before = await stack.current.record('died/clip.mp4');
    const submission = stack.current.emulator.controls.processing
      .submissions()
      .find((s) => s.assets.some((a) => a.blobPath === before?.blobPath));
    if (!before || !submission) throw new Error('setup: no record or no submission');
    await receiver.current.ledger.linkSubmission(submission.submissionId, before.key);

    // Its webhook: the receiver cannot apply it (the record has no id) and asks for redelivery every time.
    const fired = await receiver.current.client.fireSandboxEvent({
      eventType: 'asset.processing.completed',
      submissionId: submission.submissionId,
    });
    expect(fired.ok).toBe(true);
    await settle();
    const attempts = stack.current.emulator.controls.webhooks
      .deliveries()
      .filter((d) => d.body.includes(submission.submissionId))
      .flatMap((d) => d.attempts.map((a) => a.responseStatus));
    expect(attempts.length).toBeGreaterThan(0);
    expect(new Set(attempts)).toEqual(new Set([503]));

    const summary = await poll();

    expect(summary.linkedOrphans).toBe(1);
    const after = await stack.current.record('died/clip.mp4');
    expect(after?.submissionId).toBe(submission.submissionId);
    expect(after?.state).toBe('complete');
    expect(stack.current.emulator.stats().submissionsByBlobPath[after?.blobPath ?? '']).toBe(1);
    expect(await receiver.current.reconciliation.listOrphans(10)).toEqual([]);
  });

  it('duplicated, reordered and dropped deliveries converge to the right final state', async () => {
    stack.current.emulator.controls.webhooks.setChaos({
      duplicateProbability: 0.5,
      dropProbability: 0.3,
      reorderWindowMs: 100,
    });
    const names = Array.from({ length: 6 }, (_, i) => `chaos/f${i}${i % 3 === 0 ? '.mmfatal' : ''}.png`);
    for (const n of names) await submit(n, 'image/png');
    await settle();
    stack.current.emulator.controls.webhooks.setChaos({});
    // Dropped deliveries are caught by polling: push every record's due into the past by polling with time.
    for (let i = 0; i < 3; i++) {
      for (const n of names) {
        const rec = await stack.current.record(n);
        if (rec && rec.state !== 'complete' && rec.state !== 'dead-lettered') {
          await receiver.current.ledger.update(rec.key, (r) => ({
            ...r,
            due: new Date(Date.now() - 1000).toISOString(),
          }));
        }
      }
      await poll();
      await settle();
    }
    for (const n of names) {
      expect((await stack.current.record(n))?.state, n).toBe(
        n.includes('mmfatal') ? 'dead-lettered' : 'complete',
      );
    }
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });

  it('a timer run interleaved with webhook deliveries for the same records loses nothing', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `interleave/f${i}.pdf`);
    for (const n of names) await submit(n, 'application/pdf');
    // Make them due so the timer works on them while the deliveries for them are in flight.
    for (const n of names) {
      const rec = await stack.current.record(n);
      await receiver.current.ledger.update(rec?.key ?? '', (r) => ({
        ...r,
        due: new Date(Date.now() - 1000).toISOString(),
      }));
    }
    const runs = [poll(), sleep(120).then(poll), sleep(250).then(poll)];
    await settle();
    await Promise.all(runs);
    await poll();
    const delivered = stack.current.emulator.controls.webhooks
      .deliveries()
      .filter((d) => d.state === 'succeeded')
      .map((d) => d.eventId);
    for (const n of names) {
      const rec = await stack.current.record(n);
      expect(rec?.state, n).toBe('complete');
      // Every event delivered for this record is remembered: no concurrent write lost another's change.
      const mine = delivered.filter((id) => rec?.seenEventIds.includes(id));
      expect(mine.length, n).toBeGreaterThanOrEqual(1);
    }
  });
});
