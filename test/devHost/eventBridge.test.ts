import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeQueueMessage } from '../../shared/events/decodeQueueMessage.js';
import { startEventBridge } from '../../scripts/devHost/eventBridge.js';
import { useAzurite } from '../support/azurite.js';

/** The blob names of the BlobCreated events waiting in `queue`. */
async function namesIn(queue: QueueClient): Promise<string[]> {
  if (!(await queue.exists())) return [];
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems
    .map((m) => {
      const decoded = decodeQueueMessage(m.messageText);
      const subject = decoded.ok ? (decoded.value as { subject?: string }).subject : undefined;
      return (subject ?? '').replace(/^.*\/blobs\//, '');
    })
    .sort();
}

describe('dev host event bridge (against Azurite)', () => {
  const azurite = useAzurite();

  it("routes each new blob's event: delivered, dropped, or moved to the poison queue as the host would", async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    const queues = QueueServiceClient.fromConnectionString(azurite.current.connectionString);
    const container = blobs.getContainerClient('bridge-routes');
    const queue = queues.getQueueClient('bridge-events');
    const poisonQueue = queues.getQueueClient('bridge-events-poison');
    const bridge = await startEventBridge(container, queue, {
      pollMs: 50,
      log: () => undefined,
      route: (name) =>
        name.startsWith('drop/') ? 'drop' : name.startsWith('poison/') ? 'poison' : 'deliver',
      poisonQueue,
    });
    try {
      for (const name of ['a.png', 'drop/b.png', 'poison/c.png', 'd.png'])
        await container.getBlockBlobClient(name).upload('x', 1);
      for (let i = 0; i < 200 && bridge.forwarded() < 3; i++) await sleep(25);
      await sleep(200); // one more poll: a dropped event must stay dropped

      expect(await namesIn(queue)).toEqual(['a.png', 'd.png']);
      expect(await namesIn(poisonQueue)).toEqual(['poison/c.png']);
      expect(bridge.forwarded()).toBe(3);
    } finally {
      await bridge.stop();
    }
  });
});
