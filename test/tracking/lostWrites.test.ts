import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, type Clock } from '../../shared/clock.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { newLedgerRecord } from '../../shared/ledger/newRecord.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { silentLogger } from '../../shared/logger.js';
import { claimLeaseMs } from '../../shared/pipeline/claimSource.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { saveRecord } from '../../shared/pipeline/saveRecord.js';
import { anotherWriterAlwaysGetsInFirst } from '../support/ledgerContention.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { sampleMedia } from '../support/media.js';
import { useStack, type Stack } from '../support/stack.js';

const CONTENTION_LINE = 'ledger write lost every race (contention); the record stays due for a later run';
const LOST_OWNERSHIP_LINE = 'ledger write skipped: the record moved on without us (lost ownership)';

/**
 * A step's write that does not land says why: the record moved on without it (lost ownership: not ours any
 * more), or every attempt lost its ETag race to other writers (contention: maybe still ours, left due).
 * The timer counts the two apart in its run summary.
 */
describe('a write that does not land: lost ownership and ledger contention are told apart', () => {
  const stack = useStack();
  afterEach(() => vi.restoreAllMocks());

  const ledgerContainer = () =>
    stack.current.deps.blobService.getContainerClient(stack.current.deps.config.ledgerContainer);
  /** A ledger that gives up after two lost races, so contention shows in well under a second. */
  const impatientLedger = () => new BlobLedger(ledgerContainer(), systemClock, { maxUpdateAttempts: 2 });
  const submitted = async (name: string) => {
    await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    const result = await processSourceBlob(stack.current.deps.submitDeps(silentLogger), name);
    expect(result.kind).toBe('submitted');
    return result;
  };
  const makeDue = async (name: string) => {
    const record = await stack.current.record(name);
    const due = isoTimestamp(Date.now() - 1000);
    expect((await stack.current.deps.ledger.update(record?.key ?? '', (r) => ({ ...r, due }))).kind).toBe(
      'updated',
    );
  };

  it('timer, contention: nothing is written, the record stays due, and the next run finishes it', async () => {
    await submitted('contended/clip.mp4');
    await stack.current.emulator.controls.processing.settled();
    await makeDue('contended/clip.mp4');
    anotherWriterAlwaysGetsInFirst(stack.current.deps.config.ledgerContainer);
    const logger = new MemoryLogger();

    const summary = await pollDue({ ...stack.current.deps.pollDeps(logger), ledger: impatientLedger() });

    expect(summary).toMatchObject({
      outcomes: { 'submitted→ledger-contention': 1 },
      ledgerContention: 1,
      lostOwnership: 0,
      errors: 0,
    });
    const left = await stack.current.record('contended/clip.mp4');
    expect(left?.state).toBe('submitted');
    expect(Date.parse(left?.due ?? '')).toBeLessThanOrEqual(Date.now());
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: CONTENTION_LINE,
      props: expect.objectContaining({
        blob: 'contended/clip.mp4',
        from: 'submitted',
        to: 'complete',
        outcome: 'ledger-contention',
        attempts: 2,
      }) as unknown,
    });
    expect(logger.dump()).not.toContain(LOST_OWNERSHIP_LINE);

    vi.restoreAllMocks();
    const next = await pollDue(stack.current.deps.pollDeps(silentLogger));
    expect(next).toMatchObject({ outcomes: { 'submitted→complete': 1 }, ledgerContention: 0 });
    expect((await stack.current.record('contended/clip.mp4'))?.state).toBe('complete');
  });

  it('trigger, contention: the claim is left to the timer after its lease, and nothing is submitted', async () => {
    await stack.current.upload('contended/new.mp4', sampleMedia('video/mp4'), 'video/mp4');
    anotherWriterAlwaysGetsInFirst(stack.current.deps.config.ledgerContainer);
    const created = stack.current.emulator.stats().submissions.created;
    const logger = new MemoryLogger();
    const before = Date.now();

    const result = await processSourceBlob(
      { ...stack.current.deps.submitDeps(logger), ledger: impatientLedger() },
      'contended/new.mp4',
    );

    const after = Date.now();
    expect(result).toEqual({ kind: 'ledger-contention', attempts: 2 });
    expect(stack.current.emulator.stats().submissions.created).toBe(created);
    const left = await stack.current.record('contended/new.mp4');
    expect(left).toMatchObject({ state: 'claimed', generation: 1, submitAttempts: 0 });
    const lease = claimLeaseMs(20_000); // INVOCATION_BUDGET_SECONDS=20 in the test stack
    expect(Date.parse(left?.due ?? '')).toBeGreaterThanOrEqual(before + lease - 1);
    expect(Date.parse(left?.due ?? '')).toBeLessThanOrEqual(after + lease);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: CONTENTION_LINE,
        props: expect.objectContaining({ from: 'claimed', outcome: 'ledger-contention' }) as unknown,
      }),
    );
  });

  it('timer, lost ownership: a re-upload took the record on mid-step; its new generation is left alone', async () => {
    stack.current.emulator.controls.processing.hold();
    const first = await submitted('moved/clip.mp4');
    await makeDue('moved/clip.mp4');
    const client = stack.current.deps.client;
    let second: Awaited<ReturnType<typeof processSourceBlob>> | undefined;
    // The status read is where the run's step is when new content is uploaded and submitted as generation 2.
    const api = {
      getSubmission: async (...args: Parameters<typeof client.getSubmission>) => {
        await stack.current.upload('moved/clip.mp4', sampleMedia('video/mp4', 5000), 'video/mp4');
        second = await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'moved/clip.mp4');
        return client.getSubmission(...args);
      },
      getAsset: client.getAsset.bind(client),
      getAssetTopics: client.getAssetTopics.bind(client),
      retryAsset: client.retryAsset.bind(client),
      requestUploadUrl: client.requestUploadUrl.bind(client),
      createSubmission: client.createSubmission.bind(client),
    };
    const logger = new MemoryLogger();

    const summary = await pollDue({ ...stack.current.deps.pollDeps(logger), api });

    stack.current.emulator.controls.processing.release();
    expect(second?.kind).toBe('submitted');
    expect(summary).toMatchObject({
      outcomes: { 'submitted→lost-ownership': 1 },
      lostOwnership: 1,
      ledgerContention: 0,
      errors: 0,
    });
    const record = await stack.current.record('moved/clip.mp4');
    expect(record).toMatchObject({ generation: 2, state: 'submitted' });
    expect(record?.submissionId).not.toBe(first.kind === 'submitted' ? first.record.submissionId : '');
    expect(logger.lines).toContainEqual({
      level: 'info',
      message: LOST_OWNERSHIP_LINE,
      props: expect.objectContaining({
        blob: 'moved/clip.mp4',
        generation: 1,
        from: 'submitted',
        outcome: 'lost-ownership',
        currentState: 'submitted',
        currentGeneration: 2,
      }) as unknown,
    });
    expect(logger.dump()).not.toContain(CONTENTION_LINE);
  });

  it('a write that would change nothing is saved, not reported as lost ownership', async () => {
    const at = Date.now();
    const frozen: Clock = { now: () => at, sleep: () => Promise.resolve() };
    const ledger = new BlobLedger(ledgerContainer(), frozen);
    const initial = newLedgerRecord(
      { container: stack.current.deps.config.sourceContainer, name: 'quiet/clip.mp4' },
      { sourceEtag: '"quiet"', due: isoTimestamp(at) },
      isoTimestamp(at),
    );
    const { record } = await ledger.claim(initial);
    const logger = new MemoryLogger();

    const saved = await saveRecord(
      { ...stack.current.deps.submitDeps(logger), ledger, clock: frozen },
      record,
      'claimed',
      'nothing new',
      {},
    );

    expect(saved).toEqual({ kind: 'saved', record });
    expect(logger.lines).toEqual([]);
  });
});

const REFUSED_LINE = 'ALERT: MediaMagic refused the API key or plan; the timer run stops';
const namesUnder = (prefix: string) => ['a', 'b', 'c'].map((n) => `${prefix}/${n}.mp4`);

/** Three submitted records whose assets have finished, all due now; their names by submission id. */
async function threeDue(stack: Stack, prefix: string): Promise<Map<string, string>> {
  for (const name of namesUnder(prefix)) {
    await stack.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    expect((await processSourceBlob(stack.deps.submitDeps(silentLogger), name)).kind).toBe('submitted');
  }
  await stack.emulator.controls.processing.settled();
  const due = isoTimestamp(Date.now() - 1000);
  const bySubmission = new Map<string, string>();
  for (const name of namesUnder(prefix)) {
    const record = await stack.record(name);
    await stack.deps.ledger.update(record?.key ?? '', (r) => ({ ...r, due }));
    bySubmission.set(record?.submissionId ?? '', name);
  }
  return bySubmission;
}

/** The timer's deps working one record at a time, so a run that stopped early shows in what it left. */
function oneAtATime(stack: Stack, logger: MemoryLogger) {
  const deps = stack.deps.pollDeps(logger);
  return { ...deps, poll: { ...deps.poll, concurrency: 1 } };
}

/**
 * A lost write is one record's news — someone else moved it, or it stays due for a later run — so the timer
 * run goes on with every other due record (docs/ledger.md, "Who moves a record").
 */
describe('a lost write never stops the timer run', () => {
  // A new generation's first poll comes in 10 minutes, not 30 s: the re-upload's record stays out of the next
  // test's run however slow the machine.
  const stack = useStack({ build: { submitTimings: { firstPollDelayMs: 10 * 60_000 } } });
  afterEach(() => vi.restoreAllMocks());

  /** The app's client, with `beforeFirstRead` run just before the run's first status read. */
  const apiWith = (beforeFirstRead: (submissionId: string) => Promise<void>) => {
    const client = stack.current.deps.client;
    let first = true;
    return {
      getSubmission: async (...args: Parameters<typeof client.getSubmission>) => {
        if (first) {
          first = false;
          await beforeFirstRead(args[0]);
        } else vi.restoreAllMocks();
        return client.getSubmission(...args);
      },
      getAsset: client.getAsset.bind(client),
      getAssetTopics: client.getAssetTopics.bind(client),
      retryAsset: client.retryAsset.bind(client),
      requestUploadUrl: client.requestUploadUrl.bind(client),
      createSubmission: client.createSubmission.bind(client),
    };
  };

  it('the first due record loses ownership to a re-upload: every other due record is still worked', async () => {
    const bySubmission = await threeDue(stack.current, 'owned');
    let moved = '';
    const api = apiWith(async (submissionId) => {
      moved = bySubmission.get(submissionId) ?? '';
      await stack.current.upload(moved, sampleMedia('video/mp4', 5000), 'video/mp4');
      await processSourceBlob(stack.current.deps.submitDeps(silentLogger), moved);
    });
    const logger = new MemoryLogger();

    const summary = await pollDue({ ...oneAtATime(stack.current, logger), api });

    expect(summary).toMatchObject({
      found: 3,
      worked: 3,
      leftForNextRun: 0,
      outcomes: { 'submitted→lost-ownership': 1, 'submitted→complete': 2 },
      lostOwnership: 1,
      ledgerContention: 0,
      blocked: false,
      errors: 0,
    });
    for (const name of namesUnder('owned').filter((n) => n !== moved))
      expect((await stack.current.record(name))?.state, name).toBe('complete');
    expect(await stack.current.record(moved)).toMatchObject({ generation: 2, state: 'submitted' });
    expect(logger.dump()).not.toContain(REFUSED_LINE);
  });

  it('the first due record loses every ETag race: it stays due, every other due record is still worked', async () => {
    const bySubmission = await threeDue(stack.current, 'raced');
    let contended = '';
    const api = apiWith((submissionId) => {
      contended = bySubmission.get(submissionId) ?? '';
      anotherWriterAlwaysGetsInFirst(stack.current.deps.config.ledgerContainer);
      return Promise.resolve();
    });
    const ledger = new BlobLedger(
      stack.current.deps.blobService.getContainerClient(stack.current.deps.config.ledgerContainer),
      systemClock,
      { maxUpdateAttempts: 2 },
    );
    const logger = new MemoryLogger();

    const summary = await pollDue({ ...oneAtATime(stack.current, logger), api, ledger });

    expect(summary).toMatchObject({
      found: 3,
      worked: 3,
      leftForNextRun: 0,
      outcomes: { 'submitted→ledger-contention': 1, 'submitted→complete': 2 },
      lostOwnership: 0,
      ledgerContention: 1,
      blocked: false,
      errors: 0,
    });
    for (const name of namesUnder('raced').filter((n) => n !== contended))
      expect((await stack.current.record(name))?.state, name).toBe('complete');
    const left = await stack.current.record(contended);
    expect(left?.state).toBe('submitted');
    expect(Date.parse(left?.due ?? '')).toBeLessThanOrEqual(Date.now());
    expect(logger.dump()).not.toContain(REFUSED_LINE);
  });
});

/** Only MediaMagic refusing the key or plan stops a run: then every call would fail alike. */
describe('a refused API key stops the timer run', () => {
  const stack = useStack();

  it('401: the run stops at the first record, says so, and leaves the rest due', async () => {
    await threeDue(stack.current, 'refused');
    const keys = stack.current.emulator.controls.keys;
    const ours = keys.list().find((k) => k.key === stack.current.env.MEDIAMAGIC_API_KEY);
    if (!ours) throw new Error('the stack key is not in the emulator');
    const reads = () =>
      stack.current.emulator.stats().routes['GET /api/integrations/submissions/{submission_id}']?.count ?? 0;
    const readsBefore = reads();
    const logger = new MemoryLogger();
    keys.add({ ...ours, status: 'revoked' });
    const summary = await pollDue(oneAtATime(stack.current, logger)).finally(() => keys.add(ours));

    expect(summary).toMatchObject({
      found: 3,
      worked: 1,
      leftForNextRun: 2,
      outcomes: { 'submitted→blocked': 1 },
      lostOwnership: 0,
      ledgerContention: 0,
      blocked: true,
      errors: 0,
    });
    expect(reads() - readsBefore).toBe(1);
    const states = await Promise.all(
      namesUnder('refused').map(async (n) => (await stack.current.record(n))?.state),
    );
    expect(states.sort()).toEqual(['blocked', 'submitted', 'submitted']);
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: REFUSED_LINE,
      props: expect.objectContaining({ from: 'submitted', leftForNextRun: 2 }) as unknown,
    });
  });
});
