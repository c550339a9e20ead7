import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREATED_ISO,
  FIRST_POLL_ISO,
  NOW_ISO,
  claimedRecord,
  eventPayload,
  submittedAsset,
  submittedRecord,
  type EventSpec,
} from '../../test/webhooks/fixtures.js';
import { nextGeneration } from '../ledger/newRecord.js';
import { isoTimestamp, parseLedgerRecord, type LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import { transition } from '../ledger/transition.js';
import { rememberEvent } from '../ledger/seenEvents.js';
import { decideEventEffect, type EventEffect } from './eventEffect.js';
import { WebhookEventSchema, type WebhookEvent } from './webhookEvent.js';

const SUB = 'sub_1';
const LATER_ISO = isoTimestamp(Date.parse(NOW_ISO) + 60_000);

function event(spec: Partial<EventSpec> & { id: string }): WebhookEvent {
  return WebhookEventSchema.parse(eventPayload({ submissionId: SUB, assetId: 'a1', ...spec }));
}

function written(effect: EventEffect): LedgerRecord {
  if (!('record' in effect)) throw new Error(`expected a write, got ${effect.kind}`);
  const parsed = parseLedgerRecord(effect.record);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

function moved(
  record: LedgerRecord,
  to: LedgerState,
  patch: Parameters<typeof transition>[4] = {},
): LedgerRecord {
  const result = transition(record, to, 'test', CREATED_ISO, patch);
  if (!result.ok) throw new Error(result.error.message);
  return result.record;
}

describe('decideEventEffect', () => {
  it('applies a completion: asset complete, due now, event remembered, poll interval reset', () => {
    const record = submittedRecord('a.mp4', SUB, ['a1', 'a2']);
    const effect = decideEventEffect(record, event({ id: 'e1' }), NOW_ISO);
    expect(effect).toMatchObject({
      kind: 'applied',
      asset: { assetId: 'a1', from: 'submitted', to: 'complete' },
    });
    const next = written(effect);
    expect(next.assets).toEqual([submittedAsset('a1', { status: 'complete' }), submittedAsset('a2')]);
    expect(next.due).toBe(NOW_ISO);
    expect(next.seenEventIds).toEqual(['e1']);
    expect(next.pollIntervalMs).toBeUndefined();
    expect(next.lastProgressAt).toBe(NOW_ISO);
    expect(next.state).toBe('submitted');
    expect(next.history).toEqual(record.history);
  });

  it('applies a failure with its message and drops details of the earlier outcome', () => {
    const stale = { errorType: 'old', isRetryable: true, resultsWritten: true, errorMessage: 'old' };
    const record = submittedRecord('a.mp4', SUB, [submittedAsset('a1', { status: 'processing', ...stale })]);
    const next = written(
      decideEventEffect(
        record,
        event({ id: 'e1', type: 'asset.processing.failed', errorMessage: 'Bad codec' }),
        NOW_ISO,
      ),
    );
    expect(next.assets).toEqual([submittedAsset('a1', { status: 'failed', errorMessage: 'Bad codec' })]);
    expect(next.due).toBe(NOW_ISO);
  });

  it('moves a failed asset to complete (a retry succeeded) and clears the failure', () => {
    const record = submittedRecord('a.mp4', SUB, [
      submittedAsset('a1', { status: 'failed', errorMessage: 'x' }),
    ]);
    const next = written(decideEventEffect(record, event({ id: 'e2' }), NOW_ISO));
    expect(next.assets).toEqual([submittedAsset('a1', { status: 'complete' })]);
  });

  it('never regresses a complete asset: a late older failure is remembered and changes nothing else', () => {
    const record = submittedRecord('a.mp4', SUB, [submittedAsset('a1', { status: 'complete' })]);
    const effect = decideEventEffect(record, event({ id: 'e1', type: 'asset.processing.failed' }), NOW_ISO);
    expect(effect).toMatchObject({
      kind: 'applied',
      ignored: expect.stringContaining('stays complete') as string,
    });
    expect('asset' in effect && effect.asset).toBeFalsy();
    expect(written(effect)).toEqual({ ...record, seenEventIds: ['e1'] });
  });

  it('remembers a second event with news already known without pulling the due time in', () => {
    const record = submittedRecord('a.mp4', SUB, [submittedAsset('a1', { status: 'complete' })]);
    const effect = decideEventEffect(record, event({ id: 'e9' }), NOW_ISO);
    expect(written(effect)).toEqual({ ...record, seenEventIds: ['e9'] });
  });

  it('keeps a known failure message when a repeated failure carries none, and takes a new one', () => {
    const record = submittedRecord('a.mp4', SUB, [
      submittedAsset('a1', { status: 'failed', errorMessage: 'Old' }),
    ]);
    const bare = WebhookEventSchema.parse({
      ...eventPayload({ id: 'e1', submissionId: SUB, assetId: 'a1', type: 'asset.processing.failed' }),
      data: { submission_id: SUB, asset_id: 'a1', status: 'failed' },
    });
    expect(written(decideEventEffect(record, bare, NOW_ISO)).assets[0]?.errorMessage).toBe('Old');
    const fresh = event({ id: 'e2', type: 'asset.processing.failed', errorMessage: 'New' });
    expect(written(decideEventEffect(record, fresh, NOW_ISO)).assets[0]?.errorMessage).toBe('New');
  });

  it('keeps an earlier due time (only ever moves it earlier)', () => {
    const record = { ...submittedRecord('a.mp4', SUB, ['a1']), due: CREATED_ISO };
    expect(written(decideEventEffect(record, event({ id: 'e1' }), NOW_ISO)).due).toBe(CREATED_ISO);
    const later = { ...record, due: LATER_ISO };
    expect(written(decideEventEffect(later, event({ id: 'e1' }), NOW_ISO)).due).toBe(NOW_ISO);
  });

  it('adds an asset the record did not list', () => {
    const record = submittedRecord('a.mp4', SUB, ['a1']);
    const effect = decideEventEffect(record, event({ id: 'e1', assetId: 'a9' }), NOW_ISO);
    expect(effect).toMatchObject({
      kind: 'applied',
      asset: { assetId: 'a9', from: undefined, to: 'complete' },
    });
    expect(written(effect).assets.map((a) => [a.assetId, a.status])).toEqual([
      ['a1', 'submitted'],
      ['a9', 'complete'],
    ]);
  });

  it('answers duplicate for an event id already applied, and writes nothing', () => {
    const record = rememberEvent(submittedRecord('a.mp4', SUB, ['a1']), 'e1');
    expect(decideEventEffect(record, event({ id: 'e1' }), NOW_ISO)).toEqual({ kind: 'duplicate' });
  });

  it('remembers but does not apply an event about an earlier submission of the blob', () => {
    const record = submittedRecord('a.mp4', 'sub_2', ['a1']);
    const effect = decideEventEffect(record, event({ id: 'e1', submissionId: 'sub_old' }), NOW_ISO);
    expect(effect.kind).toBe('stale-generation');
    expect(written(effect)).toEqual({ ...record, seenEventIds: ['e1'] });
  });

  it('recognises the previous generation while the next one is not submitted yet', () => {
    const old = submittedRecord('a.mp4', SUB, ['a1']);
    const next = nextGeneration(old, { sourceEtag: '"0x9"', due: FIRST_POLL_ISO }, 're-upload', CREATED_ISO);
    const effect = decideEventEffect(next, event({ id: 'e1' }), NOW_ISO);
    expect(effect.kind).toBe('stale-generation');
    expect(written(effect).state).toBe('claimed');
  });

  it('writes nothing for an event that overtook the submitter (pointer linked, record not yet submitted)', () => {
    const pending = moved(claimedRecord('a.mp4'), 'submit-pending', { due: FIRST_POLL_ISO });
    expect(decideEventEffect(pending, event({ id: 'e1' }), NOW_ISO)).toEqual({
      kind: 'not-yet-submitted',
    });
  });

  it.each(['complete', 'dead-lettered'] as const)(
    'remembers an event for a %s record and leaves it as it is',
    (to) => {
      const failure = { kind: 'asset-failed', detail: 'gave up' };
      const record = moved(
        submittedRecord('a.mp4', SUB, ['a1']),
        to,
        to === 'dead-lettered' ? { failure } : {},
      );
      const effect = decideEventEffect(record, event({ id: 'e1' }), NOW_ISO);
      expect(effect.kind).toBe('finished');
      expect(written(effect)).toEqual({ ...record, seenEventIds: ['e1'] });
    },
  );

  it('patches a blocked record but leaves its due time to the operator', () => {
    const failure = { kind: 'unauthorized', detail: 'key revoked' };
    const record = moved(submittedRecord('a.mp4', SUB, ['a1']), 'blocked', { failure });
    const next = written(decideEventEffect(record, event({ id: 'e1' }), NOW_ISO));
    expect(next.state).toBe('blocked');
    expect(next.assets[0]?.status).toBe('complete');
    expect(next.due).toBe(record.due);
  });

  it('patches a stuck record and makes it due now, leaving the state change to the timer', () => {
    const record = moved(submittedRecord('a.mp4', SUB, ['a1']), 'stuck');
    const next = written(decideEventEffect(record, event({ id: 'e1' }), NOW_ISO));
    expect(next.state).toBe('stuck');
    expect(next.assets[0]?.status).toBe('complete');
    expect(next.due).toBe(NOW_ISO);
    expect(next.lastProgressAt).toBe(NOW_ISO);
    expect(next.history).toEqual(record.history);
  });

  it('converges whatever the order, duplication or loss of deliveries (property)', () => {
    // Per asset: maybe a failure (e<asset>-f), then a completion after a retry (e<asset>-c).
    const assets = ['a1', 'a2', 'a3'];
    const events = assets.flatMap((assetId) => [
      event({ id: `${assetId}-f`, assetId, type: 'asset.processing.failed' }),
      event({ id: `${assetId}-c`, assetId }),
    ]);
    const deliveries = fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 20 });
    fc.assert(
      fc.property(deliveries, (order) => {
        let record = submittedRecord('a.mp4', SUB, assets);
        for (const index of order) {
          const effect = decideEventEffect(record, events[index] as WebhookEvent, NOW_ISO);
          if ('record' in effect) record = effect.record;
        }
        const delivered = new Set(order.map((i) => events[i]?.id));
        expect(new Set(record.seenEventIds)).toEqual(delivered);
        for (const assetId of assets) {
          const status = record.assets.find((a) => a.assetId === assetId)?.status;
          const expected = delivered.has(`${assetId}-c`)
            ? 'complete'
            : delivered.has(`${assetId}-f`)
              ? 'failed'
              : 'submitted';
          expect(status).toBe(expected);
        }
        expect(parseLedgerRecord(record).ok).toBe(true);
      }),
    );
  });
});
