/**
 * Real ledger contention on Azurite: another writer that always gets in between a ledger's read of a record
 * and its conditional write, so every `If-Match` write loses its race exactly as it would to a busy rival.
 */
import { BlockBlobClient } from '@azure/storage-blob';
import { vi } from 'vitest';

// Captured before any spy replaces it, and only ever re-invoked with a blob client as `this`.
// eslint-disable-next-line @typescript-eslint/unbound-method
const originalUpload = BlockBlobClient.prototype.upload;

/**
 * From now until `vi.restoreAllMocks()`, every conditional update of a record in `ledgerContainer` is
 * preceded by another writer's metadata write — a new ETag, the same body — so it fails its precondition.
 * Creates (`If-None-Match`) and every other blob are left alone.
 */
export function anotherWriterAlwaysGetsInFirst(ledgerContainer: string): void {
  vi.spyOn(BlockBlobClient.prototype, 'upload').mockImplementation(async function (
    this: BlockBlobClient,
    ...args
  ) {
    if (
      this.containerName === ledgerContainer &&
      this.name.startsWith('records/') &&
      args[2]?.conditions?.ifMatch
    )
      await this.setMetadata({ otherwriter: String(Date.now()) });
    return originalUpload.apply(this, args);
  });
}
