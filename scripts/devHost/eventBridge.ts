/**
 * Azurite raises no Event Grid events, so locally this bridge plays Event Grid's part: it watches the
 * source container and writes, for every new or changed block blob, the same base64 BlobCreated message
 * Event Grid would put on the queue. Blobs present when it starts are left alone — exactly as in Azure,
 * where they need the `backfill` command.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import { buildBlobCreatedEvent, encodeQueueMessage } from '../../shared/events/buildBlobCreatedEvent.js';

/** A running bridge. */
export interface EventBridge {
  readonly forwarded: () => number;
  stop(): Promise<void>;
}

/** Starts watching `container`, enqueueing on `queue`. */
export async function startEventBridge(
  container: ContainerClient,
  queue: QueueClient,
  options: { readonly pollMs?: number; readonly log: (message: string) => void },
): Promise<EventBridge> {
  await container.createIfNotExists();
  await queue.createIfNotExists();
  const seen = new Map<string, string>();
  for await (const blob of container.listBlobsFlat()) seen.set(blob.name, blob.properties.etag ?? '');
  let forwarded = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for await (const blob of container.listBlobsFlat()) {
          const etag = blob.properties.etag ?? '';
          if (seen.get(blob.name) === etag || blob.properties.blobType !== 'BlockBlob') continue;
          seen.set(blob.name, etag);
          const event = buildBlobCreatedEvent({
            container: container.containerName,
            blobName: blob.name,
            eTag: etag,
            contentLength: blob.properties.contentLength ?? 0,
            ...(blob.properties.contentType ? { contentType: blob.properties.contentType } : {}),
            blobEndpoint: container.url.slice(0, container.url.lastIndexOf('/')),
          });
          await queue.sendMessage(encodeQueueMessage(event));
          forwarded++;
          options.log(`BlobCreated → ${queue.name}: ${blob.name}`);
        }
      } catch (error) {
        if (!stopped)
          options.log(`bridge poll failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1_000));
    }
  })();
  return {
    forwarded: () => forwarded,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
