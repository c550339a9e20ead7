import { describe, expect, it } from 'vitest';
import { buildBlobCreatedEvent, encodeQueueMessage, toCloudEvent } from './buildBlobCreatedEvent.js';

describe('buildBlobCreatedEvent', () => {
  it('builds the Event Grid schema BlobCreated event', () => {
    const event = buildBlobCreatedEvent({
      container: 'uploads',
      blobName: 'dir/a b.png',
      api: 'PutBlockList',
      eTag: '0x8DC0000000000AA',
      contentType: 'image/png',
      contentLength: 42,
      blobEndpoint: 'https://acct.blob.core.windows.net/',
      accountName: 'acct',
      id: 'id-1',
      eventTime: new Date('2026-11-25T10:00:00Z'),
      sequencer: '00000000000000000000000000000001',
    });
    expect(event).toEqual({
      topic:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/acct',
      subject: '/blobServices/default/containers/uploads/blobs/dir/a b.png',
      eventType: 'Microsoft.Storage.BlobCreated',
      id: 'id-1',
      data: {
        api: 'PutBlockList',
        clientRequestId: expect.any(String) as string,
        requestId: expect.any(String) as string,
        eTag: '0x8DC0000000000AA',
        contentType: 'image/png',
        contentLength: 42,
        blobType: 'BlockBlob',
        url: 'https://acct.blob.core.windows.net/uploads/dir/a%20b.png',
        sequencer: '00000000000000000000000000000001',
        storageDiagnostics: { batchId: expect.any(String) as string },
      },
      dataVersion: '',
      metadataVersion: '1',
      eventTime: '2026-11-25T10:00:00.000Z',
    });
  });

  it('defaults to a committed PutBlob of a block blob in Azurite, with fresh ids', () => {
    const a = buildBlobCreatedEvent({ container: 'uploads', blobName: 'a.png' });
    const b = buildBlobCreatedEvent({ container: 'uploads', blobName: 'a.png' });
    expect(a.data).toMatchObject({
      api: 'PutBlob',
      blobType: 'BlockBlob',
      contentType: 'application/octet-stream',
      contentLength: 0,
      url: 'http://127.0.0.1:10000/devstoreaccount1/uploads/a.png',
    });
    expect(a.topic).toMatch(/\/storageAccounts\/devstoreaccount1$/);
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.data.eTag).toMatch(/^0x8D[0-9A-F]{14}$/);
    expect(Number.isNaN(Date.parse(a.eventTime))).toBe(false);
  });

  it('derives sequencers that sort in event-time order', () => {
    const at = (iso: string): string =>
      buildBlobCreatedEvent({ container: 'c', blobName: 'a', eventTime: iso }).data.sequencer;
    const earlier = at('2026-01-01T00:00:00Z');
    const later = at('2026-01-01T00:00:01Z');
    expect(earlier).toHaveLength(32);
    expect(earlier < later).toBe(true);
  });

  it('lets tests build the events the parser must ignore', () => {
    const event = buildBlobCreatedEvent({
      container: 'c',
      blobName: 'a',
      api: 'PutBlock',
      blobType: 'AppendBlob',
    });
    expect(event.data).toMatchObject({ api: 'PutBlock', blobType: 'AppendBlob' });
  });
});

describe('toCloudEvent', () => {
  it('maps the Event Grid envelope onto CloudEvents 1.0', () => {
    const event = buildBlobCreatedEvent({ container: 'uploads', blobName: 'a.png', id: 'id-2' });
    expect(toCloudEvent(event)).toEqual({
      specversion: '1.0',
      type: 'Microsoft.Storage.BlobCreated',
      source: event.topic,
      subject: event.subject,
      id: 'id-2',
      time: event.eventTime,
      data: event.data,
    });
  });
});

describe('encodeQueueMessage', () => {
  it('writes base64 of the JSON, as Event Grid does', () => {
    const event = buildBlobCreatedEvent({ container: 'uploads', blobName: 'é.png' });
    const message = encodeQueueMessage(event);
    expect(message).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(JSON.parse(Buffer.from(message, 'base64').toString('utf8'))).toEqual(event);
  });
});
