import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import type { PollDeps } from '../../shared/pipeline/pollDeps.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack, type Stack } from '../support/stack.js';

/** Docs: docs/design.md, "The timer's two lanes". */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function submit(stack: Stack, name: string): Promise<{ kind: string }> {
  return makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.deps))(
    stack.eventFor(name),
    stack.invocation('submitOnBlobCreated').context,
  );
}

/**
 * Hands `names` off to the ledger (a 429 whose Retry-After of 3 s outlasts the 2-s invocation budget), waits
 * until they are due, then makes every create take `createMs`.
 */
async function handOffThenSlowCreates(
  stack: Stack,
  names: readonly string[],
  createMs: number,
): Promise<void> {
  stack.emulator.controls.faults.set([
    { route: 'submissions.create', fault: { kind: 'rateLimit', retryAfterSeconds: 3 } },
  ]);
  for (const name of names) {
    await stack.upload(name, sampleMedia('image/png'), 'image/png');
    expect((await submit(stack, name)).kind).toBe('pending');
  }
  await stack.emulator.controls.processing.settled();
  await sleep(3_200); // every first status poll is due now
  // And every hand-off: its due time is the Retry-After from when its 429 came back, which a loaded
  // machine can put past the sleep. A run's first look must find them all.
  for (const name of names) {
    for (;;) {
      const due = (await stack.record(name))?.due;
      if (due === undefined || Date.parse(due) <= Date.now()) break;
      await sleep(50);
    }
  }
  stack.emulator.controls.faults.set([
    { route: 'submissions.create', fault: { kind: 'latency', ms: createMs } },
  ]);
}

/** The timer's deps with two workers, counting the creates in flight at once. */
function countingCreates(stack: Stack, logger: MemoryLogger): { deps: PollDeps; mostAtOnce: () => number } {
  const base = stack.deps.pollDeps(logger);
  let inFlight = 0;
  let most = 0;
  const deps: PollDeps = {
    ...base,
    poll: { ...base.poll, concurrency: 2, budgetMs: 20_000 },
    api: {
      ...base.api,
      getSubmission: base.api.getSubmission.bind(base.api),
      getAsset: base.api.getAsset.bind(base.api),
      getAssetTopics: base.api.getAssetTopics.bind(base.api),
      retryAsset: base.api.retryAsset.bind(base.api),
      requestUploadUrl: base.api.requestUploadUrl.bind(base.api),
      async createSubmission(...args) {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          return await base.api.createSubmission(...args);
        } finally {
          inFlight--;
        }
      },
    },
  };
  return { deps, mostAtOnce: () => most };
}

// A 2-s invocation budget, so a 429's Retry-After of 3 s hands a file off to the ledger (submit-pending).
const STACK = {
  env: { INVOCATION_BUDGET_SECONDS: '2' },
  build: { submitTimings: { firstPollDelayMs: 50 } },
};

describe("the timer's two lanes: creates never hold every worker", () => {
  const stack = useStack(STACK);

  it('follows every due submission while slow creates take at most half of the workers', async () => {
    const submitted = ['lanes/s1.png', 'lanes/s2.png', 'lanes/s3.png'];
    for (const name of submitted) {
      await stack.current.upload(name, sampleMedia('image/png'), 'image/png');
      expect((await submit(stack.current, name)).kind).toBe('submitted');
    }
    const pending = ['lanes/p1.png', 'lanes/p2.png', 'lanes/p3.png', 'lanes/p4.png'];
    // Each create takes 1.5 s: with one pool, both workers would sit in creates.
    await handOffThenSlowCreates(stack.current, pending, 1_500);

    const logger = new MemoryLogger();
    const { deps, mostAtOnce } = countingCreates(stack.current, logger);
    const summary = await pollDue(deps);

    expect(mostAtOnce()).toBe(1); // half of two workers
    for (const name of submitted) expect((await stack.current.record(name))?.state, name).toBe('complete');
    for (const name of pending) expect((await stack.current.record(name))?.state, name).toBe('submitted');
    expect(summary).toMatchObject({ found: 7, worked: 7, leftForNextRun: 0, errors: 0 });
    expect(summary.outcomes).toEqual({ 'submitted→complete': 3, 'submit-pending→submitted': 4 });
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });
});

describe("the timer's two lanes: a deferred create", () => {
  const stack = useStack(STACK);

  it('stays due for the next run when the budget runs out, never dropped', async () => {
    const names = ['lanes/q1.png', 'lanes/q2.png', 'lanes/q3.png'];
    await handOffThenSlowCreates(stack.current, names, 1_500);

    const logger = new MemoryLogger();
    const { deps } = countingCreates(stack.current, logger);
    // One lane slot; new work stops a second before the end of the budget, before the first create is back.
    const first = await pollDue({ ...deps, poll: { ...deps.poll, budgetMs: 2_200 } });
    expect(first.worked).toBe(1);
    expect(first.leftForNextRun).toBe(2);
    const stillDue = await Promise.all(names.map((name) => stack.current.record(name)));
    expect(stillDue.filter((r) => r?.state === 'submit-pending')).toHaveLength(2);

    stack.current.emulator.controls.faults.set([]);
    const second = await pollDue(deps);
    expect(second.outcomes['submit-pending→submitted']).toBe(2);
    for (const name of names) {
      const record = await stack.current.record(name);
      expect(['submitted', 'complete'], name).toContain(record?.state); // q1 may be followed already
      expect(record?.submissionId, name).toBeDefined();
    }
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });
});

describe("the timer's two lanes: a run kept going by creates", () => {
  // The first status poll 1.5 s after a create: a record submitted now comes due in the middle of a run.
  const stack = useStack({
    env: { INVOCATION_BUDGET_SECONDS: '2' },
    build: { submitTimings: { firstPollDelayMs: 1_500 } },
  });

  it('follows what came due while a slow create held it', async () => {
    await handOffThenSlowCreates(stack.current, ['again/pending.png'], 4_000);
    // Submitted quickly, due in 1.5 s; the create the run starts with takes 4 s.
    const slow = stack.current.emulator.controls.faults;
    slow.set([]);
    await stack.current.upload('again/submitted.png', sampleMedia('image/png'), 'image/png');
    expect((await submit(stack.current, 'again/submitted.png')).kind).toBe('submitted');
    slow.set([{ route: 'submissions.create', fault: { kind: 'latency', ms: 4_000 } }]);
    await stack.current.emulator.controls.processing.settled();

    const { deps } = countingCreates(stack.current, new MemoryLogger());
    const summary = await pollDue(deps);

    expect(summary.outcomes).toEqual({ 'submit-pending→submitted': 1, 'submitted→complete': 1 });
    expect(summary.found).toBe(2);
    expect((await stack.current.record('again/submitted.png'))?.state).toBe('complete');
  });

  it('a look again that fails is logged once; the run ends with what it has, the records stay due', async () => {
    await handOffThenSlowCreates(stack.current, ['again/failing.png'], 2_500);

    const logger = new MemoryLogger();
    const { deps } = countingCreates(stack.current, logger);
    let looks = 0;
    const ledger = deps.ledger;
    const summary = await pollDue({
      ...deps,
      ledger: Object.assign(Object.create(ledger) as typeof ledger, {
        findDue: (nowIso: string, limit: number) => {
          looks++;
          if (looks > 1) return Promise.reject(new Error('storage throttled (503)'));
          return ledger.findDue(nowIso, limit);
        },
      }),
    });

    expect(summary.outcomes['submit-pending→submitted']).toBe(1);
    expect(summary.errors).toBe(0);
    expect(looks).toBe(2); // the first look again failed; no other was tried
    const warnings = logger.lines.filter((l) => l.message.includes('could not look again'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.props).toMatchObject({ error: 'storage throttled (503)' });
  });
});

describe("the timer's two lanes: the tail of a run", () => {
  const stack = useStack(STACK);

  it('follows what is due while a create holds the run open past its budget, and starts no create then', async () => {
    const submitted = ['tail/s1.png', 'tail/s2.png', 'tail/s3.png', 'tail/s4.png'];
    for (const name of submitted) {
      await stack.current.upload(name, sampleMedia('image/png'), 'image/png');
      expect((await submit(stack.current, name)).kind).toBe('submitted');
    }
    // Two creates handed off; with two workers one submit slot: the second waits for the first.
    await handOffThenSlowCreates(stack.current, ['tail/first.png', 'tail/second.png'], 5_000);
    // Each status read takes 0.8 s, so the one follow worker needs 3.2 s for all four records.
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', fault: { kind: 'latency', ms: 5_000 } },
      { route: 'submissions.get', fault: { kind: 'latency', ms: 800 } },
    ]);

    const { deps, mostAtOnce } = countingCreates(stack.current, new MemoryLogger());
    // The first create is taken first, the second last (keys are hashes: their own order is arbitrary).
    const container = stack.current.deps.config.sourceContainer;
    const rank = (key: string): number =>
      key === ledgerKey(container, 'tail/first.png')
        ? 0
        : key === ledgerKey(container, 'tail/second.png')
          ? 2
          : 1;
    const ledger = deps.ledger;
    const ordered = Object.assign(Object.create(ledger) as typeof ledger, {
      findDue: async (nowIso: string, limit: number) =>
        [...(await ledger.findDue(nowIso, limit))].sort((a, b) => rank(a) - rank(b)),
    });
    // A 3.2-s budget: new work would stop at 2.2 s, with the fourth follow-up not begun (it begins at 2.4 s
    // at the earliest), while the first create, begun at once, holds the run until about 5 s — its upload
    // spent, it may go on for one invocation budget (10 s here) past the run's.
    const summary = await pollDue({
      ...deps,
      ledger: ordered,
      poll: { ...deps.poll, budgetMs: 3_200 },
      settings: { ...deps.settings, invocationBudgetMs: 10_000 },
    });

    expect(summary.outcomes).toEqual({ 'submit-pending→submitted': 1, 'submitted→complete': 4 });
    for (const name of submitted) expect((await stack.current.record(name))?.state, name).toBe('complete');
    expect((await stack.current.record('tail/first.png'))?.state).toBe('submitted');
    // Not started in the tail (it would have held the run open longer): due for the next run, not dropped.
    expect((await stack.current.record('tail/second.png'))?.state).toBe('submit-pending');
    expect(summary.leftForNextRun).toBe(1);
    expect(mostAtOnce()).toBe(1);
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });
});
