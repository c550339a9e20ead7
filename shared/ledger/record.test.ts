import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ledgerKey } from './ledgerKey.js';
import { newLedgerRecord, nextGeneration } from './newRecord.js';
import {
  HISTORY_LIMIT,
  SEEN_EVENT_IDS_LIMIT,
  boundRecord,
  parseLedgerRecord,
  type LedgerRecord,
} from './record.js';
import {
  ALLOWED_TRANSITIONS,
  LEDGER_STATES,
  REQUIRED_ON_ENTRY,
  canTransition,
  isTerminal,
  type LedgerState,
} from './states.js';
import { transition, type LedgerPatch, type TransitionResult } from './transition.js';
import { hasSeenEvent, rememberEvent } from './seenEvents.js';
import { dueFilter, recordTags, stateFilter } from './tags.js';

const T0 = '2026-11-25T12:00:00.000Z';
const T1 = '2026-11-25T12:01:00.000Z';
const LATER = '2026-11-25T12:15:00.000Z';

function claimed(): LedgerRecord {
  return newLedgerRecord(
    { container: 'uploads', name: 'videos/a.mp4' },
    { sourceEtag: '"0x1"', contentType: 'video/mp4', contentLength: 1234, due: LATER },
    T0,
  );
}

/** A record in `state` with whatever that state requires, built without going through transitions. */
function inState(state: LedgerState): LedgerRecord {
  const base = claimed();
  const { due: _due, ...withoutDue } = base;
  return {
    ...(isTerminal(state) ? withoutDue : base),
    state,
    ...(state === 'submitted' ? { submissionId: 'sub-1' } : {}),
    ...(['rejected', 'dead-lettered', 'blocked'].includes(state)
      ? { failure: { kind: 'test', detail: 'why' } }
      : {}),
  };
}

/** A patch carrying everything any target state requires. */
const FULL_PATCH: LedgerPatch = {
  due: LATER,
  submissionId: 'sub-1',
  failure: { kind: 'validation', status: 422, detail: 'bad field', fields: [{ field: 'x', message: 'y' }] },
};

describe('ledgerKey', () => {
  it('is the hex SHA-256 of container/name', () => {
    // Expected value from `echo -n uploads/videos/a.mp4 | sha256sum`, independent of the implementation.
    expect(ledgerKey('uploads', 'videos/a.mp4')).toBe(
      '290735ba0445bbe40996be8593a903bd89bab61620811a40c86130691fe5fa7b',
    );
  });

  it('tells apart names that differ only in case or container', () => {
    const keys = new Set([
      ledgerKey('uploads', 'a.mp4'),
      ledgerKey('uploads', 'A.mp4'),
      ledgerKey('other', 'a.mp4'),
    ]);
    expect(keys.size).toBe(3);
  });
});

describe('transition', () => {
  it('succeeds exactly for the allowed pairs, for every pair of states', () => {
    for (const from of LEDGER_STATES) {
      for (const to of LEDGER_STATES) {
        const result = transition(inState(from), to, 'test', T1, FULL_PATCH);
        expect(result.ok, `${from} → ${to}`).toBe(canTransition(from, to));
        if (!result.ok) expect(result.error).toMatchObject({ kind: 'not-allowed', from, to });
      }
    }
  });

  it('appends history and stamps updatedAt and lastProgressAt', () => {
    const record = expectOk(
      transition(claimed(), 'submitted', 'created', T1, { submissionId: 'sub-9', due: LATER }),
    );
    expect(record).toMatchObject({
      state: 'submitted',
      submissionId: 'sub-9',
      updatedAt: T1,
      lastProgressAt: T1,
    });
    expect(record.history).toEqual([{ at: T1, from: 'claimed', to: 'submitted', reason: 'created' }]);
  });

  it('does not count entering stuck as progress', () => {
    const record = expectOk(transition(inState('submitted'), 'stuck', 'no progress for 2 h', T1));
    expect(record.lastProgressAt).toBe(T0);
    expect(record.updatedAt).toBe(T1);
  });

  it('removes due when entering a terminal state', () => {
    const record = expectOk(transition(inState('submitted'), 'complete', 'done', T1, { due: LATER }));
    expect(record).not.toHaveProperty('due');
  });

  // `claimed` is entered only by creation, where newLedgerRecord requires `due` by its type.
  const requirements = LEDGER_STATES.filter((to) => to !== 'claimed').flatMap((to) =>
    REQUIRED_ON_ENTRY[to].map((field) => [to, field] as const),
  );
  it.each(requirements)('refuses to enter %s without %s', (to, field) => {
    const from = LEDGER_STATES.find((s) => canTransition(s, to)) as LedgerState;
    const patch: Record<string, unknown> = { ...FULL_PATCH, [field]: undefined };
    const base: Record<string, unknown> = { ...inState(from) };
    delete base[field];
    const result = transition(base as LedgerRecord, to, 'test', T1, patch);
    expect(result).toMatchObject({ ok: false, error: { kind: 'missing-field', to, field } });
  });

  it('drops the failure when an operator resumes a blocked record, keeps it when the patch sets one', () => {
    const blocked = { ...inState('blocked'), submissionId: 'sub-1' };
    const resumed = expectOk(transition(blocked, 'submitted', 'key fixed', T1, { due: LATER }));
    expect(resumed).not.toHaveProperty('failure');
    const failure = { kind: 'note', detail: 'kept' };
    const kept = expectOk(transition(blocked, 'submitted', 'key fixed', T1, { due: LATER, failure }));
    expect(kept.failure).toEqual(failure);
  });

  it('treats an undefined patch value as removing the field', () => {
    const record = { ...claimed(), pollIntervalMs: 5000 };
    const next = expectOk(
      transition(record, 'submit-pending', 'retry later', T1, { pollIntervalMs: undefined }),
    );
    expect(next).not.toHaveProperty('pollIntervalMs');
  });

  it('keeps identity and bookkeeping even if a patch smuggles them in', () => {
    const smuggled = { key: 'f'.repeat(64), generation: 9, createdAt: T1, state: 'complete' } as LedgerPatch;
    const record = expectOk(transition(claimed(), 'submit-pending', 'x', T1, smuggled));
    expect(record).toMatchObject({
      key: claimed().key,
      generation: 1,
      createdAt: T0,
      state: 'submit-pending',
    });
  });

  it('returns invalid-record for a non-canonical timestamp instead of writing it', () => {
    const result = transition(claimed(), 'submit-pending', 'x', '2026-11-25T12:01:00Z');
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-record' } });
  });

  it('does not modify its input', () => {
    const record = claimed();
    const snapshot = structuredClone(record);
    transition(record, 'submitted', 'x', T1, FULL_PATCH);
    expect(record).toEqual(snapshot);
  });

  it('keeps history bounded to the newest entries', () => {
    let record = inState('submitted');
    record = { ...record, history: Array.from({ length: HISTORY_LIMIT }, (_, i) => entry(`old ${i}`)) };
    const next = expectOk(transition(record, 'retry-pending', 'newest', T1, { due: LATER }));
    expect(next.history).toHaveLength(HISTORY_LIMIT);
    expect(next.history.at(-1)?.reason).toBe('newest');
    expect(next.history[0]?.reason).toBe('old 1');
  });

  it('keeps every invariant along any random walk of allowed transitions', () => {
    const step = fc.record({ pick: fc.nat(), reason: fc.string({ maxLength: 20 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        let record = claimed();
        for (const { pick, reason } of steps) {
          const targets = ALLOWED_TRANSITIONS[record.state];
          if (targets.length === 0) break;
          const to = targets[pick % targets.length] as LedgerState;
          record = expectOk(transition(record, to, reason, T1, FULL_PATCH));
          expect(parseLedgerRecord(record).ok).toBe(true);
          expect(record.history.length).toBeLessThanOrEqual(HISTORY_LIMIT);
          expect(record.history.at(-1)).toMatchObject({ to, reason });
          if (isTerminal(record.state)) expect(record.due).toBeUndefined();
        }
      }),
    );
  });
});

describe('LedgerRecordSchema', () => {
  it('accepts a new record and keeps unknown fields at every level', () => {
    const record = {
      ...inState('submitted'),
      assets: [{ assetId: 'a1', retryCount: 0, localRetries: 0, futureAssetField: [1] }],
      futureField: { nested: true },
      source: { container: 'uploads', name: 'videos/a.mp4', futureSourceField: 'x' },
    };
    const parsed = parseLedgerRecord(JSON.parse(JSON.stringify(record)));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.record).toMatchObject({
      futureField: { nested: true },
      source: { futureSourceField: 'x' },
      assets: [{ futureAssetField: [1] }],
    });
  });

  const required = [
    'schemaVersion',
    'key',
    'source',
    'generation',
    'sourceEtag',
    'state',
    'assets',
    'submitAttempts',
    'lastProgressAt',
    'history',
    'seenEventIds',
    'createdAt',
    'updatedAt',
  ];
  it.each(required)('rejects a record without %s', (field) => {
    const record: Record<string, unknown> = { ...claimed() };
    delete record[field];
    const parsed = parseLedgerRecord(record);
    if (parsed.ok) throw new Error('accepted a record without ' + field);
    expect(parsed.message).toContain(field);
  });

  it.each([
    ['an unknown state', { state: 'lost' }],
    ['another schema version', { schemaVersion: 2 }],
    ['a key that is not a sha256', { key: 'abc' }],
    ['generation 0', { generation: 0 }],
    ['a due without milliseconds', { due: '2026-11-25T12:00:00Z' }],
    ['a due with an offset', { due: '2026-11-25T12:00:00.000+01:00' }],
    ['an asset without retryCount', { assets: [{ assetId: 'a', localRetries: 0 }] }],
  ])('rejects %s', (_label, override) => {
    expect(parseLedgerRecord({ ...claimed(), ...override }).ok).toBe(false);
  });
});

describe('bounds', () => {
  it('boundRecord keeps the newest 50 history entries and 100 event ids', () => {
    const record = {
      ...claimed(),
      history: Array.from({ length: 70 }, (_, i) => entry(`h${i}`)),
      seenEventIds: Array.from({ length: 130 }, (_, i) => `e${i}`),
    };
    const bounded = boundRecord(record);
    expect(bounded.history.map((h) => h.reason)).toEqual(Array.from({ length: 50 }, (_, i) => `h${i + 20}`));
    expect(bounded.seenEventIds).toEqual(Array.from({ length: 100 }, (_, i) => `e${i + 30}`));
    expect(SEEN_EVENT_IDS_LIMIT).toBe(100);
  });

  it('rememberEvent dedupes, keeps the newest 100, and hasSeenEvent sees them', () => {
    let record = claimed();
    for (let i = 0; i < 150; i++) record = rememberEvent(record, `evt_${i}`);
    record = rememberEvent(record, 'evt_149');
    expect(record.seenEventIds).toHaveLength(SEEN_EVENT_IDS_LIMIT);
    expect(record.seenEventIds.at(-1)).toBe('evt_149');
    expect(new Set(record.seenEventIds).size).toBe(SEEN_EVENT_IDS_LIMIT);
    expect(hasSeenEvent(record, 'evt_50')).toBe(true);
    expect(hasSeenEvent(record, 'evt_49')).toBe(false);
  });
});

describe('newLedgerRecord and nextGeneration', () => {
  it('creates a valid generation-1 claimed record keyed by its source', () => {
    const record = claimed();
    expect(parseLedgerRecord(record).ok).toBe(true);
    expect(record).toMatchObject({
      key: ledgerKey('uploads', 'videos/a.mp4'),
      generation: 1,
      state: 'claimed',
      due: LATER,
      submitAttempts: 0,
      history: [],
    });
  });

  it('starts the next generation as a new version of the last submission', () => {
    const done = { ...inState('complete'), submissionId: 'sub-1', blobPath: 'ws/a.mp4', futureField: 1 };
    const next = nextGeneration(done, { sourceEtag: '"0x2"', due: LATER }, 're-uploaded', T1);
    expect(parseLedgerRecord(next).ok).toBe(true);
    expect(next).toMatchObject({
      key: done.key,
      generation: 2,
      state: 'claimed',
      sourceEtag: '"0x2"',
      previousSubmissionId: 'sub-1',
      due: LATER,
      assets: [],
      submitAttempts: 0,
      createdAt: T0,
      updatedAt: T1,
      futureField: 1,
    });
    expect(next).not.toHaveProperty('submissionId');
    expect(next).not.toHaveProperty('blobPath');
    expect(next).not.toHaveProperty('contentType');
    expect(next.history.at(-1)).toEqual({ at: T1, from: 'complete', to: 'claimed', reason: 're-uploaded' });
  });

  it('carries the older previousSubmissionId when the last generation never submitted', () => {
    const rejected = { ...inState('rejected'), previousSubmissionId: 'sub-0' };
    expect(nextGeneration(rejected, { sourceEtag: '"0x3"', due: LATER }, 'x', T1).previousSubmissionId).toBe(
      'sub-0',
    );
  });
});

describe('tags', () => {
  it('carries state, generation and due for a live record', () => {
    expect(recordTags(inState('submitted'))).toEqual({ state: 'submitted', gen: '1', due: LATER });
  });

  it('never tags a terminal record with due, even if its body kept one', () => {
    expect(recordTags({ ...inState('complete'), due: LATER })).toEqual({ state: 'complete', gen: '1' });
  });

  it('builds the container-scoped filters', () => {
    expect(dueFilter(T0)).toBe(`"due" <= '${T0}'`);
    expect(stateFilter('stuck')).toBe(`"state" = 'stuck'`);
  });
});

/** The record of a successful transition; fails the test with the error otherwise. */
function expectOk(result: TransitionResult): LedgerRecord {
  if (!result.ok) throw new Error(`transition refused: ${result.error.message}`);
  return result.record;
}

function entry(reason: string): LedgerRecord['history'][number] {
  return { at: T0, from: 'submitted', to: 'retry-pending', reason };
}
