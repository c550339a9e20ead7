/**
 * The source container as the pipeline sees it: properties, one ranged read for sniffing, state tags, and a
 * short-lived read SAS for server-side copies. Tags, never metadata: writing metadata changes the ETag and
 * would look like new content (docs/design.md, decision 3).
 */
import {
  BlobSASPermissions,
  RestError,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type BlobClient,
  type BlobServiceClient,
  type ContainerClient,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { Clock } from '../clock.js';
import { requireAddressableName } from './unsafeBlobName.js';

/** What the pipeline needs to know about a source blob. */
export interface SourceBlobProperties {
  readonly name: string;
  readonly etag: string;
  readonly contentType?: string;
  readonly contentLength: number;
  readonly blobType?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The port over the watched container. */
export interface SourceBlobs {
  readonly containerName: string;
  /** Properties and tags, or undefined when the blob does not exist (deleted since the event). */
  getProperties(name: string): Promise<SourceBlobProperties | undefined>;
  /**
   * The first `length` bytes (one ranged GET), or fewer for a shorter blob; `undefined` when `ifMatch` is
   * given and the blob no longer has that ETag (it was overwritten since it was claimed).
   */
  readHead(name: string, length: number, ifMatch?: string): Promise<Uint8Array | undefined>;
  /** Merges the given tags into the blob's tags (tags do not change the ETag). Missing blob → false. */
  setStateTags(name: string, tags: Readonly<Record<string, string>>): Promise<boolean>;
  /** A read-only SAS URL valid for `ttlMs` (user-delegation SAS when running under an identity). */
  readSasUrl(name: string, ttlMs: number): Promise<string>;
}

/** The tag we own on source blobs; everything else a user put there is preserved. */
export const STATE_TAG = 'mediamagic-state';

/** Azure's tag value alphabet: letters, digits, space and `+ - . / : = _`, up to 256 characters. */
export function toTagValue(text: string): string {
  return text.replace(/[^A-Za-z0-9 +\-./:=_]/g, '_').slice(0, 256);
}

/**
 * {@link SourceBlobs} over an Azure container, authorised by shared key or by a managed identity. A name
 * that would address another blob (`x/../clip.mp4`) throws an `UnsafeBlobNameError` before any request.
 */
export class AzureSourceBlobs implements SourceBlobs {
  private delegationKey?: { key: UserDelegationKey; expiresOn: number };

  constructor(
    private readonly service: BlobServiceClient,
    private readonly container: ContainerClient,
    private readonly clock: Clock,
  ) {}

  get containerName(): string {
    return this.container.containerName;
  }

  async getProperties(name: string): Promise<SourceBlobProperties | undefined> {
    const blob = this.blobClient(name);
    try {
      const [props, tags] = await Promise.all([blob.getProperties(), blob.getTags()]);
      return {
        name,
        etag: props.etag ?? '',
        ...(props.contentType ? { contentType: props.contentType } : {}),
        contentLength: props.contentLength ?? 0,
        ...(props.blobType ? { blobType: props.blobType } : {}),
        tags: tags.tags,
      };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async readHead(name: string, length: number, ifMatch?: string): Promise<Uint8Array | undefined> {
    const blob = this.blobClient(name);
    try {
      // download(), not downloadToBuffer(): the latter insists on `length` bytes and fails on a shorter blob.
      const response = await blob.download(0, length, ifMatch ? { conditions: { ifMatch } } : {});
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    } catch (error) {
      // A zero-byte blob cannot satisfy a range request; it has no head to read.
      if (isStatus(error, 416)) return new Uint8Array(0);
      if (isStatus(error, 412)) return undefined;
      throw error;
    }
  }

  async setStateTags(name: string, tags: Readonly<Record<string, string>>): Promise<boolean> {
    const blob = this.blobClient(name);
    try {
      const current = await blob.getTags();
      await blob.setTags({ ...current.tags, ...tags });
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  async readSasUrl(name: string, ttlMs: number): Promise<string> {
    const blob = this.blobClient(name);
    const now = this.clock.now();
    const values = {
      containerName: this.container.containerName,
      blobName: name,
      permissions: BlobSASPermissions.parse('r'),
      // Start a little in the past: the service's clock may trail ours.
      startsOn: new Date(now - 5 * 60_000),
      expiresOn: new Date(now + ttlMs),
      protocol: blob.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    };
    const credential = this.service.credential;
    if (credential instanceof StorageSharedKeyCredential) {
      return `${blob.url}?${generateBlobSASQueryParameters(values, credential).toString()}`;
    }
    const key = await this.userDelegationKey(now, ttlMs);
    return `${blob.url}?${generateBlobSASQueryParameters(values, key, this.service.accountName).toString()}`;
  }

  /** The client for `name`, refusing a name whose URL would resolve to another blob (./unsafeBlobName.ts). */
  private blobClient(name: string): BlobClient {
    return this.container.getBlobClient(requireAddressableName(name));
  }

  /** Under a managed identity there is no account key; a user-delegation key signs the SAS instead. */
  private async userDelegationKey(now: number, ttlMs: number): Promise<UserDelegationKey> {
    if (this.delegationKey && this.delegationKey.expiresOn > now + ttlMs + 60_000)
      return this.delegationKey.key;
    const expiresOn = now + Math.max(ttlMs * 2, 6 * 3600_000);
    const key = await this.service.getUserDelegationKey(new Date(now - 5 * 60_000), new Date(expiresOn));
    this.delegationKey = { key, expiresOn };
    return key;
  }
}

/** True when a storage SDK error carries this HTTP status. */
function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError
    ? error.statusCode === status
    : (error as { statusCode?: unknown })?.statusCode === status;
}
