import { readFileSync } from 'node:fs';
import path from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { encodeHandOffMessage } from '../../shared/events/handOffMessage.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { POISON_PREFIX } from '../../shared/poison/poisonRecords.js';
import type { PoisonDeps, PoisonDriver } from '../../shared/poison/poisonDeps.js';
import { DRAIN_DEFAULTS, drainPoisonQueue, type DrainOptions } from '../../shared/poison/drainPoisonQueue.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { silentLogger } from '../../shared/logger.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

/**
 * The BlobCreated trigger's poison queue is drained (docs/design.md, "Poison messages"): every message is
 * recorded in the ledger container, its blob is driven exactly as an event would drive it, and the message
 * is deleted only once the record is written. Real Azurite queues and blobs, the emulator behind the API.
 */
describe('drainPoisonQueue', () => {
  const stack = useStack();
  let queues = 0;

  /** A fresh poison queue (created) per test, and the app's poison deps pointed at it. */
  const setUp = async (logger: MemoryLogger, drive?: PoisonDriver) => {
    const service = QueueServiceClient.fromConnectionString(stack.current.azurite.connectionString);
    const queue = service.getQueueClient(`blob-created-${++queues}-poison`);
    await queue.createIfNotExists();
    const app = await stack.current.deps.poisonDeps(logger);
    const deps: PoisonDeps = { ...app, queue, ...(drive ? { drive } : {}) };
    return { queue, deps };
  };
  const options = (overrides: Partial<DrainOptions> = {}): DrainOptions => ({
    deadlineMs: Date.now() + 60_000,
    ...overrides,
  });
  const waiting = async (queue: QueueClient): Promise<number> =>
    (await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;
  const submissionsOf = async (name: string): Promise<number> => {
    const blobPath = (await stack.current.record(name))?.blobPath ?? '';
    return stack.current.emulator.stats().submissionsByBlobPath[blobPath] ?? 0;
  };
  const upload = (name: string) => stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');

  it('a message for a blob never submitted: recorded, the blob submitted once, the message deleted', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger);
    await upload('poison/never.mp4');
    const sent = await queue.sendMessage(stack.current.eventFor('poison/never.mp4'));

    const summary = await drainPoisonQueue(deps, options());

    expect(summary).toMatchObject({
      read: 1,
      recorded: 1,
      driven: { submitted: 1 },
      left: 0,
      stopped: 'empty',
    });
    expect((await stack.current.record('poison/never.mp4'))?.state).toBe('submitted');
    expect(await submissionsOf('poison/never.mp4')).toBe(1);
    expect(await waiting(queue)).toBe(0);
    const record = await deps.records.get(sent.messageId);
    expect(record).toMatchObject({
      messageId: sent.messageId,
      queue: queue.name,
      blob: { container: 'uploads', name: 'poison/never.mp4' },
      outcome: 'driven',
      result: 'submitted',
      attempts: 1,
      unreadable: null,
    });
    expect(record?.insertedOn).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(record?.why).toContain('failed on this message 5 times');
    expect(record?.why).toContain('carries no error text');

    // Kept beside the ledger records, never among them.
    const listed: string[] = [];
    for await (const r of stack.current.deps.ledger.list()) listed.push(r.source.name);
    expect(listed.filter((n) => n.startsWith('poison/'))).toEqual(['poison/never.mp4']);
    expect(listed.length).toBe(new Set(listed).size);
  });

  it('a message for a blob submitted meanwhile: recorded, no second submission', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger);
    await upload('poison/already.mp4');
    expect(
      (await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'poison/already.mp4')).kind,
    ).toBe('submitted');
    const sent = await queue.sendMessage(stack.current.eventFor('poison/already.mp4'));

    const summary = await drainPoisonQueue(deps, options());

    expect(summary).toMatchObject({ read: 1, recorded: 1, driven: { duplicate: 1 }, left: 0 });
    expect(await submissionsOf('poison/already.mp4')).toBe(1);
    expect(await deps.records.get(sent.messageId)).toMatchObject({ outcome: 'driven', result: 'duplicate' });
    expect(await waiting(queue)).toBe(0);
  });

  it('an unreadable message: recorded with the reason and a redacted excerpt, an ALERT, deleted', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger);
    const notJson = await queue.sendMessage('{"eventType": "Microsoft.Storage.BlobCreated", oops');
    const foreign = await queue.sendMessage(stack.current.eventFor('x.mp4', { container: 'someone-elses' }));

    const summary = await drainPoisonQueue(deps, options());

    expect(summary).toMatchObject({ read: 2, recorded: 2, unreadable: 2, driven: {}, left: 0 });
    expect(await waiting(queue)).toBe(0);
    expect(await deps.records.get(notJson.messageId)).toMatchObject({
      outcome: 'unreadable',
      blob: null,
      unreadable: { code: 'not-json', excerpt: '{"eventType": "Microsoft.Storage.BlobCreated", oops' },
    });
    const foreignRecord = await deps.records.get(foreign.messageId);
    expect(foreignRecord?.unreadable?.code).toBe('other-container');
    // The excerpt is of the decoded event, not of its base64.
    expect(foreignRecord?.unreadable?.excerpt).toMatch(/^\{"topic":.*containers\/someone-els/);
    const alerts = logger.lines.filter((l) => l.level === 'error' && l.message.startsWith('ALERT:'));
    expect(alerts.map((a) => a.message)).toEqual([
      `ALERT: poison message ${notJson.messageId} is unreadable; recorded and deleted`,
      `ALERT: poison message ${foreign.messageId} is unreadable; recorded and deleted`,
    ]);
    expect(alerts[0]?.props).toMatchObject({ code: 'not-json', messageId: notJson.messageId });
  });

  it('a poisoned hand-off message: deleted without a record or an ALERT — its ledger record stays due', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger);
    await upload('poisoned-hand-off.mp4');
    const key = ledgerKey(stack.current.deps.config.sourceContainer, 'poisoned-hand-off.mp4');
    const sent = await queue.sendMessage(encodeHandOffMessage({ key, generation: 1 }));

    const summary = await drainPoisonQueue(deps, options());

    expect(summary).toMatchObject({ read: 1, recorded: 0, unreadable: 0, handOffs: 1, driven: {}, left: 0 });
    expect(await waiting(queue)).toBe(0);
    expect(await deps.records.get(sent.messageId)).toBeUndefined();
    expect(logger.lines.filter((l) => l.message.startsWith('ALERT:'))).toEqual([]);
    expect(logger.lines.map((l) => l.message)).toContain(
      'poisoned hand-off message deleted; its ledger record stays due and the timer re-drives it',
    );
  });

  it('a drive that throws: the message stays with its attempts counted, then given up with an ALERT', async () => {
    const logger = new MemoryLogger();
    let drives = 0;
    const { queue, deps } = await setUp(logger, () => {
      drives++;
      return Promise.reject(new Error('storage said 503'));
    });
    await upload('poison/throws.mp4');
    const sent = await queue.sendMessage(stack.current.eventFor('poison/throws.mp4'));
    // A visibility timeout of 2 s: each run sees the message again once the last one let it go.
    const run = () => drainPoisonQueue(deps, options({ visibilityTimeoutSeconds: 2, maxDriveAttempts: 3 }));
    const reappear = () => new Promise((resolve) => setTimeout(resolve, 2_100));

    expect(await run()).toMatchObject({ read: 1, recorded: 1, left: 1, givenUp: 0 });
    expect(await deps.records.get(sent.messageId)).toMatchObject({
      outcome: 'drive-failed',
      attempts: 1,
      lastError: 'Error: storage said 503',
      blob: { name: 'poison/throws.mp4' },
    });
    expect((await queue.getProperties()).approximateMessagesCount, 'the message is kept').toBe(1);
    expect(await run(), 'still invisible: not driven again at once').toMatchObject({ read: 0 });
    await reappear();
    expect(await run()).toMatchObject({ left: 1, givenUp: 0 });
    expect((await deps.records.get(sent.messageId))?.attempts).toBe(2);
    expect(logger.lines.some((l) => l.message.startsWith('ALERT:'))).toBe(false);
    await reappear();
    expect(await run()).toMatchObject({ read: 1, left: 0, givenUp: 1 });

    expect(drives).toBe(3);
    expect(await deps.records.get(sent.messageId)).toMatchObject({
      outcome: 'given-up',
      attempts: 3,
      lastError: 'Error: storage said 503',
    });
    await reappear();
    expect(await waiting(queue)).toBe(0);
    const alert = logger.lines.find((l) => l.level === 'error' && l.message.startsWith('ALERT:'));
    expect(alert?.message).toBe(
      'ALERT: gave up on poison message for poison/throws.mp4 after 3 drives: Error: storage said 503',
    );
    expect(await stack.current.record('poison/throws.mp4')).toBeUndefined();
  });

  it('MediaMagic refuses the key: the drain stops and leaves the messages', async () => {
    const logger = new MemoryLogger();
    const blocked: PoisonDriver = async (name) => {
      const record = await stack.current.record(name);
      return { kind: 'blocked', record: record ?? ({} as never) };
    };
    const { queue, deps } = await setUp(logger, blocked);
    await queue.sendMessage(stack.current.eventFor('poison/blocked-1.mp4'));
    await queue.sendMessage(stack.current.eventFor('poison/blocked-2.mp4'));

    const summary = await drainPoisonQueue(deps, options());

    expect(summary).toMatchObject({ stopped: 'blocked', left: 2, recorded: 1, driven: {} });
    // The one not started is handed straight back; the blocked one waits out its visibility timeout.
    expect(await waiting(queue)).toBe(1);
    expect(logger.lines.some((l) => l.message.startsWith('ALERT: MediaMagic refused'))).toBe(true);
  });

  it("quotes the host's maxDequeueCount from host.json", () => {
    const host = JSON.parse(readFileSync(path.join(__dirname, '../../host.json'), 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(DRAIN_DEFAULTS.hostMaxDequeueCount).toBe(host.extensions.queues.maxDequeueCount);
  });

  it('no poison queue (nothing ever failed): zero, no error', async () => {
    const logger = new MemoryLogger();
    const deps = await stack.current.deps.poisonDeps(logger);
    expect(deps.queue.name).toBe('blob-created-poison');
    expect(await deps.queue.exists()).toBe(false);

    const summary = await drainPoisonQueue(deps, options());

    expect(summary).toEqual({
      read: 0,
      recorded: 0,
      driven: {},
      unreadable: 0,
      givenUp: 0,
      alreadyRecorded: 0,
      handOffs: 0,
      left: 0,
      stopped: 'no-queue',
    });
    expect(logger.lines).toEqual([]);
  });

  it('a crash between the record and the delete: the message comes back, no second record or submission', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger);
    await upload('poison/crash.mp4');
    const sent = await queue.sendMessage(stack.current.eventFor('poison/crash.mp4'));
    // The first run records and drives, then "dies" before its delete: the delete never reaches the queue.
    const dying: PoisonDeps = {
      ...deps,
      queue: new Proxy(queue, {
        get: (target, prop, receiver) =>
          prop === 'deleteMessage'
            ? () => Promise.reject(new Error('process killed'))
            : (Reflect.get(target, prop, receiver) as unknown),
      }),
    };
    const first = await drainPoisonQueue(dying, options({ visibilityTimeoutSeconds: 1, maxMessages: 1 }));
    expect(first).toMatchObject({ read: 1, recorded: 1, left: 1 });
    const recorded = await deps.records.get(sent.messageId);
    expect(recorded).toMatchObject({ outcome: 'driven', result: 'submitted' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const second = await drainPoisonQueue(deps, options());

    expect(second).toMatchObject({ read: 1, recorded: 0, alreadyRecorded: 1, driven: {}, left: 0 });
    expect(await waiting(queue)).toBe(0);
    expect(await submissionsOf('poison/crash.mp4')).toBe(1);
    expect(await deps.records.get(sent.messageId)).toEqual(recorded);
    const names: string[] = [];
    const ledger = stack.current.deps.blobService.getContainerClient(
      stack.current.deps.config.ledgerContainer,
    );
    for await (const item of ledger.listBlobsFlat({ prefix: POISON_PREFIX })) names.push(item.name);
    expect(names.filter((n) => n.includes(encodeURIComponent(sent.messageId)))).toHaveLength(1);
  });

  it('a message back within the same run (its visibility ran out meanwhile) is not driven twice in that run', async () => {
    const logger = new MemoryLogger();
    const drives: string[] = [];
    const { queue, deps } = await setUp(logger, async (name) => {
      drives.push(name);
      if (name.endsWith('fails.mp4')) throw new Error('storage 503');
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      return { kind: 'missing', name };
    });
    await queue.sendMessage(stack.current.eventFor('poison/fails.mp4'));
    await queue.sendMessage(stack.current.eventFor('poison/slow.mp4'));

    // One at a time: the failed one is visible again while the slow one is still being driven.
    const summary = await drainPoisonQueue(deps, options({ visibilityTimeoutSeconds: 1, batchSize: 1 }));

    expect(drives).toEqual(['poison/fails.mp4', 'poison/slow.mp4']);
    expect(summary).toMatchObject({ read: 2, driven: { missing: 1 }, left: 1 });
  });

  it('the per-run cap: only that many are read, the rest stay for the next run', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger, () => Promise.resolve({ kind: 'missing', name: 'x' }));
    for (let i = 0; i < 3; i++) await queue.sendMessage(stack.current.eventFor(`poison/cap-${i}.mp4`));

    expect(await drainPoisonQueue(deps, options({ maxMessages: 2, batchSize: 1 }))).toMatchObject({
      read: 2,
      driven: { missing: 2 },
      stopped: 'cap',
    });
    expect(await waiting(queue)).toBe(1);
    expect(await drainPoisonQueue(deps, options({ deadlineMs: Date.now() - 1 }))).toMatchObject({
      read: 0,
      stopped: 'deadline',
    });
    expect(await waiting(queue)).toBe(1);
  });

  it('never writes a SAS signature or a configured secret from a message to a record or a log line', async () => {
    const logger = new MemoryLogger();
    const { queue, deps } = await setUp(logger);
    const apiKey = stack.current.env.MEDIAMAGIC_API_KEY ?? '';
    const body =
      `{"note":"https://acct.blob.core.windows.net/c/x.mp4?sv=2024&sig=TOPSECRETSIGNATURE%3D&se=2030",` +
      `"conn":"AccountName=a;AccountKey=SECRETACCOUNTKEY==;EndpointSuffix=x","key":"${apiKey}"`;
    // Event Grid's encoding: base64 would hide the signature from a redactor that does not decode first.
    const sent = await queue.sendMessage(Buffer.from(body, 'utf8').toString('base64'));

    await drainPoisonQueue(deps, options());

    const record = await deps.records.get(sent.messageId);
    expect(record?.outcome).toBe('unreadable');
    expect(record?.unreadable?.excerpt).toContain('sig=[REDACTED]');
    expect(record?.unreadable?.excerpt).toContain('AccountKey=[REDACTED]');
    const everything = `${JSON.stringify(record)}\n${logger.dump()}`;
    for (const secret of ['TOPSECRETSIGNATURE', 'SECRETACCOUNTKEY', apiKey]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain(Buffer.from(body, 'utf8').toString('base64').slice(0, 40));
  });
});
