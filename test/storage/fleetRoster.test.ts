/**
 * The roster's one reader over real Azurite (docs/pacing.md, "Fleet pacing"): what a process writes reads
 * back the same; liveness is the service's `Date` minus `Last-Modified` against the lease; entries of
 * another version, and bucket values that do not parse, are not taken for demand.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_MEMBERS_PREFIX, readFleetRoster, rosterMetadata } from '../../shared/storage/fleetRoster.js';
import { useAzurite } from '../support/azurite.js';

const azurite = useAzurite();
let container: ContainerClient;

beforeAll(async () => {
  const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
  container = service.getContainerClient(`roster-read-${Date.now()}`);
  await container.create();
});

const write = (id: string, metadata: Record<string, string>): Promise<unknown> =>
  container.getBlockBlobClient(`${FLEET_MEMBERS_PREFIX}${id}`).upload('', 0, { metadata });

describe('readFleetRoster', () => {
  it('reads back what a process wrote; judges the lease on the service clock; skips what it cannot read', async () => {
    await write(
      'writer',
      rosterMetadata(
        new Map([
          ['submission_write', { heldBack: true, sendsPerSecond: 4.5, fleetRate: 20 }],
          ['upload', { heldBack: false, sendsPerSecond: 0.25, fleetRate: undefined }],
        ]),
      ),
    );
    await write('half-garbage', { v: '1', b_submission_write: 'garbage', b___proto__: '0;1.000;' });
    await write('other-version', { v: '2', b_submission_write: '1;5.000;20.000' });

    const fresh = await readFleetRoster(container, { leaseMs: 60_000 });

    const byId = Object.fromEntries(fresh.members.map((m) => [m.id, m]));
    expect(Object.keys(byId).sort()).toEqual(['half-garbage', 'other-version', 'writer']);
    expect(byId.writer).toMatchObject({
      blobName: `${FLEET_MEMBERS_PREFIX}writer`,
      live: true,
      readable: true,
      buckets: {
        submission_write: { heldBack: true, sendsPerSecond: 4.5, fleetRate: 20 },
        upload: { heldBack: false, sendsPerSecond: 0.25, fleetRate: undefined },
      },
    });
    expect(byId.writer?.silentForMs).toBeLessThan(60_000);
    // A bucket named like a prototype is an own property, not a prototype.
    expect(Object.keys(byId['half-garbage']?.buckets ?? {})).toEqual(['__proto__']);
    expect(byId['half-garbage']).toMatchObject({ live: true, readable: true });
    expect(byId['other-version']).toMatchObject({ live: true, readable: false, buckets: {} });
    expect(Math.abs(fresh.serviceNow - Date.now())).toBeLessThan(60_000);

    // Last-Modified and Date have whole seconds: after 2.1 s every entry is at least 2 s silent.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const later = await readFleetRoster(container, { leaseMs: 1_000 });
    expect(later.members.map((m) => m.live)).toEqual([false, false, false]);
    expect(later.members.every((m) => m.silentForMs >= 2_000)).toBe(true);
  });

  it('a listing past its signal fails rather than hangs', async () => {
    const signal = AbortSignal.abort();
    await expect(readFleetRoster(container, { leaseMs: 15_000, signal })).rejects.toThrow();
  });
});
