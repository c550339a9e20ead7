/**
 * Keeps a received queue message invisible while its handler runs, as the Functions host does: halfway to
 * the visibility timeout it pushes the timeout out again, so a handler that outlives it (a long rate-limit
 * wait) is not handed the same message a second time while still working on it.
 */
import type { QueueClient } from '@azure/storage-queue';

/** A message held invisible until {@link MessageLease.end}. */
export interface MessageLease {
  /**
   * Stops renewing and resolves to the pop receipt valid now: every renewal replaces it, so a delete or
   * update with the receipt the message was received with would be refused.
   */
  end(): Promise<string>;
}

/** Starts renewing `message`'s invisibility every half `visibilityTimeoutSeconds`. */
export function holdMessage(
  queue: QueueClient,
  message: { readonly messageId: string; readonly popReceipt: string },
  visibilityTimeoutSeconds: number,
  log: (level: string, message: string) => void,
): MessageLease {
  let popReceipt = message.popReceipt;
  // Renewals run one after another, and `end` waits for the last, so the receipt it returns is never stale.
  let renewing = Promise.resolve();
  const renew = async (): Promise<void> => {
    try {
      const updated = await queue.updateMessage(
        message.messageId,
        popReceipt,
        undefined,
        visibilityTimeoutSeconds,
      );
      popReceipt = updated.popReceipt ?? popReceipt;
      log(
        'debug',
        `message ${message.messageId} still in progress: invisible for another ${visibilityTimeoutSeconds} s`,
      );
    } catch (error) {
      log(
        'warning',
        `could not renew message ${message.messageId}'s invisibility (it may be handed out again): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const timer = setInterval(
    () => {
      renewing = renewing.then(renew);
    },
    (visibilityTimeoutSeconds * 1000) / 2,
  );
  return {
    end: async () => {
      clearInterval(timer);
      await renewing;
      return popReceipt;
    },
  };
}
