import { QueueClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { encodeHandOffMessage, readHandOffMessage } from '../../shared/events/handOffMessage.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { handleBlobCreatedMessage } from '../../shared/pipeline/handleBlobCreatedMessage.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { sampleMedia } from '../support/media.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { useStack, type Stack } from '../support/stack.js';

/** Docs: docs/design.md, "Hand-offs go back on the queue". */

function handler(stack: { current: Stack }) {
  return (message: unknown) =>
    makeSubmitOnBlobCreatedHandler(() => Promise.resolve(stack.current.deps))(
      message,
      stack.current.invocation('submitOnBlobCreated').context,
    );
}

function eventsQueue(stack: Stack): QueueClient {
  return new QueueClient(stack.azurite.connectionString, stack.deps.config.blobEventsQueue);
}

/** Waits until a message turns visible on `queue` and takes it: its text, and when it was first seen. */
async function nextMessage(queue: QueueClient, withinMs: number): Promise<{ text: string; seenAt: number }> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    const [message] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
    if (message) {
      const seenAt = Date.now();
      await queue.deleteMessage(message.messageId, message.popReceipt);
      return { text: message.messageText, seenAt };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no message turned visible within ${withinMs} ms`);
}

describe('hand-offs go back on the BlobCreated queue, invisible until due', () => {
  // A 429 whose Retry-After outlasts the invocation's 2-s budget: the trigger hands the file off.
  const stack = useStack({ env: { INVOCATION_BUDGET_SECONDS: '2' } });
  const pauseSubmissions = (seconds: number) =>
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', fault: { kind: 'rateLimit', retryAfterSeconds: seconds } },
    ]);

  it('queues the handed-off record for its due time, and the trigger drives it from that message', async () => {
    await eventsQueue(stack.current).createIfNotExists();
    await stack.current.upload('handoff/a.png', sampleMedia('image/png'), 'image/png');
    pauseSubmissions(4);
    const handedOff = await handler(stack)(stack.current.eventFor('handoff/a.png'));
    expect(handedOff.kind).toBe('pending');
    const record = await stack.current.record('handoff/a.png');
    expect(record?.state).toBe('submit-pending');
    const dueMs = Date.parse(record?.due ?? '');

    // Invisible until the record is due (whole seconds, rounded up), then there.
    stack.current.emulator.controls.faults.set([]);
    const { text, seenAt } = await nextMessage(eventsQueue(stack.current), 15_000);
    expect(seenAt).toBeGreaterThanOrEqual(dueMs - 200); // Azurite and this process share a clock
    expect(seenAt).toBeLessThan(dueMs + 3_000);
    expect(readHandOffMessage(text)).toEqual({
      kind: 'hand-off',
      handOff: { key: ledgerKey(stack.current.deps.config.sourceContainer, 'handoff/a.png'), generation: 1 },
    });

    // The host hands the function the decoded JSON; either form drives the record.
    const driven = await handler(stack)(JSON.parse(Buffer.from(text, 'base64').toString('utf8')));
    expect(driven.kind).toBe('submitted');
    expect((await stack.current.record('handoff/a.png'))?.state).toBe('submitted');
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);

    // Delivered again (at-least-once): the record moved on, nothing is called.
    const creates = stack.current.emulator.stats().submissions.created;
    expect((await handler(stack)(text)).kind).toBe('duplicate');
    expect(stack.current.emulator.stats().submissions.created).toBe(creates);
  });

  it('ignores a malformed hand-off message with a reason that names the field', async () => {
    const message = Buffer.from(
      JSON.stringify({ mediamagicHandOff: { key: 'nope', generation: 1 } }),
    ).toString('base64');
    const result = await handler(stack)(message);
    expect(result).toEqual({
      kind: 'ignored',
      reason: 'hand-off message: mediamagicHandOff.key must be a ledger key (64 hex digits)',
    });
  });

  it('drives a due record once when the timer and its hand-off message race for it', async () => {
    await stack.current.upload('handoff/c.png', sampleMedia('image/png'), 'image/png');
    pauseSubmissions(3);
    expect((await handler(stack)(stack.current.eventFor('handoff/c.png'))).kind).toBe('pending');
    stack.current.emulator.controls.faults.set([]);
    const { text } = await nextMessage(eventsQueue(stack.current), 15_000);
    const before = stack.current.emulator.stats().submissions.created;

    const logger = new MemoryLogger();
    const [fromQueue] = await Promise.all([
      handler(stack)(text),
      pollDue(stack.current.deps.pollDeps(logger)),
    ]);
    expect(['submitted', 'lost-ownership', 'duplicate']).toContain(fromQueue.kind);
    expect((await stack.current.record('handoff/c.png'))?.state).toBe('submitted');
    expect(stack.current.emulator.stats().submissions.created).toBe(before + 1);
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });
  // Last: its 60-s Retry-After pauses this process's submission gate for every test after it.
  it('leaves a record that is not due to the timer, and drops a message for a missing record', async () => {
    await stack.current.upload('handoff/b.png', sampleMedia('image/png'), 'image/png');
    pauseSubmissions(60);
    expect((await handler(stack)(stack.current.eventFor('handoff/b.png'))).kind).toBe('pending');
    stack.current.emulator.controls.faults.set([]);
    const key = ledgerKey(stack.current.deps.config.sourceContainer, 'handoff/b.png');
    const creates = stack.current.emulator.stats().submissions.created;

    expect((await handler(stack)(encodeHandOffMessage({ key, generation: 1 }))).kind).toBe('not-due');
    expect((await handler(stack)(encodeHandOffMessage({ key, generation: 2 }))).kind).toBe('duplicate');
    const missing = await handler(stack)(encodeHandOffMessage({ key: 'f'.repeat(64), generation: 1 }));
    expect(missing).toEqual({ kind: 'ignored', reason: `ledger record ${'f'.repeat(64)} no longer exists` });
    expect(stack.current.emulator.stats().submissions.created).toBe(creates);
    expect((await stack.current.record('handoff/b.png'))?.state).toBe('submit-pending');
  });
});

describe('a hand-off that cannot be queued', () => {
  const stack = useStack({ env: { INVOCATION_BUDGET_SECONDS: '2', BLOB_EVENTS_QUEUE: 'no-such-queue' } });

  it('stays due for the timer, with a warning that says so', async () => {
    await stack.current.upload('handoff/d.png', sampleMedia('image/png'), 'image/png');
    stack.current.emulator.controls.faults.set([
      { route: 'submissions.create', fault: { kind: 'rateLimit', retryAfterSeconds: 30 } },
    ]);
    const logger = new MemoryLogger();
    const result = await handleBlobCreatedMessage(
      stack.current.deps.submitDeps(logger),
      stack.current.eventFor('handoff/d.png'),
    );
    expect(result.kind).toBe('pending');
    const record = await stack.current.record('handoff/d.png');
    expect(record?.state).toBe('submit-pending');
    const warning = logger.lines.find((l) => l.message.startsWith('hand-off not queued'));
    expect(warning).toMatchObject({
      level: 'warn',
      message: 'hand-off not queued; the timer re-drives the record when it is due',
      props: { blob: 'handoff/d.png', due: record?.due },
    });
    expect(String(warning?.props?.['error'])).toMatch(/404|QueueNotFound/);
  });
});
