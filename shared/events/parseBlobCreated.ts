/**
 * Reads a queue message as a BlobCreated event (docs/design.md, decision 1): Event Grid or CloudEvents 1.0
 * schema, a parsed object, JSON, base64 or bytes, alone or as a one-element array. The pipeline acts only on
 * committed block blobs in the source container; everything else comes back as `ignored` with a reason
 * naming the problem, so the handler can log it and complete the message. Never throws: a throw would
 * make the host retry the message until it lands in the poison queue.
 *
 * Where the blob is: the subject (`/blobServices/default/containers/<c>/blobs/<name>`), URL-decoded, with
 * `data.url` as the fallback. When both are present and the decoded subject disagrees with the URL but
 * the raw subject agrees, the raw subject wins: a blob name may itself contain `%xx`.
 *
 * A name that does not address exactly one blob (a `..` segment, a backslash, a trailing dot:
 * ../validation/blobAddress.ts) is ignored here, before any storage call: the storage SDK would resolve
 * `x/../clip.mp4` to `clip.mp4`, and `../other/x` to a blob in another container (docs/design.md,
 * decision 1).
 */
import { z } from 'zod';
import {
  BLOB_CREATED_EVENT_TYPE,
  COMMITTED_BLOB_APIS,
  isCommittedBlobApi,
  parseBlobSubject,
  parseBlobUrl,
  safeDecode,
  type BlobCreatedEvent,
  type EventSchema,
} from './blobCreatedEvent.js';
import { decodeQueueMessage } from './decodeQueueMessage.js';
import { blobAddressProblem } from '../validation/blobAddress.js';

export type { BlobCreatedEvent } from './blobCreatedEvent.js';
// Re-exported so the local event bridge and tests get the builder from the parser's module too.
export { buildBlobCreatedEvent } from './buildBlobCreatedEvent.js';

/** Why a message was not acted on. Stable, for logs and metrics; `reason` carries the detail. */
export type IgnoredCode =
  | 'empty'
  | 'not-utf8'
  | 'not-json'
  | 'batch'
  | 'not-an-event'
  | 'invalid-event'
  | 'other-event-type'
  | 'uncommitted-write'
  | 'not-block-blob'
  | 'no-blob-path'
  | 'other-container'
  | 'unsafe-blob-name'
  | 'internal';

/** The outcome of {@link parseBlobCreatedMessage}. */
export type ParsedBlobCreated =
  | { readonly kind: 'blob-created'; readonly event: BlobCreatedEvent }
  | { readonly kind: 'ignored'; readonly code: IgnoredCode; readonly reason: string };

type Ignored = Extract<ParsedBlobCreated, { kind: 'ignored' }>;

/** What the parser needs to know. */
export interface ParseOptions {
  /** Events for any other container are ignored. */
  readonly sourceContainer: string;
}

// Optional fields are advisory (the pipeline re-reads the blob's properties), so a malformed one is
// dropped rather than costing the event.
const advisoryString = z.string().min(1).optional().catch(undefined);

const BlobCreatedData = z.looseObject({
  api: z.string('must be a string'),
  blobType: advisoryString,
  eTag: advisoryString,
  contentType: advisoryString,
  contentLength: z.number().int().nonnegative().optional().catch(undefined),
  url: advisoryString,
  sequencer: advisoryString,
});

const EventGridEnvelope = z.looseObject({
  id: z.string().min(1, 'id is empty'),
  eventType: z.string(),
  subject: z.string().optional(),
  eventTime: advisoryString,
  data: z.unknown().optional(),
});

const CloudEventEnvelope = z.looseObject({
  specversion: z.literal('1.0', 'specversion must be "1.0"'),
  id: z.string().min(1, 'id is empty'),
  type: z.string(),
  source: z.string(),
  subject: z.string().optional(),
  time: advisoryString,
  data: z.unknown().optional(),
});

/** One envelope, normalised across the two schemas. */
interface Envelope {
  readonly schema: EventSchema;
  readonly id: string;
  readonly type: string;
  readonly subject: string | undefined;
  readonly time: string | undefined;
  readonly data: unknown;
}

/** Parses one queue message. Never throws. */
export function parseBlobCreatedMessage(message: unknown, options: ParseOptions): ParsedBlobCreated {
  try {
    return parse(message, options);
  } catch (error) {
    // Unreachable by design; kept so a bug here is logged as an ignored message, not a poison loop.
    return ignored(
      'internal',
      `parsing failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function parse(message: unknown, options: ParseOptions): ParsedBlobCreated {
  const decoded = decodeQueueMessage(message);
  if (!decoded.ok) return ignored(decoded.code, decoded.reason);

  const single = unwrapSingle(decoded.value);
  if (single.kind === 'ignored') return single;

  const envelope = readEnvelope(single.value);
  if ('kind' in envelope) return envelope;
  if (envelope.type !== BLOB_CREATED_EVENT_TYPE) {
    return ignored('other-event-type', `event type ${envelope.type} is not ${BLOB_CREATED_EVENT_TYPE}`);
  }

  const data = BlobCreatedData.safeParse(envelope.data);
  if (!data.success)
    return ignored('invalid-event', `the event's data is malformed: ${summarise(data.error, 'data')}`);
  const { api, blobType } = data.data;
  if (!isCommittedBlobApi(api)) {
    return ignored(
      'uncommitted-write',
      `data.api ${api} does not commit a block blob (acting only on ${COMMITTED_BLOB_APIS.join(', ')})`,
    );
  }
  if (blobType !== undefined && blobType !== 'BlockBlob') {
    return ignored('not-block-blob', `data.blobType is ${blobType}, not BlockBlob`);
  }

  const location = locateBlob(envelope.subject, data.data.url);
  if (location === undefined) {
    return ignored('no-blob-path', 'neither the subject nor data.url names a container and blob');
  }
  if (location.container !== options.sourceContainer) {
    return ignored(
      'other-container',
      `the blob is in container ${location.container}, not the source container ${options.sourceContainer}`,
    );
  }
  const unsafe = blobAddressProblem(location.blobName);
  if (unsafe !== undefined) {
    return ignored('unsafe-blob-name', `the blob name is refused (${unsafe.kind}): ${unsafe.message}`);
  }

  return {
    kind: 'blob-created',
    event: compact({
      id: envelope.id,
      container: location.container,
      blobName: location.blobName,
      api,
      eTag: data.data.eTag,
      contentType: data.data.contentType,
      contentLength: data.data.contentLength,
      url: data.data.url,
      sequencer: data.data.sequencer,
      eventTime: envelope.time,
      schema: envelope.schema,
    }),
  };
}

/** Event Grid posts arrays; a queue message holds one event. Several would each need their own fate. */
function unwrapSingle(value: unknown): { kind: 'value'; value: unknown } | Ignored {
  if (!Array.isArray(value)) return { kind: 'value', value };
  if (value.length === 1) return { kind: 'value', value: value[0] as unknown };
  return ignored('batch', `the message holds ${value.length} events; expected exactly one`);
}

function readEnvelope(value: unknown): Envelope | Ignored {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ignored('not-an-event', `the message is ${describeValue(value)}, not an event object`);
  }
  if ('eventType' in value) {
    const parsed = EventGridEnvelope.safeParse(value);
    if (!parsed.success)
      return ignored('invalid-event', `malformed Event Grid event: ${summarise(parsed.error)}`);
    const { id, eventType, subject, eventTime, data } = parsed.data;
    return { schema: 'event-grid', id, type: eventType, subject, time: eventTime, data };
  }
  if ('specversion' in value) {
    const parsed = CloudEventEnvelope.safeParse(value);
    if (!parsed.success) return ignored('invalid-event', `malformed CloudEvent: ${summarise(parsed.error)}`);
    const { id, type, subject, time, data } = parsed.data;
    return { schema: 'cloud-events', id, type, subject, time, data };
  }
  return ignored(
    'not-an-event',
    'the message is neither an Event Grid event (eventType) nor a CloudEvent (specversion)',
  );
}

function locateBlob(
  subject: string | undefined,
  url: string | undefined,
): { container: string; blobName: string } | undefined {
  const fromSubject = subject === undefined ? undefined : parseBlobSubject(subject);
  const fromUrl = url === undefined ? undefined : parseBlobUrl(url);
  if (fromSubject === undefined) return fromUrl;
  const decoded = safeDecode(fromSubject.rawName);
  const agreesRaw =
    fromUrl !== undefined &&
    fromUrl.container === fromSubject.container &&
    fromUrl.blobName === fromSubject.rawName;
  return { container: fromSubject.container, blobName: agreesRaw ? fromSubject.rawName : decoded };
}

function summarise(error: z.ZodError, prefix?: string): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Drops undefined fields so events compare and log cleanly. */
/** `T` with every key whose value may be undefined made optional instead (what {@link compact} returns). */
type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops the keys whose value is undefined, so an absent field is absent rather than present-but-undefined. */
function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>;
}

function ignored(code: IgnoredCode, reason: string): Ignored {
  return { kind: 'ignored', code, reason };
}
