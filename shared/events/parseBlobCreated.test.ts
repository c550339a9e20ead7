import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobAddressProblem } from '../validation/blobAddress.js';
import { COMMITTED_BLOB_APIS, type BlobCreatedEvent } from './blobCreatedEvent.js';
import {
  buildBlobCreatedEvent as builderFromItsModule,
  encodeQueueMessage,
  toCloudEvent,
  type EventGridBlobCreatedEvent,
} from './buildBlobCreatedEvent.js';
import {
  buildBlobCreatedEvent,
  parseBlobCreatedMessage,
  type IgnoredCode,
  type ParsedBlobCreated,
} from './parseBlobCreated.js';

const OPTIONS = { sourceContainer: 'uploads' };

const EVENT = buildBlobCreatedEvent({
  container: 'uploads',
  blobName: 'campaign/summer video.mp4',
  api: 'PutBlockList',
  eTag: '0x8DC1234567890AB',
  contentType: 'video/mp4',
  contentLength: 1048576,
  id: 'e2d3c4b5-0000-4000-8000-000000000001',
  eventTime: '2026-11-25T10:00:00.000Z',
  sequencer: '0000000000000000000000000001a2b3',
});

const EXPECTED: BlobCreatedEvent = {
  id: 'e2d3c4b5-0000-4000-8000-000000000001',
  container: 'uploads',
  blobName: 'campaign/summer video.mp4',
  api: 'PutBlockList',
  eTag: '0x8DC1234567890AB',
  contentType: 'video/mp4',
  contentLength: 1048576,
  url: 'http://127.0.0.1:10000/devstoreaccount1/uploads/campaign/summer%20video.mp4',
  sequencer: '0000000000000000000000000001a2b3',
  eventTime: '2026-11-25T10:00:00.000Z',
  schema: 'event-grid',
};

const parse = (message: unknown): ParsedBlobCreated => parseBlobCreatedMessage(message, OPTIONS);

/** A copy of EVENT with `changes` applied to the envelope and `dataChanges` to `data` (undefined deletes). */
function variant(changes: Record<string, unknown> = {}, dataChanges: Record<string, unknown> = {}): object {
  const copy: Record<string, unknown> = { ...EVENT, data: { ...EVENT.data } };
  const data = copy.data as Record<string, unknown>;
  for (const [k, v] of Object.entries(changes))
    if (v === undefined) delete copy[k];
    else copy[k] = v;
  for (const [k, v] of Object.entries(dataChanges))
    if (v === undefined) delete data[k];
    else data[k] = v;
  return copy;
}

function expectIgnored(result: ParsedBlobCreated, code: IgnoredCode, reason: string | RegExp): void {
  expect(result).toMatchObject({ kind: 'ignored', code });
  if (result.kind === 'ignored') {
    if (typeof reason === 'string') expect(result.reason).toContain(reason);
    else expect(result.reason).toMatch(reason);
  }
}

describe('parseBlobCreatedMessage — accepted', () => {
  it('re-exports the builder from the parser module', () => {
    expect(buildBlobCreatedEvent).toBe(builderFromItsModule);
  });

  const json = JSON.stringify(EVENT);
  const cloud = toCloudEvent(EVENT);
  it.each([
    ['a parsed Event Grid event', EVENT, 'event-grid'],
    ['a JSON string', json, 'event-grid'],
    ['base64 (what Event Grid writes to the queue)', encodeQueueMessage(EVENT), 'event-grid'],
    ['a Buffer of JSON', Buffer.from(json), 'event-grid'],
    ['a Uint8Array of base64', new TextEncoder().encode(encodeQueueMessage(EVENT)), 'event-grid'],
    ['a one-element array', [EVENT], 'event-grid'],
    ['a JSON one-element array', JSON.stringify([EVENT]), 'event-grid'],
    ['base64 of a one-element array', encodeQueueMessage([EVENT]), 'event-grid'],
    ['a CloudEvent', cloud, 'cloud-events'],
    ['a base64 CloudEvent', encodeQueueMessage(cloud), 'cloud-events'],
    ['a one-element CloudEvents array', [cloud], 'cloud-events'],
  ])('reads %s', (_label, message, schema) => {
    expect(parse(message)).toEqual({ kind: 'blob-created', event: { ...EXPECTED, schema } });
  });

  it.each([...COMMITTED_BLOB_APIS])('acts on data.api %s', (api) => {
    expect(parse(variant({}, { api }))).toMatchObject({ kind: 'blob-created', event: { api } });
  });

  it('acts when data.blobType is absent', () => {
    expect(parse(variant({}, { blobType: undefined })).kind).toBe('blob-created');
  });

  it('drops malformed advisory fields instead of the event', () => {
    const result = parse(
      variant({ eventTime: 42 }, { contentLength: '12', eTag: 5, contentType: '', url: null, sequencer: {} }),
    );
    expect(result).toEqual({
      kind: 'blob-created',
      event: {
        id: EXPECTED.id,
        container: 'uploads',
        blobName: 'campaign/summer video.mp4',
        api: 'PutBlockList',
        schema: 'event-grid',
      },
    });
  });

  it.each([-1, 1.5])('drops a contentLength of %d', (contentLength) => {
    const result = parse(variant({}, { contentLength }));
    expect(result.kind === 'blob-created' && result.event.contentLength).toBe(undefined);
  });

  it('reads only id, type and data from a minimal Event Grid event', () => {
    const minimal = {
      id: 'x',
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/uploads/blobs/a.png',
      data: { api: 'PutBlob' },
    };
    expect(parse(minimal)).toEqual({
      kind: 'blob-created',
      event: { id: 'x', container: 'uploads', blobName: 'a.png', api: 'PutBlob', schema: 'event-grid' },
    });
  });

  it('maps a CloudEvent’s time to eventTime', () => {
    const result = parse({ ...toCloudEvent(EVENT), time: '2026-01-02T03:04:05Z' });
    expect(result.kind === 'blob-created' && result.event.eventTime).toBe('2026-01-02T03:04:05Z');
  });
});

describe('parseBlobCreatedMessage — where the blob is', () => {
  it.each([
    ['a URL-encoded subject', 'a%20b.png', 'https://x.blob.core.windows.net/uploads/a%20b.png', 'a b.png'],
    ['a raw subject with spaces', 'a b.png', 'https://x.blob.core.windows.net/uploads/a%20b.png', 'a b.png'],
    [
      'a name that contains %xx, per the URL',
      'a%41.png',
      'https://x.blob.core.windows.net/uploads/a%2541.png',
      'a%41.png',
    ],
    ['a name with a lone %', '100%.png', 'https://x.blob.core.windows.net/uploads/100%25.png', '100%.png'],
    ['a name with folders', 'a/b/c.png', 'https://x.blob.core.windows.net/uploads/a/b/c.png', 'a/b/c.png'],
    [
      'non-ASCII',
      'été/🎬.mp4',
      'https://x.blob.core.windows.net/uploads/%C3%A9t%C3%A9/%F0%9F%8E%AC.mp4',
      'été/🎬.mp4',
    ],
  ])('reads %s', (_label, rawName, url, blobName) => {
    const result = parse(
      variant({ subject: `/blobServices/default/containers/uploads/blobs/${rawName}` }, { url }),
    );
    expect(result).toMatchObject({ kind: 'blob-created', event: { container: 'uploads', blobName } });
  });

  it('URL-decodes the subject when there is no URL to compare with', () => {
    const result = parse(
      variant({ subject: '/blobServices/default/containers/uploads/blobs/a%41.png' }, { url: undefined }),
    );
    expect(result).toMatchObject({ kind: 'blob-created', event: { blobName: 'aA.png' } });
  });

  it('trusts the subject’s container over the URL’s', () => {
    const result = parse(
      variant({}, { url: 'https://x.blob.core.windows.net/elsewhere/campaign/summer%20video.mp4' }),
    );
    expect(result).toMatchObject({ kind: 'blob-created', event: { container: 'uploads' } });
  });

  it.each([
    ['there is no subject', { subject: undefined }],
    ['the subject is not a blob subject', { subject: '/something/else' }],
  ])('falls back to data.url when %s', (_label, changes) => {
    expect(parse(variant(changes))).toMatchObject({
      kind: 'blob-created',
      event: { container: 'uploads', blobName: 'campaign/summer video.mp4' },
    });
  });

  it('reads a CloudEvent without subject from an Azurite URL', () => {
    const { subject: _omit, ...cloud } = toCloudEvent(EVENT);
    expect(parse(cloud)).toMatchObject({
      kind: 'blob-created',
      event: { blobName: 'campaign/summer video.mp4' },
    });
  });

  it('ignores an event that names no blob', () => {
    expectIgnored(
      parse(variant({ subject: undefined }, { url: undefined })),
      'no-blob-path',
      'neither the subject nor data.url names a container and blob',
    );
    expectIgnored(
      parse(variant({ subject: '/blobServices/default/containers/uploads' }, { url: 'https://x/uploads' })),
      'no-blob-path',
      'names a container and blob',
    );
  });

  it('ignores another container, naming it', () => {
    const result = parse(buildBlobCreatedEvent({ container: 'mediamagic-results', blobName: 'r.json' }));
    expectIgnored(
      result,
      'other-container',
      'the blob is in container mediamagic-results, not the source container uploads',
    );
  });

  it.each([
    ['a ".." segment leading out of the container', '../other/x', 'dot-segment'],
    ['a ".." segment onto another blob', 'x/../clip.mp4', 'dot-segment'],
    ['a "." segment', './clip.mp4', 'dot-segment'],
    ['a backslash', '..\\other\\x', 'backslash'],
    ['a trailing dot', 'clip.mp4.', 'trailing-dot'],
    ['a trailing slash', 'clip.mp4/', 'empty-segment'],
  ])('ignores a name with %s, before any storage call', (_label, rawName, kind) => {
    const subject = `/blobServices/default/containers/uploads/blobs/${rawName}`;
    for (const message of [
      variant({ subject }, { url: undefined }),
      variant({ subject }, { url: `https://x.blob.core.windows.net/uploads/${rawName}` }),
      toCloudEvent(buildBlobCreatedEvent({ container: 'uploads', blobName: rawName })),
    ]) {
      expectIgnored(parse(message), 'unsafe-blob-name', `the blob name is refused (${kind})`);
    }
  });

  it('ignores a ".." segment that only decoding reveals, and keeps a literal "%2E%2E" name', () => {
    const subject = '/blobServices/default/containers/uploads/blobs/%2E%2E/other/x';
    expectIgnored(parse(variant({ subject }, { url: undefined })), 'unsafe-blob-name', '(dot-segment)');
    const literal = parse(buildBlobCreatedEvent({ container: 'uploads', blobName: '%2E%2E/other/x' }));
    expect(literal).toMatchObject({ kind: 'blob-created', event: { blobName: '%2E%2E/other/x' } });
  });

  it('ignores an unsafe name found only in data.url', () => {
    expectIgnored(
      parse(
        variant({ subject: undefined }, { url: 'https://x.blob.core.windows.net/uploads/x/../clip.mp4' }),
      ),
      'unsafe-blob-name',
      'contains a "." or ".." path segment, which storage resolves to another blob',
    );
  });

  it('compares containers exactly', () => {
    expect(parse(buildBlobCreatedEvent({ container: 'uploads2', blobName: 'a.png' })).kind).toBe('ignored');
    expect(parseBlobCreatedMessage(EVENT, { sourceContainer: 'uploads2' }).kind).toBe('ignored');
  });
});

describe('parseBlobCreatedMessage — ignored', () => {
  it.each([
    [
      'PutBlock',
      'data.api PutBlock does not commit a block blob (acting only on PutBlob, PutBlockList, CopyBlob, FlushWithClose)',
    ],
    ['AppendBlock', 'data.api AppendBlock does not commit a block blob'],
    ['PutPage', 'data.api PutPage'],
    ['putblob', 'data.api putblob'],
    ['', 'data.api  does not commit'],
  ])('ignores the uncommitted write %j', (api, reason) => {
    expectIgnored(parse(variant({}, { api })), 'uncommitted-write', reason);
  });

  it.each(['AppendBlob', 'PageBlob', 'blockblob'])('ignores data.blobType %s', (blobType) => {
    expectIgnored(
      parse(variant({}, { blobType })),
      'not-block-blob',
      `data.blobType is ${blobType}, not BlockBlob`,
    );
  });

  it.each([
    [
      'an Event Grid BlobDeleted',
      variant({ eventType: 'Microsoft.Storage.BlobDeleted' }),
      'Microsoft.Storage.BlobDeleted',
    ],
    [
      'a CloudEvents BlobTierChanged',
      { ...toCloudEvent(EVENT), type: 'Microsoft.Storage.BlobTierChanged' },
      'Microsoft.Storage.BlobTierChanged',
    ],
    [
      'a subscription validation event',
      variant({ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent' }),
      'Microsoft.EventGrid.SubscriptionValidationEvent',
    ],
  ])('ignores %s, naming the type', (_label, message, type) => {
    expectIgnored(
      parse(message),
      'other-event-type',
      `event type ${type} is not Microsoft.Storage.BlobCreated`,
    );
  });

  it.each([
    ['undefined', undefined, 'empty', 'the message is empty'],
    ['an empty string', '', 'empty', 'the message is empty'],
    ['an empty Buffer', Buffer.alloc(0), 'empty', 'the message is empty'],
    ['plain text', 'hello', 'not-json', 'neither JSON nor base64'],
    ['malformed base64', 'eyJpZCI6ImEi!!', 'not-json', 'neither JSON nor base64'],
    [
      'base64 of binary',
      Buffer.from([0xc3, 0x28, 0xa0]).toString('base64'),
      'not-utf8',
      'does not decode to UTF-8',
    ],
    ['truncated JSON', JSON.stringify(EVENT).slice(0, 50), 'not-json', 'not valid JSON'],
    ['a number', 42, 'not-an-event', 'the message is a number, not an event object'],
    ['a boolean', true, 'not-an-event', 'a boolean'],
    ['JSON null', 'null', 'not-an-event', 'the message is null'],
    ['an empty array', [], 'batch', 'the message holds 0 events; expected exactly one'],
    ['two events', [EVENT, EVENT], 'batch', 'the message holds 2 events'],
    ['a nested array', [[EVENT]], 'not-an-event', 'an array'],
    [
      'an unrelated object',
      { hello: 'world' },
      'not-an-event',
      'neither an Event Grid event (eventType) nor a CloudEvent (specversion)',
    ],
    [
      'an Event Grid event without id',
      variant({ id: undefined }),
      'invalid-event',
      /^malformed Event Grid event: id: /,
    ],
    ['an Event Grid event with an empty id', variant({ id: '' }), 'invalid-event', 'id: id is empty'],
    ['a non-string eventType', variant({ eventType: 7 }), 'invalid-event', 'eventType'],
    ['a non-string subject', variant({ subject: 7 }), 'invalid-event', 'subject'],
    [
      'a CloudEvent of another version',
      { ...toCloudEvent(EVENT), specversion: '0.3' },
      'invalid-event',
      'specversion must be "1.0"',
    ],
    [
      'a CloudEvent without source',
      { ...toCloudEvent(EVENT), source: undefined },
      'invalid-event',
      /^malformed CloudEvent: source: /,
    ],
    [
      'an event without data',
      variant({ data: undefined }),
      'invalid-event',
      /^the event's data is malformed: data: /,
    ],
    ['data that is a string', variant({ data: 'x' }), 'invalid-event', "the event's data is malformed"],
    ['data without api', variant({}, { api: undefined }), 'invalid-event', 'data.api: must be a string'],
  ])('ignores %s', (_label, message, code, reason) => {
    expectIgnored(parse(message), code as IgnoredCode, reason);
  });
});

describe('parseBlobCreatedMessage — properties', () => {
  const nameSegment = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 10 })
    .filter((s) => !s.includes('/'));
  const blobName = fc.array(nameSegment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
  const container = fc.stringMatching(/^[a-z0-9]{3,12}$/);

  it('round-trips any built event through every delivery form and both schemas', () => {
    fc.assert(
      fc.property(
        container,
        blobName,
        fc.constantFrom(...COMMITTED_BLOB_APIS),
        fc.nat(),
        (c, name, api, size) => {
          fc.pre(blobAddressProblem(name) === undefined);
          const event: EventGridBlobCreatedEvent = buildBlobCreatedEvent({
            container: c,
            blobName: name,
            api,
            contentLength: size,
            contentType: 'image/png',
          });
          const cloud = toCloudEvent(event);
          const forms: [unknown, string][] = [
            [event, 'event-grid'],
            [JSON.stringify(event), 'event-grid'],
            [encodeQueueMessage(event), 'event-grid'],
            [Buffer.from(encodeQueueMessage([event])), 'event-grid'],
            [cloud, 'cloud-events'],
            [encodeQueueMessage(cloud), 'cloud-events'],
          ];
          for (const [message, schema] of forms) {
            expect(parseBlobCreatedMessage(message, { sourceContainer: c })).toEqual({
              kind: 'blob-created',
              event: {
                id: event.id,
                container: c,
                blobName: name,
                api,
                eTag: event.data.eTag,
                contentType: 'image/png',
                contentLength: size,
                url: event.data.url,
                sequencer: event.data.sequencer,
                eventTime: event.eventTime,
                schema,
              },
            });
          }
        },
      ),
    );
  });

  it('ignores any built event for another container', () => {
    fc.assert(
      fc.property(container, container, blobName, (c, other, name) => {
        fc.pre(c !== other);
        const result = parseBlobCreatedMessage(buildBlobCreatedEvent({ container: other, blobName: name }), {
          sourceContainer: c,
        });
        expect(result).toMatchObject({ kind: 'ignored', code: 'other-container' });
      }),
    );
  });

  it('never throws and always explains what it ignores', () => {
    const eventish = fc.record(
      {
        id: fc.oneof(fc.string(), fc.anything()),
        eventType: fc.oneof(fc.constant('Microsoft.Storage.BlobCreated'), fc.anything()),
        specversion: fc.oneof(fc.constant('1.0'), fc.anything()),
        type: fc.anything(),
        source: fc.anything(),
        subject: fc.oneof(
          fc.constant('/blobServices/default/containers/uploads/blobs/a'),
          fc.string(),
          fc.anything(),
        ),
        data: fc.oneof(
          fc.record({ api: fc.constantFrom('PutBlob', 'PutBlock'), url: fc.string() }),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    const message = fc.oneof(
      fc.anything(),
      fc.string({ unit: 'binary' }),
      fc.base64String(),
      fc.uint8Array(),
      eventish,
      eventish.map((e) => JSON.stringify(e) ?? ''),
      eventish.map((e) => encodeQueueMessage([e])),
    );
    fc.assert(
      fc.property(message, (m) => {
        const result = parse(m);
        if (result.kind === 'ignored') {
          expect(result.reason.length).toBeGreaterThan(5);
          expect(result.code).not.toBe('internal');
        } else {
          expect(result.event.container).toBe('uploads');
          expect(result.event.blobName.length).toBeGreaterThan(0);
          expect(COMMITTED_BLOB_APIS).toContain(result.event.api);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
