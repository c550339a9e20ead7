/**
 * Builds the BlobCreated events and queue messages Event Grid would write, for tests and for the local
 * event bridge (Azurite raises no Event Grid events). The shapes follow Event Grid's documented blob
 * storage schema; `toCloudEvent` gives the CloudEvents 1.0 form of the same event.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BLOB_CREATED_EVENT_TYPE, blobSubject, blobUrl } from './blobCreatedEvent.js';

/** What to build an event for. Everything but the blob's location has a realistic default. */
export interface BlobCreatedEventInput {
  readonly container: string;
  readonly blobName: string;
  /** Default `PutBlob`. Any string, so tests can build the events the parser must ignore. */
  readonly api?: string;
  /** Default `BlockBlob`. */
  readonly blobType?: string;
  readonly eTag?: string;
  readonly contentType?: string;
  readonly contentLength?: number;
  /** The blob service URL; default Azurite's `http://127.0.0.1:10000/devstoreaccount1`. */
  readonly blobEndpoint?: string;
  /** The storage account, for `topic`; default `devstoreaccount1`. */
  readonly accountName?: string;
  readonly id?: string;
  readonly eventTime?: Date | string;
  readonly sequencer?: string;
}

/** The `data` of a BlobCreated event, as Event Grid sends it. */
export interface BlobCreatedEventData {
  readonly api: string;
  readonly clientRequestId: string;
  readonly requestId: string;
  readonly eTag: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly blobType: string;
  readonly url: string;
  readonly sequencer: string;
  readonly storageDiagnostics: { readonly batchId: string };
}

/** A BlobCreated event in the Event Grid schema. */
export interface EventGridBlobCreatedEvent {
  readonly topic: string;
  readonly subject: string;
  readonly eventType: typeof BLOB_CREATED_EVENT_TYPE;
  readonly id: string;
  readonly data: BlobCreatedEventData;
  readonly dataVersion: string;
  readonly metadataVersion: '1';
  readonly eventTime: string;
}

/** The same event in the CloudEvents 1.0 schema. */
export interface CloudBlobCreatedEvent {
  readonly specversion: '1.0';
  readonly type: typeof BLOB_CREATED_EVENT_TYPE;
  readonly source: string;
  readonly subject: string;
  readonly id: string;
  readonly time: string;
  readonly data: BlobCreatedEventData;
}

const AZURITE_BLOB_ENDPOINT = 'http://127.0.0.1:10000/devstoreaccount1';

/** A BlobCreated event (Event Grid schema) for one blob. */
export function buildBlobCreatedEvent(input: BlobCreatedEventInput): EventGridBlobCreatedEvent {
  const eventTime = input.eventTime === undefined ? new Date() : new Date(input.eventTime);
  const account = input.accountName ?? 'devstoreaccount1';
  return {
    topic: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/${account}`,
    subject: blobSubject(input.container, input.blobName),
    eventType: BLOB_CREATED_EVENT_TYPE,
    id: input.id ?? randomUUID(),
    data: {
      api: input.api ?? 'PutBlob',
      clientRequestId: randomUUID(),
      requestId: randomUUID(),
      eTag: input.eTag ?? `0x8D${randomBytes(7).toString('hex').toUpperCase()}`,
      contentType: input.contentType ?? 'application/octet-stream',
      contentLength: input.contentLength ?? 0,
      blobType: input.blobType ?? 'BlockBlob',
      url: blobUrl(input.blobEndpoint ?? AZURITE_BLOB_ENDPOINT, input.container, input.blobName),
      sequencer: input.sequencer ?? eventTime.getTime().toString(16).padStart(32, '0'),
      storageDiagnostics: { batchId: randomUUID() },
    },
    dataVersion: '',
    metadataVersion: '1',
    eventTime: eventTime.toISOString(),
  };
}

/** The CloudEvents 1.0 form of an Event Grid event (`topic` → `source`, `eventTime` → `time`). */
export function toCloudEvent(event: EventGridBlobCreatedEvent): CloudBlobCreatedEvent {
  return {
    specversion: '1.0',
    type: event.eventType,
    source: event.topic,
    subject: event.subject,
    id: event.id,
    time: event.eventTime,
    data: event.data,
  };
}

/** The queue message Event Grid writes for an event: base64 of its JSON. */
export function encodeQueueMessage(event: object): string {
  return Buffer.from(JSON.stringify(event), 'utf8').toString('base64');
}
