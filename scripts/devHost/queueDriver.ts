/**
 * The dev host's queue trigger: polls a Storage queue and calls the registered handler per message, with
 * the host's semantics — decoding by `messageEncoding` (a message that does not decode goes straight to
 * `<queue>-poison`, the function never called), JSON parsed when it is JSON (./queueMessageBody.ts),
 * delete on success, redelivery after the visibility timeout on failure, and a `<queue>-poison` queue after
 * `maxDequeueCount` tries.
 *
 * Like the Functions host's queue listener, it fetches a new batch as soon as the number of messages in
 * progress falls to `newBatchThreshold`, not when the whole previous batch is done, so one slow message
 * (a rate-limit wait) does not idle the other slots: up to `batchSize + newBatchThreshold` run at once.
 */
import { InvocationContext } from '@azure/functions';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegisteredFunction } from './loadApp.js';
import { holdMessage } from './messageLease.js';
import { decodeQueueMessage, queueTriggerInput, type QueueMessageEncoding } from './queueMessageBody.js';

/** Options of {@link startQueueDriver}; the defaults are the host's (host.json `extensions.queues`). */
export interface QueueDriverOptions {
  readonly queue: QueueClient;
  readonly poison: QueueClient;
  /** Default 5. */
  readonly maxDequeueCount?: number;
  /** How long a received message stays invisible, renewed halfway while it runs; the retry delay after a failure. Default 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** Messages per receive, at most 32. Default 16. */
  readonly batchSize?: number;
  /** Receive again when this few messages are still in progress. Default `batchSize / 2`, rounded down. */
  readonly newBatchThreshold?: number;
  /** Wait after an empty receive. Default 500. */
  readonly idlePollMs?: number;
  /** How message text is decoded before the handler sees it. Default `base64`, as in the host. */
  readonly messageEncoding?: QueueMessageEncoding;
  readonly log: (functionName: string, level: string, message: string) => void;
}

/** A running driver; `stop()` receives nothing more and waits for in-flight messages. */
export interface QueueDriver {
  stop(): Promise<void>;
}

type Settings = Required<Omit<QueueDriverOptions, 'log' | 'queue' | 'poison'>>;

/** Starts polling `options.queue` for `fn`. */
export function startQueueDriver(fn: RegisteredFunction, options: QueueDriverOptions): QueueDriver {
  const batchSize = options.batchSize ?? 16;
  const settings: Settings = {
    batchSize,
    newBatchThreshold: options.newBatchThreshold ?? Math.floor(batchSize / 2),
    maxDequeueCount: options.maxDequeueCount ?? 5,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    idlePollMs: options.idlePollMs ?? 500,
    messageEncoding: options.messageEncoding ?? 'base64',
  };
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const logError = (what: string, error: unknown): void =>
    options.log(fn.name, 'error', `${what}: ${error instanceof Error ? error.message : String(error)}`);

  const start = (message: DequeuedMessageItem): void => {
    const task = handle(fn, options, settings, message)
      .catch((error: unknown) => logError(`message ${message.messageId}`, error))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };
  const receive = async (): Promise<number> => {
    try {
      const batch = await options.queue.receiveMessages({
        numberOfMessages: settings.batchSize,
        visibilityTimeout: settings.visibilityTimeoutSeconds,
      });
      for (const message of batch.receivedMessageItems) start(message);
      return batch.receivedMessageItems.length;
    } catch (error) {
      if (!stopping.signal.aborted) logError('queue poll failed', error);
      return 0;
    }
  };

  const loop = (async () => {
    await options.queue.createIfNotExists();
    await options.poison.createIfNotExists();
    while (!stopping.signal.aborted) {
      if ((await receive()) === 0)
        await sleep(settings.idlePollMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      while (inFlight.size > settings.newBatchThreshold) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
}

async function handle(
  fn: RegisteredFunction,
  options: QueueDriverOptions,
  settings: Settings,
  message: DequeuedMessageItem,
): Promise<void> {
  const log = (level: string, text: string): void => options.log(fn.name, level, text);
  const decoded = decodeQueueMessage(message.messageText, settings.messageEncoding);
  if (decoded === undefined) {
    // As the extension does: no retry and no invocation, the message goes to the poison queue untouched.
    await poisonMessage(options, message, message.popReceipt);
    log(
      'warning',
      `message ${message.messageId} is not valid ${settings.messageEncoding} (host.json extensions.queues.messageEncoding): moved to ${options.poison.name} without calling the function`,
    );
    return;
  }
  const lease = holdMessage(options.queue, message, settings.visibilityTimeoutSeconds, log);
  const context = new InvocationContext({
    functionName: fn.name,
    invocationId: crypto.randomUUID(),
    logHandler: (level, ...args) => log(level, args.map(String).join(' ')),
  });
  const failure = await Promise.resolve()
    .then(() => fn.handler(queueTriggerInput(decoded), context))
    .then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  const popReceipt = await lease.end();
  if (!failure) {
    await options.queue.deleteMessage(message.messageId, popReceipt);
    return;
  }
  const { error } = failure;
  log(
    'error',
    `failed (try ${message.dequeueCount}): ${error instanceof Error ? error.message : String(error)}`,
  );
  if (message.dequeueCount >= settings.maxDequeueCount) {
    await poisonMessage(options, message, popReceipt);
    log('warning', `message ${message.messageId} moved to ${options.poison.name}`);
  } else {
    // As the host does: the retry comes one visibility timeout after the failure, not after the receive.
    await options.queue.updateMessage(
      message.messageId,
      popReceipt,
      undefined,
      settings.visibilityTimeoutSeconds,
    );
  }
}

/** Copies the message's raw text to the poison queue, then deletes it from the queue. */
async function poisonMessage(
  options: QueueDriverOptions,
  message: DequeuedMessageItem,
  popReceipt: string,
): Promise<void> {
  await options.poison.sendMessage(message.messageText);
  await options.queue.deleteMessage(message.messageId, popReceipt);
}
