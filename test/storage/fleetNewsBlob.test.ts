/**
 * The fleet news blob over real Azurite: concurrent publishers merge through ETag conditions (a newer
 * pause-until is never overwritten by an older one), an idle process makes no storage calls, a sending one
 * reads at most once per refresh interval, and a malformed document is no news.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BlobFleetNews, FLEET_NEWS_BLOB } from '../../shared/storage/fleetNewsBlob.js';
import { FLEET_CUT_KEEP_MS } from '../../shared/resilience/fleetNews.js';
import { useAzurite } from '../support/azurite.js';
import { ManualClock, flushMicrotasks } from '../support/fakeClock.js';
import { MemoryLogger } from '../support/memoryLogger.js';

const azurite = useAzurite();
let service: BlobServiceClient;
let counter = 0;

beforeAll(() => {
  service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
});

async function freshContainer(): Promise<ContainerClient> {
  const container = service.getContainerClient(`fleet-${Date.now()}-${counter++}`);
  await container.create();
  return container;
}

/** A container whose blob clients are counted: every storage call goes through one. */
function counted(container: ContainerClient): { container: ContainerClient; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(container, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if ((key === 'getBlobClient' || key === 'getBlockBlobClient') && typeof value === 'function') {
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return { container: proxy, calls: () => calls };
}

async function documentOf(container: ContainerClient): Promise<unknown> {
  const buffer = await container.getBlobClient(FLEET_NEWS_BLOB).downloadToBuffer();
  return JSON.parse(buffer.toString('utf8')) as unknown;
}

describe('BlobFleetNews', () => {
  it('merges concurrent publications: per bucket the later pause wins, whoever writes last', async () => {
    const container = await freshContainer();
    const now = Date.now();
    const writers = Array.from(
      { length: 4 },
      () => new BlobFleetNews(container, systemClock, new MemoryLogger()),
    );
    writers[0]?.publishPause('upload', now + 30_000);
    writers[1]?.publishPause('upload', now + 10_000);
    writers[2]?.publishPause('submission_read', now + 20_000);
    writers[3]?.publishBreakerOpen(now + 40_000);
    await Promise.all(writers.map((w) => w.settled()));

    expect(await documentOf(container)).toEqual({
      version: 1,
      pauses: { upload: now + 30_000, submission_read: now + 20_000 },
      breakerOpenUntil: now + 40_000,
      cuts: {},
    });
    // A process that only reads learns it on its first refresh, in the background.
    const reader = new BlobFleetNews(container, systemClock, new MemoryLogger());
    expect(reader.pauseUntil('upload')).toBe(0);
    await expect.poll(() => reader.pauseUntil('upload')).toBe(now + 30_000);
    expect(reader.breakerOpenUntil()).toBe(now + 40_000);
  });

  it('makes no storage calls while idle, and reads at most once per refresh interval while sending', async () => {
    const { container, calls } = counted(await freshContainer());
    const clock = new ManualClock();
    const news = new BlobFleetNews(container, clock, new MemoryLogger(), { refreshMs: 2_000 });
    await clock.advance(60_000);
    expect(calls()).toBe(0);

    for (let i = 0; i < 100; i++) {
      news.pauseUntil('upload');
      news.breakerOpenUntil();
      await clock.advance(100);
      await flushMicrotasks();
    }
    // 10 s of sending at 10 asks per second: at most one read every 2 s (fewer when a read is slow).
    expect(calls()).toBeGreaterThanOrEqual(1);
    expect(calls()).toBeLessThanOrEqual(5);
  });

  it('takes a document that is not its own as no news, and overwrites it on publishing', async () => {
    const container = await freshContainer();
    const body = '{"pauses": "everything"}';
    await container.getBlockBlobClient(FLEET_NEWS_BLOB).upload(body, body.length);
    const logger = new MemoryLogger();
    const news = new BlobFleetNews(container, systemClock, logger);
    const until = Date.now() + 5_000;
    news.publishPause('sandbox', until);
    await news.settled();
    expect(await documentOf(container)).toEqual({
      version: 1,
      pauses: { sandbox: until },
      breakerOpenUntil: 0,
      cuts: {},
    });
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('carries fleet-rate cuts with their pauses: the latest cut per bucket wins, whoever writes last', async () => {
    const container = await freshContainer();
    const now = Date.now();
    const writers = Array.from(
      { length: 3 },
      () => new BlobFleetNews(container, systemClock, new MemoryLogger()),
    );
    writers[0]?.publishPause('submission_write', now + 1_000, { at: now - 200, rate: 14 });
    writers[1]?.publishPause('submission_write', now + 2_000, { at: now, rate: 12 });
    writers[2]?.publishPause('upload', now + 1_000, { at: now - 100, rate: 30 });
    await Promise.all(writers.map((w) => w.settled()));

    expect(await documentOf(container)).toMatchObject({
      pauses: { submission_write: now + 2_000, upload: now + 1_000 },
      cuts: { submission_write: { at: now, rate: 12 }, upload: { at: now - 100, rate: 30 } },
    });
    const reader = new BlobFleetNews(container, systemClock, new MemoryLogger());
    expect(reader.latestCut('submission_write')).toBeUndefined();
    await expect.poll(() => reader.latestCut('submission_write')).toEqual({ at: now, rate: 12 });
    expect(reader.latestCut('upload')).toEqual({ at: now - 100, rate: 30 });
  });

  it('reads a document written before cuts were news, and drops a cut too old to apply', async () => {
    const container = await freshContainer();
    const now = Date.now();
    const body = JSON.stringify({ version: 1, pauses: { upload: now + 5_000 }, breakerOpenUntil: 0 });
    await container.getBlockBlobClient(FLEET_NEWS_BLOB).upload(body, body.length);
    const news = new BlobFleetNews(container, systemClock, new MemoryLogger());
    news.pauseUntil('upload');
    await expect.poll(() => news.pauseUntil('upload')).toBe(now + 5_000);
    expect(news.latestCut('upload')).toBeUndefined();

    news.publishPause('sandbox', now + 5_000, { at: now - FLEET_CUT_KEEP_MS - 1, rate: 3 });
    await news.settled();
    expect(await documentOf(container)).toEqual({
      version: 1,
      pauses: { upload: now + 5_000, sandbox: now + 5_000 },
      breakerOpenUntil: 0,
      cuts: {},
    });
  });

  it('logs once, and carries on, while its container is missing; says so when it is back', async () => {
    const container = await freshContainer();
    await container.delete();
    const logger = new MemoryLogger();
    const news = new BlobFleetNews(container, systemClock, logger, { refreshMs: 0 });
    news.publishPause('upload', Date.now() + 5_000);
    await news.settled();
    for (let i = 0; i < 5; i++) {
      expect(news.pauseUntil('submission_read')).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    await container.create();
    news.publishPause('upload', Date.now() + 5_000);
    await news.settled();
    expect(logger.lines.map((l) => l.message)).toEqual([
      'fleet news unavailable; carrying on with per-process pacing',
      'fleet news available again',
    ]);
  });
});
