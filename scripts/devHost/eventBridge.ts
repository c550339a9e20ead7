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

/**
 * Where the bridge puts one blob's event. `drop` plays an event Event Grid never delivered; `poison` plays a
 * message the host gave up on (moved to `poisonQueue` unchanged). The chaos soak uses both to prove the
 * scheduled sweep finds such files; `npm start` delivers everything.
 */
export type EventRoute = 'deliver' | 'drop' | 'poison';

/** How the bridge runs. */
export interface EventBridgeOptions {
  readonly pollMs?: number;
  readonly log: (message: string) => void;
  /** Default: every event delivered. */
  readonly route?: (blobName: string) => EventRoute;
  /** Where `poison` events go; required when `route` can answer `poison`. */
  readonly poisonQueue?: QueueClient;
}

/** Starts watching `container`, enqueueing on `queue`. */
export async function startEventBridge(
  container: ContainerClient,
  queue: QueueClient,
  options: EventBridgeOptions,
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
          const route = options.route?.(blob.name) ?? 'deliver';
          if (route === 'drop') {
            options.log(`BlobCreated dropped (chaos): ${blob.name}`);
            continue;
          }
          const target = route === 'poison' ? options.poisonQueue : queue;
          if (target === undefined) throw new Error('the bridge has no poison queue to route to');
          if (route === 'poison') await target.createIfNotExists();
          await target.sendMessage(encodeQueueMessage(event));
          forwarded++;
          options.log(`BlobCreated → ${target.name}: ${blob.name}`);
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
