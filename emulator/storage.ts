/**
 * MediaMagic's own storage account, as the emulator models it: uploaded assets live in container
 * `assets` under `<workspace-id>/<filename>`. Presigned uploads are real write-only SAS URLs, so a client
 * PUTs to Azure Blob (Azurite) exactly as it would in production.
 */
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';

/** The container the contract's upload URLs point into. */
export const ASSETS_CONTAINER = 'assets';

/** What submission validation needs to know about a stored blob. */
export interface StoredBlob {
  readonly size: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** The first bytes of the blob (up to the requested length). */
  readonly head: Buffer;
  /** True when `head` is the whole blob. */
  readonly complete: boolean;
}

/** Access to the emulator's `assets` container. */
export class AssetStorage {
  private constructor(private readonly container: ContainerClient) {}

  /**
   * Connects with a shared-key connection string (needed to sign SAS URLs) and creates the container if
   * it is missing. Fails fast with a clear message for SAS-only connection strings.
   */
  static async open(connectionString: string): Promise<AssetStorage> {
    const service = BlobServiceClient.fromConnectionString(connectionString);
    if (!(service.credential instanceof StorageSharedKeyCredential)) {
      throw new Error(
        'The emulator needs a storage connection string with an account key to sign upload URLs',
      );
    }
    const container = service.getContainerClient(ASSETS_CONTAINER);
    await container.createIfNotExists();
    return new AssetStorage(container);
  }

  /**
   * A create/write SAS URL for one blob, valid until `expiresOn`. It also carries read: Azurite refuses
   * Put Block From URL (the server-side copy the app uses) on a destination SAS without it, although Azure
   * itself needs only write there.
   */
  uploadUrl(blobPath: string, expiresOn: Date): Promise<string> {
    return this.container.getBlobClient(blobPath).generateSasUrl({
      permissions: BlobSASPermissions.parse('rcw'),
      expiresOn,
    });
  }

  /** Stores `data` (direct upload), overwriting any earlier blob of the same path. */
  async upload(blobPath: string, data: Buffer, contentType: string): Promise<void> {
    await this.container.getBlockBlobClient(blobPath).uploadData(data, {
      blobHTTPHeaders: { blobContentType: contentType },
    });
  }

  /** Size, metadata and the first `headBytes` bytes of a blob, or undefined when it does not exist. */
  async inspect(blobPath: string, headBytes: number): Promise<StoredBlob | undefined> {
    const blob = this.container.getBlobClient(blobPath);
    let size: number;
    let metadata: Record<string, string>;
    try {
      const properties = await blob.getProperties();
      size = properties.contentLength ?? 0;
      metadata = properties.metadata ?? {};
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
    // A ranged read of an empty blob is an InvalidRange error, so only read when there is something.
    const length = Math.min(size, headBytes);
    const head = length > 0 ? await blob.downloadToBuffer(0, length) : Buffer.alloc(0);
    return { size, metadata, head, complete: length === size };
  }
}
