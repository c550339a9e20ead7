import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { RegisteredFunction } from '../../scripts/devHost/loadApp.js';
import { startQueueDriver, type QueueDriverOptions } from '../../scripts/devHost/queueDriver.js';
import { useAzurite } from '../support/azurite.js';

/** A promise the test settles when it chooses. */
function gate(): { readonly promise: Promise<void>; readonly open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Polls until `condition` holds; the wait is for the driver's own polling, nothing is asserted about it. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await condition()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const encode = (body: unknown): string => Buffer.from(JSON.stringify(body)).toString('base64');
const queued = async (queue: QueueClient): Promise<number> =>
  (await queue.getProperties()).approximateMessagesCount ?? -1;

describe('dev host queue driver (against Azurite)', () => {
  const azurite = useAzurite();
  let service: QueueServiceClient;
  let seq = 0;
  beforeAll(() => {
    service = QueueServiceClient.fromConnectionString(azurite.current.connectionString);
  });

  /** A fresh queue, its poison queue, a log, and a driver for `handler`. */
  const drive = async (
    handler: (input: unknown) => Promise<void>,
    options: Partial<QueueDriverOptions> = {},
    bodies: readonly unknown[] = [],
    rawTexts: readonly string[] = [],
  ) => {
    const name = `driver${++seq}`;
    const queue = service.getQueueClient(name);
    const poison = service.getQueueClient(`${name}-poison`);
    await queue.create();
    await poison.create();
    for (const body of bodies) await queue.sendMessage(encode(body));
    for (const text of rawTexts) await queue.sendMessage(text);
    const errors: string[] = [];
    const warnings: string[] = [];
    const fn: RegisteredFunction = {
      name: 'fn',
      trigger: { type: 'queueTrigger', direction: 'in', queueName: name },
      handler: (input) => handler(input),
    };
    const driver = startQueueDriver(fn, {
      queue,
      poison,
      idlePollMs: 20,
      log: (_fn, level, message) => {
        if (level === 'error') errors.push(message);
        if (level === 'warning') warnings.push(message);
      },
      ...options,
    });
    return { queue, poison, driver, errors, warnings };
  };

  it('keeps the other slots busy while one message is slow, and never runs more than batchSize + newBatchThreshold', async () => {
    const slow = gate();
    const handled: number[] = [];
    let running = 0;
    let peak = 0;
    const bodies = Array.from({ length: 12 }, (_, n) => ({ n }));
    const { queue, driver, errors } = await drive(
      async (input) => {
        const { n } = input as { n: number };
        running++;
        peak = Math.max(peak, running);
        if (n === 0) await slow.promise;
        else await sleep(5);
        running--;
        handled.push(n);
      },
      { batchSize: 4 },
      bodies,
    );

    await until(() => handled.length === 11, 'the 11 fast messages');
    expect(handled).not.toContain(0);
    slow.open();
    await until(() => handled.length === 12, 'the slow message');
    await driver.stop();

    expect([...handled].sort((a, b) => a - b)).toEqual(bodies.map((b) => b.n));
    expect(peak).toBeLessThanOrEqual(4 + 2);
    expect(await queued(queue)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('fetches the next batch once in-flight messages fall to newBatchThreshold, before the batch is done', async () => {
    const gates = new Map<number, ReturnType<typeof gate>>();
    const { queue, driver } = await drive(
      async (input) => {
        const { n } = input as { n: number };
        const g = gate();
        gates.set(n, g);
        await g.promise;
      },
      { batchSize: 4, newBatchThreshold: 2 },
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );

    await until(() => gates.size === 4, 'the first batch');
    const [first, second, third] = [...gates.values()];
    first?.open();
    await sleep(50);
    // Three of four still run: above the threshold, so nothing more is received.
    expect(gates.size).toBe(4);
    second?.open();
    await until(() => gates.size === 8, 'a second batch while two of the first still run');
    third?.open();
    await sleep(50);
    expect(gates.size).toBe(8);

    for (const g of gates.values()) g.open();
    await until(() => gates.size === 10, 'the rest');
    for (const g of gates.values()) g.open();
    await driver.stop();
    expect(await queued(queue)).toBe(0);
  });

  it('retries a failing message after the visibility timeout and moves it to <queue>-poison after maxDequeueCount tries', async () => {
    let tries = 0;
    const { queue, poison, driver } = await drive(
      () => {
        tries++;
        return Promise.reject(new Error('always fails'));
      },
      { maxDequeueCount: 2, visibilityTimeoutSeconds: 1 },
      [{ doomed: true }],
    );

    await until(async () => (await queued(poison)) === 1, 'the poison message');
    await driver.stop();

    expect(tries).toBe(2);
    const [parked] = (await poison.receiveMessages()).receivedMessageItems;
    expect(parked?.messageText).toBe(encode({ doomed: true }));
    expect(await queued(queue)).toBe(0);
  });

  it('moves a message that is not valid base64 straight to <queue>-poison, unchanged, without calling the function', async () => {
    const seen: unknown[] = [];
    // Plain JSON, and text Node's lenient decoder would accept (five characters: no whole base64 group).
    const notBase64 = ['{"plain":"json"}', 'abcde'];
    const { queue, poison, driver, warnings } = await drive(
      (input) => {
        seen.push(input);
        return Promise.resolve();
      },
      {},
      [{ fine: true }],
      notBase64,
    );

    await until(async () => (await queued(poison)) === 2 && seen.length === 1, 'two poisoned, one handled');
    await driver.stop();

    expect(seen).toEqual([{ fine: true }]);
    const parked = (await poison.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
    expect(parked.map((m) => m.messageText).sort()).toEqual([...notBase64].sort());
    expect(await queued(queue)).toBe(0);
    expect(warnings.filter((w) => w.includes('not valid base64'))).toHaveLength(2);
  });

  it('hands the handler what @azure/functions does: JSON parsed when it is JSON, the decoded string otherwise', async () => {
    const seen: unknown[] = [];
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    const { driver } = await drive(
      (input) => {
        seen.push(input);
        return Promise.resolve();
      },
      { batchSize: 1 },
      [],
      // Whitespace inside base64 is skipped, as .NET's decoder skips it.
      [
        b64('plain text'),
        b64('42'),
        `${b64('{"a":1}').slice(0, 4)}
${b64('{"a":1}').slice(4)}`,
      ],
    );

    await until(() => seen.length === 3, 'three messages');
    await driver.stop();
    expect(seen).toEqual(['plain text', 42, { a: 1 }]);
  });

  it('with messageEncoding none passes the text as it is, so plain JSON reaches the function', async () => {
    const seen: unknown[] = [];
    const { poison, driver } = await drive(
      (input) => {
        seen.push(input);
        return Promise.resolve();
      },
      { messageEncoding: 'none' },
      [],
      ['{"plain":"json"}'],
    );

    await until(() => seen.length === 1, 'the message');
    await driver.stop();
    expect(seen).toEqual([{ plain: 'json' }]);
    expect(await queued(poison)).toBe(0);
  });

  it('stop() resolves only after the in-flight message is done and deleted', async () => {
    const held = gate();
    let started = false;
    const { queue, driver } = await drive(
      async () => {
        started = true;
        await held.promise;
      },
      {},
      [{ n: 1 }],
    );
    await until(() => started, 'the handler to start');

    let stopped = false;
    const stopping = driver.stop().then(() => (stopped = true));
    await sleep(100);
    expect(stopped).toBe(false);
    expect(await queued(queue)).toBe(1);

    held.open();
    await stopping;
    expect(await queued(queue)).toBe(0);
  });

  it('renews the invisibility of a message that outlives the visibility timeout, so it is not handed out twice', async () => {
    const held = gate();
    let calls = 0;
    const { queue, driver, errors } = await drive(
      async () => {
        calls++;
        await held.promise;
      },
      { visibilityTimeoutSeconds: 1 },
      [{ long: true }],
    );
    const renewals = vi.spyOn(queue, 'updateMessage');

    // Three renewals at half a second each: well past the one-second timeout of the receive.
    await until(() => renewals.mock.calls.length >= 3, 'three renewals');
    expect(calls).toBe(1);

    held.open();
    await driver.stop();
    expect(calls).toBe(1);
    expect(errors).toEqual([]);
    // Deleted with the receipt of the last renewal: the one it was received with no longer works.
    expect(await queued(queue)).toBe(0);
  });
});
