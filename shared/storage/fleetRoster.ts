/**
 * Fleet pacing's roster as stored (docs/pacing.md, "Fleet pacing"): one empty blob per process under
 * `fleet/members/` in the ledger container, whose metadata says, per bucket, what the process used over its
 * latest heartbeat period. The metadata format and its reading live here and nowhere else, so the process
 * dividing the rate (`BlobFleetShares`) and the operator's view (`status`) read the same roster the same way.
 *
 * Liveness is judged on the storage service's clock: a member counts while the listing's own `Date` minus
 * its blob's `Last-Modified` (both set by the service) is within the lease.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { BucketDemand } from '../resilience/fleetShares.js';

/** Where the roster's blobs live inside the ledger container. */
export const FLEET_MEMBERS_PREFIX = 'fleet/members/';

/** The metadata version this code writes and reads (`v`); entries of another version are not counted. */
export const FLEET_ROSTER_VERSION = '1';

const BUCKET_KEY = /^b_([a-z0-9_]+)$/;
/** `<heldBack 0|1>;<sends per second>;<fleet rate or empty>` */
const demandValue = z
  .string()
  .regex(/^[01];\d+(\.\d+)?;(\d+(\.\d+)?)?$/)
  .transform((value): BucketDemand => {
    const [held, sends, rate] = value.split(';');
    return {
      heldBack: held === '1',
      sendsPerSecond: Number(sends),
      fleetRate: rate === undefined || rate === '' ? undefined : Number(rate),
    };
  });

/** A process's roster metadata for the demand it publishes: `v`, then `b_<bucket>` per bucket. */
export function rosterMetadata(demand: ReadonlyMap<string, BucketDemand>): Record<string, string> {
  const metadata: Record<string, string> = { v: FLEET_ROSTER_VERSION };
  for (const [bucket, d] of demand) {
    metadata[`b_${bucket}`] =
      `${d.heldBack ? 1 : 0};${d.sendsPerSecond.toFixed(3)};${d.fleetRate?.toFixed(3) ?? ''}`;
  }
  return metadata;
}

/** One blob of the roster, as read. */
export interface RosterMember {
  /** The process's roster id (the blob's name after {@link FLEET_MEMBERS_PREFIX}). */
  readonly id: string;
  /** The blob's full name in the container. */
  readonly blobName: string;
  /** The listing's `Date` minus the blob's `Last-Modified`: how long since its latest heartbeat. */
  readonly silentForMs: number;
  /** Whether it is within the lease. */
  readonly live: boolean;
  /** Whether its metadata is of {@link FLEET_ROSTER_VERSION}; an entry that is not never counts. */
  readonly readable: boolean;
  /** Its demand per bucket; buckets whose value does not parse are left out (empty when not readable). */
  readonly buckets: Readonly<Record<string, BucketDemand>>;
}

/** The roster as one listing saw it. */
export interface FleetRoster {
  /** The storage service's time of the listing (its latest page's `Date`), epoch ms. */
  readonly serviceNow: number;
  /** Every blob under the prefix, live or not, in the listing's order. */
  readonly members: readonly RosterMember[];
}

/** How to read the roster. */
export interface ReadFleetRosterOptions {
  /** A member is live while silent for at most this long, by the storage service's clock. */
  readonly leaseMs: number;
  /** Bounds the listing. */
  readonly signal?: AbortSignal;
  /** Stands in for the service's `Date` should a page lack one (the service always sends it). */
  readonly fallbackNow?: () => number;
}

/** Lists the roster with its metadata: one listing request per thousand members. */
export async function readFleetRoster(
  container: ContainerClient,
  options: ReadFleetRosterOptions,
): Promise<FleetRoster> {
  const members: RosterMember[] = [];
  let serviceNow: number | undefined;
  const pages = container
    .listBlobsFlat({
      prefix: FLEET_MEMBERS_PREFIX,
      includeMetadata: true,
      ...(options.signal ? { abortSignal: options.signal } : {}),
    })
    .byPage({ maxPageSize: 1000 });
  for await (const page of pages) {
    // The service's clock on both sides: no process's clock decides who is alive.
    const pageNow = page.date?.getTime() ?? (options.fallbackNow ?? Date.now)();
    serviceNow = pageNow;
    for (const blob of page.segment.blobItems) {
      const silentForMs = pageNow - (blob.properties.lastModified?.getTime() ?? 0);
      const readable = blob.metadata?.v === FLEET_ROSTER_VERSION;
      members.push({
        id: blob.name.slice(FLEET_MEMBERS_PREFIX.length),
        blobName: blob.name,
        silentForMs,
        live: silentForMs <= options.leaseMs,
        readable,
        buckets: readable ? parseBuckets(blob.metadata ?? {}) : {},
      });
    }
  }
  return { serviceNow: serviceNow ?? (options.fallbackNow ?? Date.now)(), members };
}

function parseBuckets(metadata: Readonly<Record<string, string>>): Record<string, BucketDemand> {
  const buckets: [string, BucketDemand][] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const bucket = BUCKET_KEY.exec(key)?.[1];
    const parsed = bucket === undefined ? undefined : demandValue.safeParse(value);
    if (bucket !== undefined && parsed?.success) buckets.push([bucket, parsed.data]);
  }
  // Own properties whatever the name (a bucket called `__proto__` must not become a prototype).
  return Object.fromEntries(buckets);
}
