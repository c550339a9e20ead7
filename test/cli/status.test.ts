import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import { makePollSubmissionsHandler } from '../../functions/pollSubmissions.js';
import type { RecordView } from '../../cli/lib/recordView.js';
import type { FleetSection } from '../../cli/lib/fleetView.js';
import type { StatusReport } from '../../cli/lib/statusReport.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { newLedgerRecord } from '../../shared/ledger/newRecord.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { LEDGER_STATES, type LedgerState } from '../../shared/ledger/states.js';
import type { LedgerPatch } from '../../shared/ledger/transition.js';
import { silentLogger } from '../../shared/logger.js';
import { systemClock } from '../../shared/clock.js';
import { moveRecord } from '../../shared/pipeline/moveRecord.js';
import { drainPoisonQueue } from '../../shared/poison/drainPoisonQueue.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { STEP_FAILURE_LIMIT } from '../../shared/pipeline/stepFailureWait.js';
import { BlobFleetShares, FLEET_MEMBERS_PREFIX } from '../../shared/storage/fleetRosterBlobs.js';
import { resultPath, type ResultsStore } from '../../shared/storage/resultsStore.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack } from '../support/stack.js';
import { FaultyStorageProxy } from '../support/faultyStorageProxy.js';
import { cli } from './support.js';

describe('status', () => {
  const stack = useStack();

  /** Uploads and submits a blob through the real pipeline. */
  const submit = async (name: string, mime: string, bytes = sampleMedia(mime)) => {
    await stack.current.upload(name, bytes, mime);
    return processSourceBlob(stack.current.deps.submitDeps(silentLogger), name);
  };
  /** Moves a record on, as a webhook or the timer would. */
  const move = async (name: string, to: LedgerState, reason: string, patch: LedgerPatch = {}) => {
    const key = ledgerKey('uploads', name);
    const result = await stack.current.deps.ledger.update(key, (r) =>
      moveRecord(r, to, reason, isoTimestamp(Date.now()), patch),
    );
    expect(result.kind).toBe('updated');
  };

  beforeAll(async () => {
    expect((await submit('mix/ok.mp4', 'video/mp4')).kind).toBe('submitted');
    expect((await submit('mix/bad.mp4', 'video/mp4', sampleMedia('text/plain'))).kind).toBe('rejected');
    await submit('mix/done.png', 'image/png');
    await move('mix/done.png', 'complete', 'all assets complete');
    await stack.current.deps.resultsContainer
      .getBlockBlobClient(resultPath('mix/done.png', 'result'))
      .upload('{}', 2);
    await submit('mix/dead.mp4', 'video/mp4');
    await move('mix/dead.mp4', 'dead-lettered', 'asset failed permanently', {
      failure: { kind: 'asset-failed', detail: 'Transcoding failed', errorType: 'transcode_error' },
    });
    await submit('mix/blocked.pdf', 'application/pdf');
    await move('mix/blocked.pdf', 'blocked', 'poll: Invalid API key', {
      failure: { kind: 'unauthorized', status: 401, detail: 'Invalid API key' },
    });
    await submit('mix/stuck.mp3', 'audio/mpeg');
    await move('mix/stuck.mp3', 'stuck', 'no progress since then');
    // A claim whose invocation died: due in the past, so the timer's next run re-drives it.
    const past = isoTimestamp(Date.now() - 60_000);
    await stack.current.deps.ledger.claim(
      newLedgerRecord(
        { container: 'uploads', name: 'mix/abandoned.png' },
        { sourceEtag: '"0x1"', due: past },
        past,
      ),
    );
    await stack.current.deps.ledger.claim(
      newLedgerRecord(
        { container: 'uploads', name: 'mix/refused.png' },
        { sourceEtag: '"0x2"', due: past },
        past,
      ),
    );
    await move('mix/refused.png', 'rejected', 'submission: invalid', {
      failure: {
        kind: 'validation',
        status: 422,
        detail: 'Validation failed',
        fields: [{ field: 'assets.0.blobPath', message: 'Invalid blob path' }],
      },
    });
  });

  it('--json: counts for every state (zeros included), every failure with its reason, and what is due', async () => {
    const run = await cli(['status', '--json'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    const report = run.json<StatusReport>();
    expect(Object.keys(report.counts)).toEqual([...LEDGER_STATES]);
    expect(report.counts).toEqual({
      claimed: 1,
      rejected: 2,
      'submit-pending': 0,
      'submitted-unconfirmed': 0,
      submitted: 1,
      'retry-pending': 0,
      complete: 1,
      'dead-lettered': 1,
      blocked: 1,
      stuck: 1,
    });
    expect(report.total).toBe(8);
    expect(report.containers).toEqual({
      source: 'uploads',
      ledger: 'mediamagic-ledger',
      results: 'mediamagic-results',
    });
    const byBlob = Object.fromEntries(report.failures.map((f) => [f.blob, f]));
    expect(Object.keys(byBlob).sort()).toEqual(
      ['mix/bad.mp4', 'mix/blocked.pdf', 'mix/dead.mp4', 'mix/refused.png', 'mix/stuck.mp3'].sort(),
    );
    expect(byBlob['mix/bad.mp4']).toMatchObject({
      state: 'rejected',
      generation: 1,
      submissionId: null,
      reason: { kind: 'content-mismatch', status: null, fields: [], errorType: null },
    });
    expect(byBlob['mix/bad.mp4']?.reason.detail).toContain('its bytes look like plain UTF-8 text');
    expect(byBlob['mix/refused.png']?.reason).toEqual({
      kind: 'validation',
      status: 422,
      detail: 'Validation failed',
      fields: [{ field: 'assets.0.blobPath', message: 'Invalid blob path' }],
      errorType: null,
    });
    expect(byBlob['mix/dead.mp4']?.reason).toMatchObject({
      detail: 'Transcoding failed',
      errorType: 'transcode_error',
    });
    expect(byBlob['mix/dead.mp4']?.submissionId).toMatch(/.+/);
    expect(byBlob['mix/blocked.pdf']?.reason).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(byBlob['mix/blocked.pdf']?.action).toContain('resubmit mix/blocked.pdf');
    expect(byBlob['mix/stuck.mp3']?.reason).toMatchObject({
      kind: 'stuck',
      detail: 'no progress since then',
    });
    expect(report.due).toEqual([
      { blob: 'mix/abandoned.png', state: 'claimed', due: expect.any(String) as string },
    ]);
    // Nothing ever failed: the host has not even created the poison queue.
    expect(report.poison).toEqual({
      queue: 'blob-created-poison',
      waiting: 0,
      waitingError: null,
      recorded: 0,
      messages: [],
    });
  });

  it('text: counts, failures with reasons and what to do, and the due list', async () => {
    const run = await cli(['status'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/ {2}submit-pending +0\n/);
    expect(run.stdout).toMatch(/ {2}rejected +2\n/);
    expect(run.stdout).toContain('Failures (5):');
    expect(run.stdout).toContain('validation, HTTP 422: Validation failed');
    expect(run.stdout).toContain('field assets.0.blobPath: Invalid blob path');
    expect(run.stdout).toContain('asset-failed, transcode_error: Transcoding failed');
    expect(run.stdout).toContain('what to do: fix the API key or the plan');
    expect(run.stdout).toContain('Due for the timer (1)');
    expect(run.stdout).toMatch(/claimed +mix\/abandoned\.png/);
  });

  it('the poison queue: what waits in it, and every message the drain recorded with its outcome', async () => {
    const logger = new MemoryLogger();
    const deps = await stack.current.deps.poisonDeps(logger);
    await deps.queue.createIfNotExists();
    const missing = await deps.queue.sendMessage(stack.current.eventFor('mix/poison-gone.mp4'));
    const unreadable = await deps.queue.sendMessage('not an event at all');
    expect(await drainPoisonQueue(deps, { deadlineMs: Date.now() + 60_000 })).toMatchObject({
      driven: { missing: 1 },
      unreadable: 1,
    });
    const failing = await deps.queue.sendMessage(stack.current.eventFor('mix/poison-failing.mp4'));
    const throwing = { ...deps, drive: () => Promise.reject(new Error('storage 503')) };
    expect(
      await drainPoisonQueue(throwing, { deadlineMs: Date.now() + 60_000, maxDriveAttempts: 1 }),
    ).toMatchObject({ givenUp: 1 });
    await deps.queue.sendMessage(stack.current.eventFor('mix/poison-waiting.mp4'));
    await deps.queue.sendMessage(stack.current.eventFor('mix/poison-waiting-2.mp4'));

    const json = await cli(['status', '--json'], stack.current.env);
    const text = await cli(['status'], stack.current.env);

    const { poison } = json.json<StatusReport>();
    expect(poison).toMatchObject({ queue: 'blob-created-poison', waiting: 2, recorded: 3 });
    const byId = Object.fromEntries(poison.messages.map((m) => [m.messageId, m]));
    expect(byId[missing.messageId]).toMatchObject({
      blob: 'mix/poison-gone.mp4',
      outcome: 'driven',
      result: 'missing',
      attempts: 1,
      detail: null,
      insertedOn: expect.any(String) as string,
    });
    expect(byId[unreadable.messageId]).toMatchObject({ blob: null, outcome: 'unreadable', result: null });
    expect(byId[unreadable.messageId]?.detail).toContain('not-json');
    expect(byId[unreadable.messageId]?.detail).toContain('"not an event at all"');
    expect(byId[failing.messageId]).toMatchObject({
      blob: 'mix/poison-failing.mp4',
      outcome: 'given-up',
      detail: 'Error: storage 503',
    });
    // Kept apart from the ledger records.
    expect(json.json<StatusReport>().total).toBe(8);

    expect(text.stdout).toContain('Poison queue blob-created-poison: about 2 messages waiting');
    expect(text.stdout).toContain('Poison messages recorded (3):');
    expect(text.stdout).toMatch(/driven: missing +mix\/poison-gone\.mp4 {2}\(poisoned .*, 1 drive\)/);
    expect(text.stdout).toMatch(new RegExp(`unreadable +message ${unreadable.messageId}`));
    expect(text.stdout).toMatch(/given-up +mix\/poison-failing\.mp4/);
    expect(text.stdout).toContain('      Error: storage 503');
  });

  it("the timer: when it last ran and each bucket's sends and 429s, from the document each run writes", async () => {
    await stack.current.upload('timer/seen.png', sampleMedia('image/png'), 'image/png');
    await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'timer/seen.png');
    const startedAt = Date.now();
    await makePollSubmissionsHandler(() => Promise.resolve(stack.current.deps))(
      undefined,
      stack.current.invocation('pollSubmissions').context,
    );

    const json = JSON.parse((await cli(['status', '--json'], stack.current.env)).stdout) as StatusReport;
    expect(json.timer).toMatchObject({ blocked: false, errors: 0 });
    expect(Date.parse(json.timer?.at ?? '')).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(json.timer?.buckets.submission_write?.sends).toBeGreaterThanOrEqual(1);
    const text = await cli(['status'], stack.current.env);
    expect(text.stdout).toMatch(/Timer: last run \S+ \(\d+ s ago\): \d+ due, \d+ worked/);
    expect(text.stdout).toMatch(/ {2}submission_write +pace \S+ +\d+ of \d+ sends answered 429/);
  });

  it('the fleet: off and empty in one line; then who is live on the roster and how each bucket divides', async () => {
    const off = await cli(['status'], stack.current.env);
    expect(off.stdout).toContain(
      '\nFleet: pacing off — each process paces alone (FLEET_PACING off, FLEET_NEWS off)\n',
    );
    expect((await cli(['status', '--json'], stack.current.env)).json<StatusReport>().fleet).toMatchObject({
      pacing: false,
      news: false,
      leaseSeconds: 15,
      roster: { live: 0, gone: 0, unreadable: 0, buckets: {} },
      rosterError: null,
    });

    // Two processes heartbeat through the app's own roster writer; a third entry says nothing readable,
    // a fourth is of another version.
    const ledger = stack.current.deps.blobService.getContainerClient('mediamagic-ledger');
    const timings = { heartbeatMs: 50 };
    const [a, b] = [
      new BlobFleetShares(ledger, systemClock, silentLogger, timings),
      new BlobFleetShares(ledger, systemClock, silentLogger, timings),
    ];
    const extra = [`${FLEET_MEMBERS_PREFIX}garbage`, `${FLEET_MEMBERS_PREFIX}other-version`];
    try {
      for (let period = 0; period < 2; period += 1) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        a.noteSend('submission_write', true, 20);
        a.noteSend('upload', true, undefined);
        // b's first period counts as held back (a newcomer asks for an equal part); its second does not.
        for (let i = 0; i < 2; i += 1) b.noteSend('submission_write', false, 20);
        await Promise.all([a.settled(), b.settled()]);
      }
      await ledger.getBlockBlobClient(extra[0] as string).upload('', 0, {
        metadata: { v: '1', b_submission_write: 'garbage' },
      });
      await ledger.getBlockBlobClient(extra[1] as string).upload('', 0, {
        metadata: { v: '2', b_submission_write: '1;5.000;20.000' },
      });
      const env = { ...stack.current.env, FLEET_PACING: 'true', FLEET_NEWS: 'true' };

      const json = await cli(['status', '--json'], env);
      const text = await cli(['status'], env);

      expect(json.code).toBe(EXIT.ok);
      const fleet = json.json<StatusReport>().fleet as FleetSection;
      expect(fleet).toMatchObject({ pacing: true, news: true, rosterError: null });
      // The garbage entry is a live process (its heartbeat is fresh) with no readable work.
      expect(fleet.roster).toMatchObject({ live: 3, gone: 0, unreadable: 1 });
      expect(Object.keys(fleet.roster?.buckets ?? {})).toEqual(['submission_write', 'upload']);
      // a wanted more; b sent 2 in a period of (at least) 1 s and is given that and half again: 3 of 20.
      expect(fleet.roster?.buckets.submission_write).toEqual({
        processes: 2,
        heldBack: 1,
        sendsPerSecond: 3,
        fleetRate: 20,
        shares: [
          { id: a.id, heldBack: true, sendsPerSecond: 1, fleetRate: 20, share: 0.85, ratePerSecond: 17 },
          { id: b.id, heldBack: false, sendsPerSecond: 2, fleetRate: 20, share: 0.15, ratePerSecond: 3 },
        ],
      });
      expect(fleet.roster?.buckets.upload).toEqual({
        processes: 1,
        heldBack: 1,
        sendsPerSecond: 1,
        fleetRate: null,
        shares: [
          { id: a.id, heldBack: true, sendsPerSecond: 1, fleetRate: null, share: 1, ratePerSecond: null },
        ],
      });

      expect(text.stdout).toMatch(
        /\nFleet: FLEET_PACING on, FLEET_NEWS on; 3 processes live on the roster, 1 unreadable \(another version's entry\) \(as of \S+Z\)\n/,
      );
      expect(text.stdout).toContain(
        '  submission_write   2 processes with work, 1 held back, 3.00 sends/s, fleet rate 20.00/s (median)\n' +
          `    ${a.id.slice(0, 8)}  held back        1.00 sends/s  share 85.0% = 17.00/s\n` +
          `    ${b.id.slice(0, 8)}  not held back    2.00 sends/s  share 15.0% = 3.00/s\n`,
      );
      expect(text.stdout).toContain(
        '  upload             1 process with work, 1 held back, 1.00 sends/s, no fleet rate yet (slow start: equal shares)\n' +
          `    ${a.id.slice(0, 8)}  held back        1.00 sends/s  share 100.0%\n`,
      );
    } finally {
      await Promise.all([a.close(), b.close(), ...extra.map((name) => ledger.deleteBlob(name))]);
    }
  });

  it('the fleet: a roster that cannot be read is shown as unavailable and does not fail status', async () => {
    const proxy = await FaultyStorageProxy.start(stack.current.azurite.blobEndpoint, (url) =>
      url.includes(FLEET_MEMBERS_PREFIX),
    );
    try {
      proxy.fault = 'refuse';
      const env = {
        ...stack.current.env,
        FLEET_PACING: 'true',
        AzureWebJobsStorage: stack.current.env.AzureWebJobsStorage?.replace(
          /BlobEndpoint=[^;]+;/,
          `BlobEndpoint=${proxy.url};`,
        ) as string,
      };

      const json = await cli(['status', '--json'], env);
      const text = await cli(['status'], env);

      expect(json.code).toBe(EXIT.ok);
      expect(proxy.faulted).toBe(2);
      const report = json.json<StatusReport>();
      expect(report.total).toBeGreaterThanOrEqual(8); // the rest of the report is read as ever
      expect(report.fleet).toMatchObject({ pacing: true, roster: null });
      expect(report.fleet?.rosterError).toContain('not authorized');
      expect(text.code).toBe(EXIT.ok);
      expect(text.stdout).toMatch(
        /\nFleet: FLEET_PACING on, FLEET_NEWS off; roster unavailable: This request is not authorized/,
      );
    } finally {
      await proxy.stop();
    }
  });

  it('--blob NAME --json: one record with its history, assets and where its results are', async () => {
    const run = await cli(['status', '--blob', 'mix/done.png', '--json'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    const view = run.json<RecordView>();
    const record = await stack.current.record('mix/done.png');
    expect(view).toMatchObject({
      blob: 'mix/done.png',
      container: 'uploads',
      key: ledgerKey('uploads', 'mix/done.png'),
      state: 'complete',
      terminal: true,
      generation: 1,
      submissionId: record?.submissionId,
      previousSubmissionId: null,
      due: null,
      failure: null,
      results: {
        container: 'mediamagic-results',
        result: { path: 'mix/done.png.result.json', exists: true },
        failure: { path: 'mix/done.png.failure.json', exists: false },
      },
    });
    expect(view.assets).toEqual([
      expect.objectContaining({
        assetId: record?.assets[0]?.assetId,
        status: 'submitted',
        resultsWritten: false,
      }),
    ]);
    expect(view.history.map((h) => `${h.from}→${h.to}`)).toEqual(['claimed→submitted', 'submitted→complete']);
    expect(view.history[1]).toMatchObject({
      reason: 'all assets complete',
      at: expect.any(String) as string,
    });
  });

  it('--blob NAME (text): state, submission, history and results path', async () => {
    const run = await cli(['status', '--blob', 'mix/dead.mp4'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/state: +dead-lettered \(final\)/);
    expect(run.stdout).toContain('submitted → dead-lettered  asset failed permanently');
    expect(run.stdout).toContain('mediamagic-results/mix/dead.mp4.result.json (not written yet)');
    expect(run.stdout).toContain('resubmit mix/dead.mp4');
  });

  it('--blob for a blob the ledger has never seen → 4 with what to do', async () => {
    const run = await cli(['status', '--blob', 'mix/never.mp4'], stack.current.env);
    expect(run.code).toBe(EXIT.notFound);
    expect(run.stderr).toContain('no ledger record for "mix/never.mp4"');
    expect(run.stderr).toContain('backfill');
    const json = await cli(['status', '--blob', 'mix/never.mp4', '--json'], stack.current.env);
    expect(json.json()).toMatchObject({ error: { exitCode: 4, blob: 'mix/never.mp4' } });
  });

  it('bad configuration → 3 naming the setting', async () => {
    const run = await cli(['status'], { ...stack.current.env, LEDGER_CONTAINER: 'uploads' });
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toMatch(/LEDGER_CONTAINER/);
  });

  it('an unreadable ledger record → 1 (unexpected), naming the record and what to inspect', async () => {
    const corrupt = stack.current.deps.blobService
      .getContainerClient('mediamagic-ledger')
      .getBlockBlobClient(`records/${'f'.repeat(64)}.json`);
    await corrupt.upload('{"not": "a record"}', 19);
    try {
      const run = await cli(['status', '--json'], stack.current.env);
      expect(run.code).toBe(EXIT.unexpected);
      expect(run.stderr).toContain(`error: ledger: record records/${'f'.repeat(64)}.json fails the schema`);
      expect(run.stderr).toContain('hint: a ledger record is unreadable');
      expect(run.json()).toMatchObject({ error: { exitCode: 1, kind: 'ledger-invalid-record' } });
    } finally {
      await corrupt.delete();
    }
  });
});

/**
 * A record whose timer step keeps throwing (here: the results write fails, as it would for a results
 * container that refuses writes) stays in its state until the limit sends it `stuck`; `status` must show it
 * backing off — count, last error, next try — instead of merely "waiting".
 */
describe('status: records backing off after step failures', () => {
  const stack = useStack();

  beforeAll(async () => {
    for (const name of ['sf/failing.mp4', 'sf/fine.mp4']) {
      await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
      expect((await processSourceBlob(stack.current.deps.submitDeps(silentLogger), name)).kind).toBe(
        'submitted',
      );
      const key = ledgerKey('uploads', name);
      const due = isoTimestamp(Date.now() - 1000);
      expect((await stack.current.deps.ledger.update(key, (r) => ({ ...r, due }))).kind).toBe('updated');
    }
    await stack.current.emulator.controls.processing.settled();
    const real = stack.current.deps.pollDeps(silentLogger);
    const results: ResultsStore = {
      writeResult: (doc) =>
        doc.source.name === 'sf/failing.mp4'
          ? Promise.reject(new Error('results write refused (403 AuthorizationFailure)'))
          : real.results.writeResult(doc),
      writeFailure: (report) => real.results.writeFailure(report),
    };
    const run = await pollDue({ ...real, results });
    expect(run.outcomes).toMatchObject({ 'submitted→step-failed': 1, 'submitted→complete': 1 });
  });

  it('--json: a summary count and, per record, the failure count, the last error and the next try', async () => {
    const run = await cli(['status', '--json'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    const report = run.json<StatusReport>();
    const record = await stack.current.record('sf/failing.mp4');
    expect(report.stepFailures).toEqual({
      count: 1,
      records: [
        {
          blob: 'sf/failing.mp4',
          state: 'submitted',
          count: 1,
          limit: STEP_FAILURE_LIMIT,
          lastError: 'Error: results write refused (403 AuthorizationFailure)',
          lastAt: record?.stepFailures?.lastAt,
          nextTryAt: record?.due,
        },
      ],
    });
    // Backing off: its next try is in the future, so it is not listed as due now.
    expect(Date.parse(report.stepFailures.records[0]?.nextTryAt ?? '')).toBeGreaterThan(Date.now());
    expect(report.due.map((d) => d.blob)).not.toContain('sf/failing.mp4');
  });

  it('text: the backing-off list with the count, the next try and the last error', async () => {
    const run = await cli(['status'], stack.current.env);

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('Backing off after step failures (1)');
    expect(run.stdout).toMatch(
      /submitted +sf\/failing\.mp4 {2}\(step failed 1 of 8 timer runs in a row, next try \d{4}-/,
    );
    expect(run.stdout).toContain('results write refused (403 AuthorizationFailure)');
  });

  it('--blob: the record carries its step failures; a record whose step succeeded shows none', async () => {
    const failing = await cli(['status', '--blob', 'sf/failing.mp4', '--json'], stack.current.env);
    const view = failing.json<RecordView>();
    expect(view.stepFailures).toMatchObject({
      count: 1,
      limit: STEP_FAILURE_LIMIT,
      lastError: 'Error: results write refused (403 AuthorizationFailure)',
      nextTryAt: view.due,
    });
    expect(view.next).toContain('step failed 1 of 8 timer runs in a row');
    expect(view.next).toContain('goes stuck with an ALERT');

    const text = await cli(['status', '--blob', 'sf/failing.mp4'], stack.current.env);
    expect(text.stdout).toMatch(/step failures: +step failed 1 of 8 timer runs in a row; next try \d{4}-/);
    expect(text.stdout).toContain('last error at ');

    const fine = await cli(['status', '--blob', 'sf/fine.mp4', '--json'], stack.current.env);
    expect(fine.json<RecordView>().stepFailures).toBeNull();
  });
});
