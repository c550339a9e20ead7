/**
 * Fleet pacing's roster over real Azurite (docs/pacing.md, "Fleet pacing"): processes with work divide a
 * bucket's fleet rate; one that leaves hands its share over at its next heartbeat's listing; one that dies
 * stops counting after the lease — judged on the storage service's clock, so clocks hours apart do not
 * matter; an idle process makes no storage calls; a storage fault is logged once and the last share kept.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../shared/clock.js';
import {
  BlobFleetShares,
  FLEET_MEMBERS_PREFIX,
  type BlobFleetSharesOptions,
} from '../../shared/storage/fleetRosterBlobs.js';
import { useAzurite } from '../support/azurite.js';
import { ManualClock } from '../support/fakeClock.js';
import { MemoryLogger } from '../support/memoryLogger.js';

const azurite = useAzurite();
let service: BlobServiceClient;
let counter = 0;

beforeAll(() => {
  service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
});

async function freshContainer(): Promise<ContainerClient> {
  const container = service.getContainerClient(`roster-${Date.now()}-${counter++}`);
  await container.create();
  return container;
}

/** Short timings: a heartbeat at most every 100 ms, a 2-s lease (Last-Modified has whole seconds). */
const FAST: Partial<BlobFleetSharesOptions> = { heartbeatMs: 100, leaseMs: 2_000, timeoutMs: 3_000 };

function member(
  container: ContainerClient,
  options: { clock?: Clock; logger?: MemoryLogger; timings?: Partial<BlobFleetSharesOptions> } = {},
): BlobFleetShares {
  return new BlobFleetShares(
    container,
    options.clock ?? systemClock,
    options.logger ?? new MemoryLogger(),
    options.timings ?? FAST,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One heartbeat round: each member notes sends (held back or not), then waits for its heartbeat. */
async function round(
  members: readonly { shares: BlobFleetShares; waited: boolean; sends?: number; fleetRate?: number }[],
): Promise<void> {
  await sleep(FAST.heartbeatMs ?? 0);
  for (const { shares, waited, sends = 1, fleetRate } of members) {
    for (let i = 0; i < sends; i += 1) shares.noteSend('submission_write', waited, fleetRate);
  }
  await Promise.all(members.map(({ shares }) => shares.settled()));
}

/** A clock `offsetMs` away from the real one. */
function skewed(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
}

describe('BlobFleetShares', () => {
  it('divides a bucket among the processes with work; one that was not held back gets its use and half again', async () => {
    const container = await freshContainer();
    const [a, b, c] = [member(container), member(container), member(container)];
    const everyone = [
      { shares: a, waited: true, fleetRate: 20 },
      { shares: b, waited: true, fleetRate: 20 },
      { shares: c, waited: false, sends: 2, fleetRate: 20 },
    ];
    for (let i = 0; i < 3; i += 1) await round(everyone);
    expect(a.share('submission_write')).toBeCloseTo(b.share('submission_write'), 6);
    // c sent 2 in its last period (1 s at least): it is given 3/s of 20, the other two 8.5/s each.
    expect(c.share('submission_write')).toBeCloseTo(3 / 20, 2);
    expect(a.share('submission_write')).toBeCloseTo(8.5 / 20, 2);
    expect(a.stats().members).toBe(3);
    // A bucket nobody used is nobody's business yet: the whole of it.
    expect(a.share('upload')).toBe(1);
  });

  it('tells a newcomer the pace the fleet learned', async () => {
    const container = await freshContainer();
    const [a, b] = [member(container), member(container)];
    await round([
      { shares: a, waited: true, fleetRate: 12 },
      { shares: b, waited: true },
    ]);
    await round([{ shares: b, waited: true }]);
    expect(b.fleetRate('submission_write')).toBe(12);
    expect(a.fleetRate('submission_write')).toBeUndefined(); // b has none to tell
  });

  it('hands a leaving process’s share to the others at their next heartbeat', async () => {
    const container = await freshContainer();
    const [a, b] = [member(container), member(container)];
    for (let i = 0; i < 2; i += 1) {
      await round([
        { shares: a, waited: true },
        { shares: b, waited: true },
      ]);
    }
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);
    await b.close();
    await round([{ shares: a, waited: true }]);
    expect(a.share('submission_write')).toBe(1);
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: FLEET_MEMBERS_PREFIX })) names.push(blob.name);
    expect(names).toEqual([`${FLEET_MEMBERS_PREFIX}${a.id}`]);
  });

  it('drops a process that died after the lease, by the storage clock, whatever the processes’ clocks say', async () => {
    const container = await freshContainer();
    // One clock an hour ahead, one an hour behind: liveness never reads them.
    const a = member(container, { clock: skewed(3_600_000) });
    const b = member(container, { clock: skewed(-3_600_000) });
    const dies = member(container);
    for (let i = 0; i < 2; i += 1) {
      await round([
        { shares: a, waited: true },
        { shares: b, waited: true },
        { shares: dies, waited: true },
      ]);
    }
    expect(a.share('submission_write')).toBeCloseTo(1 / 3, 6);
    expect(b.share('submission_write')).toBeCloseTo(1 / 3, 6);
    // `dies` stops without a word (no close): its blob stays, and stops counting after the 2-s lease.
    await round([
      { shares: a, waited: true },
      { shares: b, waited: true },
    ]);
    expect(a.share('submission_write')).toBeCloseTo(1 / 3, 6);
    await sleep(3_200);
    // Two rounds: in the first, one member's listing may come before the other's fresh write lands.
    for (let i = 0; i < 2; i += 1) {
      await round([
        { shares: a, waited: true },
        { shares: b, waited: true },
      ]);
    }
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);
    expect(b.share('submission_write')).toBeCloseTo(0.5, 6);
  });

  it('makes no storage call while idle, and one heartbeat per period while sending', async () => {
    const container = await freshContainer();
    const idle = member(container, { timings: { ...FAST, heartbeatMs: 60_000 } });
    for (let i = 0; i < 50; i += 1) idle.share('submission_write');
    await sleep(200);
    expect(idle.stats()).toMatchObject({ heartbeats: 0, listings: 0 });
    for (let i = 0; i < 200; i += 1) idle.noteSend('submission_write', true, undefined);
    await idle.settled();
    for (let i = 0; i < 200; i += 1) idle.noteSend('submission_write', true, undefined);
    await idle.settled();
    // 400 sends within one heartbeat period: one write and one listing.
    expect(idle.stats()).toMatchObject({ heartbeats: 1, listings: 1 });
  });

  it('sees a fleet that starts together within a second: four heartbeats a second apart, then one per period', async () => {
    const container = await freshContainer();
    const clock = new ManualClock(Date.now());
    // The default timings: a heartbeat every 5 s, the first four a second apart.
    const [a, b] = [member(container, { clock, timings: {} }), member(container, { clock, timings: {} })];
    const send = async (who: BlobFleetShares, n: number): Promise<void> => {
      for (let i = 0; i < n; i += 1) who.noteSend('submission_write', false, undefined);
      await who.settled();
    };
    await send(a, 1); // a's first heartbeat: nobody else yet
    await send(b, 1);
    expect(a.othersPerSecond('submission_write')).toBe(0);
    await clock.advance(1_000);
    await send(b, 10); // b's sends of that second are in the roster...
    await send(a, 10); // ...at a's second heartbeat, a second after its first, not five
    expect(a.othersPerSecond('submission_write')).toBeGreaterThan(0);
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);
    for (let i = 0; i < 3; i += 1) {
      await clock.advance(1_000);
      await send(a, 1);
    }
    // Four heartbeats a second apart (at 0, 1, 2 and 3 s; none at 4 s), then the period: the next at 8 s.
    expect(a.stats().heartbeats).toBe(4);
    await clock.advance(3_000);
    await send(a, 1);
    expect(a.stats().heartbeats).toBe(4);
    await clock.advance(1_000);
    await send(a, 1);
    expect(a.stats().heartbeats).toBe(5);
  });

  it('reports what a process got through: sends the server refused are not use', async () => {
    const container = await freshContainer();
    const [a, b] = [member(container), member(container)];
    await round([
      { shares: a, waited: true },
      { shares: b, waited: true },
    ]);
    // One period of a's: ten sends, six of them refused (a slow start's flood), the heartbeat's own send.
    for (let i = 0; i < 9; i += 1) a.noteSend('submission_write', true, undefined);
    for (let i = 0; i < 6; i += 1) a.noteRefused('submission_write');
    await round([{ shares: a, waited: true }]); // closes the period: 4 got through in under a second
    await round([{ shares: b, waited: true }]);
    expect(b.othersPerSecond('submission_write')).toBeCloseTo(4, 6);
  });

  it('keeps the last share through a storage fault, logs it once, and says when it is back', async () => {
    const container = await freshContainer();
    const logger = new MemoryLogger();
    const [a, b] = [member(container, { logger }), member(container)];
    for (let i = 0; i < 2; i += 1) {
      await round([
        { shares: a, waited: true },
        { shares: b, waited: true },
      ]);
    }
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6);
    await container.delete();
    for (let i = 0; i < 3; i += 1) await round([{ shares: a, waited: true }]);
    expect(a.share('submission_write')).toBeCloseTo(0.5, 6); // conservative: the last share it knew
    expect(a.stats().failures).toBe(3);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message)).toEqual([
      'fleet pacing unavailable; carrying on at the last known share',
    ]);
    expect(warnings[0]?.props).toMatchObject({ statusCode: 404 });

    await container.create();
    await round([{ shares: a, waited: true }]);
    expect(logger.lines.at(-1)?.message).toBe('fleet pacing available again');
    expect(a.share('submission_write')).toBe(1); // b's blob went with the container
  });

  it('ignores roster entries it cannot read, and forgets long-silent ones', async () => {
    const container = await freshContainer();
    await container
      .getBlockBlobClient(`${FLEET_MEMBERS_PREFIX}someone-else`)
      .upload('', 0, { metadata: { v: '1', b_submission_write: 'not;a;demand;at all' } });
    await container
      .getBlockBlobClient(`${FLEET_MEMBERS_PREFIX}old-version`)
      .upload('', 0, { metadata: { v: '0', b_submission_write: '1;5.000;20.000' } });
    const a = member(container, { timings: { ...FAST, forgetAfterMs: 2_500 } });
    await round([{ shares: a, waited: true }]);
    expect(a.share('submission_write')).toBe(1);
    expect(a.stats().members).toBe(2); // itself and someone-else, whose entry says nothing usable

    await sleep(3_600);
    await round([{ shares: a, waited: true }]);
    await round([{ shares: a, waited: true }]);
    await sleep(300); // the deletes run in the background
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: FLEET_MEMBERS_PREFIX })) names.push(blob.name);
    expect(names).toEqual([`${FLEET_MEMBERS_PREFIX}${a.id}`]);
  });
});
