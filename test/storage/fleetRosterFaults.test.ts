/**
 * Fleet pacing when the storage behind the roster misbehaves (docs/pacing.md, "Fleet pacing", on storage
 * failing): throttled (503 ServerBusy, after the SDK's own retries) or hung (no answer until the request's
 * bound). Over a real Azurite behind a proxy that fails only the roster's requests: the process keeps its
 * last share, logs once, never waits on coordination to send, and says when the roster is back.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BucketGate } from '../../shared/resilience/bucketGate.js';
import { BlobFleetShares, FLEET_MEMBERS_PREFIX } from '../../shared/storage/fleetRosterBlobs.js';
import { useAzurite } from '../support/azurite.js';
import { FaultyStorageProxy } from '../support/faultyStorageProxy.js';
import { MemoryLogger } from '../support/memoryLogger.js';

const azurite = useAzurite();
let proxy: FaultyStorageProxy;
let direct: ContainerClient;
let proxied: ContainerClient;

beforeAll(async () => {
  proxy = await FaultyStorageProxy.start(azurite.current.blobEndpoint, (url) =>
    url.includes(FLEET_MEMBERS_PREFIX),
  );
  const name = `roster-faults-${Date.now()}`;
  direct = BlobServiceClient.fromConnectionString(azurite.current.connectionString).getContainerClient(name);
  await direct.create();
  const throughProxy = azurite.current.connectionString.replace(
    /BlobEndpoint=[^;]+;/,
    `BlobEndpoint=${proxy.url};`,
  );
  // No SDK retries: the test is about what the roster does once a request has failed, not the SDK's backoff.
  proxied = BlobServiceClient.fromConnectionString(throughProxy, {
    retryOptions: { maxTries: 1 },
  }).getContainerClient(name);
});

afterAll(async () => {
  await proxy?.stop();
});

const TIMINGS = { heartbeatMs: 100, leaseMs: 5_000, timeoutMs: 1_000 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function beat(...members: BlobFleetShares[]): Promise<void> {
  await sleep(TIMINGS.heartbeatMs);
  for (const m of members) m.noteSend('submission_write', true, undefined);
  await Promise.all(members.map((m) => m.settled()));
}

describe('BlobFleetShares when storage misbehaves', () => {
  it('keeps its last share through throttling and a hung account, never holds a send, logs once, recovers', async () => {
    const logger = new MemoryLogger();
    const a = new BlobFleetShares(proxied, systemClock, logger, TIMINGS);
    const b = new BlobFleetShares(direct, systemClock, new MemoryLogger(), TIMINGS);
    const gate = new BucketGate(
      'submission_write',
      { ratePerSecond: 10 },
      systemClock,
      undefined,
      undefined,
      a,
    );
    for (let i = 0; i < 2; i += 1) await beat(a, b);
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);

    // Throttled: every roster request answered 503 ServerBusy.
    proxy.fault = 'throttle';
    for (let i = 0; i < 3; i += 1) await beat(a, b);
    expect(proxy.faulted).toBeGreaterThanOrEqual(3);
    expect(a.stats().failures).toBe(3);
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);

    // Hung: a heartbeat is in flight and unanswered; sending does not wait for it.
    proxy.fault = 'hang';
    await sleep(TIMINGS.heartbeatMs);
    a.noteSend('submission_write', true, undefined); // starts a heartbeat that will hang
    const granted = await gate.take(Date.now() + 60_000);
    expect(granted.ok).toBe(true);
    expect(gate.stats()).toMatchObject({ share: 0.5, ratePerSecond: 5 });
    gate.settle({ kind: 'accepted' });
    await a.settled(); // the request's 1-s bound ends it
    expect(a.stats().failures).toBe(4);

    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message)).toEqual([
      'fleet pacing unavailable; carrying on at the last known share',
    ]);
    expect(warnings[0]?.props).toMatchObject({ statusCode: 503 });

    proxy.fault = 'pass';
    await beat(a, b);
    expect(logger.lines.at(-1)?.message).toBe('fleet pacing available again');
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);
  }, 30_000);
});
