/**
 * A copy that runs longer than its claim's lease, over Azurite and the emulator (docs/design.md, decision 4,
 * "The claim is held while the copy runs"). Time is a ManualClock the test moves, so a copy "lasting" several
 * leases takes a second; the copy itself is real, held at a gate until the test opens it.
 */
import { describe, expect, it } from 'vitest';
import { copyToUploadUrl } from '../../shared/ingest/serverSideCopy.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { claimLeaseMs, claimSource } from '../../shared/pipeline/claimSource.js';
import { holdClaim } from '../../shared/pipeline/holdClaim.js';
import type { PollDeps } from '../../shared/pipeline/pollDeps.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { COPY_STOPPED, submitClaimed } from '../../shared/pipeline/submitClaimed.js';
import type { SubmitDeps } from '../../shared/pipeline/submitDeps.js';
import { ManualClock } from '../support/fakeClock.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack } from '../support/stack.js';

const BUDGET_MS = 20_000;
const LEASE_MS = claimLeaseMs(BUDGET_MS);

/** Waits (in real time) until `check` holds; fails after `ms`. */
async function waitFor(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A real copy held at a gate: it starts when the test opens the gate, or at once (then finding its signal
 * aborted) when the drive aborts it. Counts the copies started and notes the clock when one was aborted.
 */
function gatedCopy(clock: ManualClock) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = {
    started: 0,
    abortedAt: undefined as number | undefined,
    onAbort: () => {},
    open: () => open(),
  };
  const copy: SubmitDeps['copy'] = async (source, size, target, options) => {
    state.started++;
    const { signal } = options;
    await Promise.race([
      gate,
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        signal?.addEventListener(
          'abort',
          () => {
            state.onAbort();
            resolve();
          },
          { once: true },
        );
      }),
    ]);
    if (signal?.aborted) state.abortedAt ??= clock.now();
    return copyToUploadUrl(source, size, target, options);
  };
  return { copy, state };
}

/** Tracks whether a promise has settled, and keeps its value. */
function track<T>(promise: Promise<T>) {
  const tracked = { settled: false, value: undefined as T | undefined, promise };
  void promise.then((value) => {
    tracked.settled = true;
    tracked.value = value;
  });
  return tracked;
}

describe('a copy longer than its lease holds its claim', () => {
  const stack = useStack({ env: { INVOCATION_BUDGET_SECONDS: String(BUDGET_MS / 1000) } });

  function depsWith(clock: ManualClock, copy: SubmitDeps['copy'], ledger?: Ledger) {
    const logger = new MemoryLogger();
    const poll: PollDeps = {
      ...stack.current.deps.pollDeps(logger),
      clock,
      copy,
      ...(ledger ? { ledger } : {}),
    };
    return { submit: poll as SubmitDeps, poll, logger };
  }

  /**
   * Moves the clock forward `ms`, then waits until the drive's renewal loop sleeps again (its write to
   * Azurite done) or the drive has settled.
   */
  async function step(clock: ManualClock, ms: number, settled: () => boolean): Promise<void> {
    const renewing = clock.pending > 0;
    await clock.advance(ms);
    if (renewing)
      await waitFor(() => clock.pending > 0 || settled(), 10_000, 'the renewal loop to sleep again');
  }

  /** The drive's result, or undefined when it has not settled within a few (real) seconds. */
  function within<T>(promise: Promise<T>, ms = 5_000): Promise<T | undefined> {
    return Promise.race([
      promise,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms)),
    ]);
  }

  it('a claimant that died: of two timer runs that find its lapsed claim, one takes it over and copies', async () => {
    const { emulator, record } = stack.current;
    const clock = new ManualClock(Date.now());
    const { copy, state } = gatedCopy(clock);
    const { submit, poll } = depsWith(clock, copy);
    const name = 'hold/dead-claimant.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4', 4096), 'video/mp4');
    const props = await submit.source.getProperties(name);
    if (!props) throw new Error('no blob');
    const claimed = await claimSource(
      submit.ledger,
      submit.settings.sourceContainer,
      props,
      clock.now(),
      LEASE_MS,
    );
    expect(claimed.kind).toBe('owned');
    await clock.advance(LEASE_MS + 1);

    // Two runs at once (an overlapping run, another instance): both read the lapsed claim.
    const first = track(pollDue(poll));
    const second = track(pollDue(poll));
    await waitFor(() => state.started > 0, 10_000, 'a copy to start');
    // The other run had read the same record; give it time to get as far as a copy too.
    await within(Promise.race([first.promise, second.promise]), 3_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(state.started).toBe(1);

    state.open();
    const summaries = await Promise.all([first.promise, second.promise]);
    expect(summaries.map((s) => s.lostOwnership).sort()).toEqual([0, 1]);
    const done = await record(name);
    expect(done).toMatchObject({ state: 'submitted', generation: 1, submitAttempts: 1 });
    expect(emulator.stats().submissionsByBlobPath[done?.blobPath ?? '']).toBe(1);
    expect(state.started).toBe(1);
  }, 60_000);

  it('a copy lasting three leases: the claim is renewed, the timer re-drives nothing, one submission', async () => {
    const { emulator, record } = stack.current;
    const clock = new ManualClock(Date.now());
    const { copy, state } = gatedCopy(clock);
    const { submit, poll } = depsWith(clock, copy);
    const name = 'hold/long-copy.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4', 4096), 'video/mp4');
    const claimedAt = clock.now();

    const drive = track(processSourceBlob(submit, name));
    await waitFor(() => state.started === 1, 10_000, 'the copy to start');
    for (let i = 0; i < 9; i++) await step(clock, Math.ceil(LEASE_MS / 3), () => drive.settled);
    expect(drive.settled).toBe(false);
    expect(clock.now()).toBeGreaterThanOrEqual(claimedAt + 3 * LEASE_MS);

    // The timer runs three leases after the claim: it must not start a second copy of the same generation,
    // because the record is not due — its claimant is alive and has said so.
    const run = track(pollDue(poll));
    await within(run.promise, 3_000);
    expect(state.started).toBe(1);
    expect(Date.parse((await record(name))?.due ?? '')).toBeGreaterThan(clock.now());

    state.open();
    const result = await drive.promise;
    await run.promise;
    expect(result.kind).toBe('submitted');
    const done = await record(name);
    expect(done).toMatchObject({ state: 'submitted', generation: 1, submitAttempts: 1 });
    expect(emulator.stats().submissionsByBlobPath[done?.blobPath ?? '']).toBe(1);
    expect(state.started).toBe(1);
  }, 60_000);

  it('a renewal that finds the claim taken over aborts the copy at once; nothing is committed or submitted', async () => {
    const { deps: app, emulator, record } = stack.current;
    const clock = new ManualClock(Date.now());
    const { copy, state } = gatedCopy(clock);
    const { submit } = depsWith(clock, copy);
    const name = 'hold/taken-over.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4', 4096), 'video/mp4');
    const before = emulator.stats().submissionsByBlobPath;

    const drive = track(processSourceBlob(submit, name));
    await waitFor(() => state.started === 1, 10_000, 'the copy to start');
    // Another drive takes the record over, as the timer does once a lease has lapsed (say this drive's
    // clock ran slow): its take-over writes a later `due`.
    const other = new ManualClock(clock.now() + LEASE_MS);
    const current = await record(name);
    if (!current) throw new Error('no record');
    const taken = await holdClaim({ ...submit, clock: other }, current, { leaseMs: LEASE_MS });
    expect(taken.kind).toBe('held');

    await step(clock, LEASE_MS / 3, () => drive.settled);
    const result = await within(drive.promise);
    if (taken.kind === 'held') await taken.hold.release();

    expect(result?.kind).toBe('lost-ownership');
    expect(state.abortedAt).toBe(clock.now());
    const left = await record(name);
    expect(left).toMatchObject({ state: 'claimed', generation: 1, submitAttempts: 0 });
    expect(left?.due).toBe(taken.kind === 'held' ? taken.hold.lease() : '');
    expect(emulator.stats().submissionsByBlobPath).toEqual(before);
    const uploads = app.blobService.getContainerClient('assets');
    for await (const blob of uploads.listBlobsFlat()) expect(blob.name).not.toContain('taken-over');
  }, 60_000);

  it('renewals that keep failing stop the copy before the lease lapses; the record waits for a re-drive', async () => {
    const { deps: app, emulator, record } = stack.current;
    const clock = new ManualClock(Date.now());
    const { copy, state } = gatedCopy(clock);
    let failing = false;
    const ledger: Ledger = Object.assign(Object.create(app.ledger) as Ledger, {
      update: (...args: Parameters<Ledger['update']>) =>
        failing ? Promise.reject(new Error('ledger unreachable')) : app.ledger.update(...args),
    });
    const { submit } = depsWith(clock, copy, ledger);
    const name = 'hold/unrenewable.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4', 4096), 'video/mp4');
    const before = emulator.stats().submissionsByBlobPath;

    const drive = track(processSourceBlob(submit, name));
    await waitFor(() => state.started === 1, 10_000, 'the copy to start');
    const lease = Date.parse((await record(name))?.due ?? '');
    failing = true;
    // The ledger comes back the moment the copy stops, so the drive's own failure write lands.
    state.onAbort = () => (failing = false);
    for (let i = 0; i < 24 && state.abortedAt === undefined; i++) {
      await step(clock, LEASE_MS / 24, () => drive.settled || state.abortedAt !== undefined);
    }
    expect(state.abortedAt).toBeDefined();
    expect(state.abortedAt).toBeLessThan(lease);
    const result = await within(drive.promise);

    expect(result?.kind).toBe('pending');
    const left = await record(name);
    expect(left).toMatchObject({ state: 'submit-pending', failure: { kind: COPY_STOPPED } });
    expect(left?.failure?.detail).toContain('could not be renewed');
    expect(left?.failure?.detail).toContain('ledger unreachable');
    expect(emulator.stats().submissionsByBlobPath).toEqual(before);
  }, 60_000);

  it("the host's function timeout near: the copy stops in time and the record says why", async () => {
    const { emulator, record } = stack.current;
    const clock = new ManualClock(Date.now());
    const { copy, state } = gatedCopy(clock);
    const { submit } = depsWith(clock, copy);
    const name = 'hold/out-of-time.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4', 4096), 'video/mp4');
    const props = await submit.source.getProperties(name);
    if (!props) throw new Error('no blob');
    const now = clock.now();
    const claimed = await claimSource(submit.ledger, submit.settings.sourceContainer, props, now, LEASE_MS);
    if (claimed.kind !== 'owned') throw new Error('not claimed');
    const before = emulator.stats().submissionsByBlobPath;
    // A host that stops the invocation 3 budgets in: the copy must end a budget before that.
    const hostStop = now + 3 * BUDGET_MS;

    const drive = track(submitClaimed(submit, claimed.record, props, now + BUDGET_MS, hostStop));
    await waitFor(() => state.started === 1, 10_000, 'the copy to start');
    for (let i = 0; i < 12 && state.abortedAt === undefined; i++) {
      await step(clock, BUDGET_MS / 4, () => drive.settled || state.abortedAt !== undefined);
    }
    const result = await within(drive.promise);

    expect(state.abortedAt).toBe(hostStop - BUDGET_MS);
    expect(result?.kind).toBe('pending');
    const left = await record(name);
    expect(left).toMatchObject({ state: 'submit-pending', failure: { kind: COPY_STOPPED } });
    expect(left?.failure?.detail).toContain('function timeout');
    expect(emulator.stats().submissionsByBlobPath).toEqual(before);
    expect(Date.parse(left?.due ?? '')).toBeGreaterThan(clock.now());
  }, 60_000);
});
