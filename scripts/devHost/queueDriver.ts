/**
 * The dev host's queue trigger: polls a Storage queue and calls the registered handler per message, with
 * the host's semantics — base64 decoding, JSON parsed when it is JSON, delete on success, redelivery after
 * the visibility timeout on failure, and a `<queue>-poison` queue after `maxDequeueCount` tries.
 */
import { InvocationContext } from '@azure/functions';
import type { QueueClient } from '@azure/storage-queue';
import type { RegisteredFunction } from './loadApp.js';

/** Options of {@link startQueueDriver}. */
export interface QueueDriverOptions {
  readonly queue: QueueClient;
  readonly poison: QueueClient;
  readonly maxDequeueCount?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly batchSize?: number;
  readonly idlePollMs?: number;
  readonly log: (functionName: string, level: string, message: string) => void;
}

/** A running driver; `stop()` waits for in-flight messages. */
export interface QueueDriver {
  stop(): Promise<void>;
}

/** Starts polling `options.queue` for `fn`. */
export function startQueueDriver(fn: RegisteredFunction, options: QueueDriverOptions): QueueDriver {
  let stopped = false;
  const loop = (async () => {
    await options.queue.createIfNotExists();
    await options.poison.createIfNotExists();
    while (!stopped) {
      let handled = 0;
      try {
        const batch = await options.queue.receiveMessages({
          numberOfMessages: options.batchSize ?? 16,
          visibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
        });
        handled = batch.receivedMessageItems.length;
        await Promise.all(batch.receivedMessageItems.map((m) => handle(fn, options, m)));
      } catch (error) {
        if (!stopped)
          options.log(
            fn.name,
            'error',
            `queue poll failed: ${error instanceof Error ? error.message : String(error)}`,
          );
      }
      if (handled === 0 && !stopped) await new Promise((r) => setTimeout(r, options.idlePollMs ?? 500));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

async function handle(
  fn: RegisteredFunction,
  options: QueueDriverOptions,
  message: { messageId: string; popReceipt: string; messageText: string; dequeueCount: number },
): Promise<void> {
  const context = new InvocationContext({
    functionName: fn.name,
    invocationId: crypto.randomUUID(),
    logHandler: (level, ...args) => options.log(fn.name, level, args.map(String).join(' ')),
  });
  try {
    await fn.handler(decode(message.messageText), context);
    await options.queue.deleteMessage(message.messageId, message.popReceipt);
  } catch (error) {
    options.log(
      fn.name,
      'error',
      `failed (try ${message.dequeueCount}): ${error instanceof Error ? error.message : String(error)}`,
    );
    if (message.dequeueCount >= (options.maxDequeueCount ?? 5)) {
      await options.poison.sendMessage(message.messageText);
      await options.queue.deleteMessage(message.messageId, message.popReceipt);
      options.log(fn.name, 'warning', `message ${message.messageId} moved to ${options.poison.name}`);
    }
  }
}

/** As the host does with `messageEncoding: base64`: decode, then hand over JSON as an object. */
function decode(text: string): unknown {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : text;
  try {
    return JSON.parse(decoded) as unknown;
  } catch {
    return decoded;
  }
}
