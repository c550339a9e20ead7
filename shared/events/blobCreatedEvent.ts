/**
 * The vocabulary shared by the BlobCreated parser and builder: the event type, the write operations that
 * commit a block blob, the normalised event the pipeline acts on, and the subject / URL formats that
 * locate a blob.
 */

/** Event Grid's type for a created or replaced blob. */
export const BLOB_CREATED_EVENT_TYPE = 'Microsoft.Storage.BlobCreated';

/**
 * The operations whose BlobCreated event means a committed block blob. `PutBlock` (uncommitted blocks)
 * and append/page blob writes also raise events; acting on those would submit half a file.
 */
export const COMMITTED_BLOB_APIS = ['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose'] as const;

/** One of {@link COMMITTED_BLOB_APIS}. */
export type CommittedBlobApi = (typeof COMMITTED_BLOB_APIS)[number];

/** True when `api` commits a block blob. */
export function isCommittedBlobApi(api: string): api is CommittedBlobApi {
  return (COMMITTED_BLOB_APIS as readonly string[]).includes(api);
}

/** Which envelope the event arrived in. */
export type EventSchema = 'event-grid' | 'cloud-events';

/** A BlobCreated event for a committed block blob, normalised from either schema. */
export interface BlobCreatedEvent {
  /** The event id (Event Grid may deliver the same id more than once). */
  readonly id: string;
  readonly container: string;
  /** The blob name within the container, decoded, folders included. */
  readonly blobName: string;
  readonly api: CommittedBlobApi;
  readonly eTag?: string;
  readonly contentType?: string;
  readonly contentLength?: number;
  readonly url?: string;
  /** Opaque, string-comparable ordering of events for one blob name. */
  readonly sequencer?: string;
  readonly eventTime?: string;
  readonly schema: EventSchema;
}

const SUBJECT_PREFIX = '/blobServices/default/containers/';

/**
 * The Event Grid subject of a blob: `/blobServices/default/containers/<container>/blobs/<name>`, with the
 * name as written, as Microsoft's samples show it (`data.url` carries the percent-encoded form).
 */
export function blobSubject(container: string, blobName: string): string {
  return `${SUBJECT_PREFIX}${container}/blobs/${blobName}`;
}

/** Container and raw (undecoded) blob name from a subject; undefined when it is not a blob subject. */
export function parseBlobSubject(subject: string): { container: string; rawName: string } | undefined {
  if (!subject.startsWith(SUBJECT_PREFIX)) return undefined;
  const rest = subject.slice(SUBJECT_PREFIX.length);
  const marker = rest.indexOf('/blobs/');
  if (marker <= 0) return undefined;
  const rawName = rest.slice(marker + '/blobs/'.length);
  return rawName === '' ? undefined : { container: rest.slice(0, marker), rawName };
}

/**
 * The blob URL for a name: each `/`-separated segment percent-encoded, so `?`, `#`, `%` and spaces survive.
 * `blobEndpoint` is the service URL, with the account in the path for Azurite (`http://127.0.0.1:10000/acct`).
 */
export function blobUrl(blobEndpoint: string, container: string, blobName: string): string {
  const path = blobName.split('/').map(encodeURIComponent).join('/');
  return `${blobEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(container)}/${path}`;
}

/**
 * Container and decoded blob name from a blob URL. Path-style URLs (an IP address or `localhost`, as
 * Azurite serves) carry the account as the first path segment. The path is split by hand rather than
 * with `URL`, which would resolve `.`/`..` segments and rewrite backslashes.
 */
export function parseBlobUrl(url: string): { container: string; blobName: string } | undefined {
  const match = /^https?:\/\/([^/?#]+)(\/[^?#]*)?/i.exec(url);
  if (!match) return undefined;
  const host = (match[1] ?? '').replace(/^[^@]*@/, '').replace(/:\d+$/, '');
  const segments = (match[2] ?? '').split('/').slice(1);
  const pathStyle = host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[');
  const [container, ...name] = pathStyle ? segments.slice(1) : segments;
  if (container === undefined || container === '' || name.length === 0) return undefined;
  const blobName = safeDecode(name.join('/'));
  return blobName === '' ? undefined : { container: safeDecode(container), blobName };
}

/** `decodeURIComponent`, or the input unchanged when it is not valid percent-encoding. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
