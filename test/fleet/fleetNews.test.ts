/**
 * Fleet news across real, separate processes (docs/pacing.md, "Fleet news"): two children each build the
 * app's deps from the compiled code with FLEET_NEWS on, against one Azurite and one emulator with the same
 * API key — as the queue trigger's instances do on Flex Consumption. A 429 one process receives must hold
 * the other's sends on that bucket until the pause ends; a third process with FLEET_NEWS off shows the
 * behaviour without it. A time from a clock far ahead is ignored, one a few seconds off honoured. When the
 * news blob's container is gone, both carry on, one log line each.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../devkit/azurite.js';
import { routeLabel, type RouteId } from '../../emulator/catalogue.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import { useBuiltApp } from '../support/builtApp.js';

/** A child answering one line per API call: which call, how it ended, and when (epoch ms). */
const CHILD = `
import { createInterface } from 'node:readline';
const dist = process.argv[2];
const { loadConfig } = await import(dist + '/shared/config/loadConfig.js');
const { buildAppDeps } = await import(dist + '/shared/app/appDeps.js');
const deps = await buildAppDeps(loadConfig(process.env));
const calls = {
  get: () => deps.client.getSubmission('sub_fleet'),
  versions: () => deps.client.listVersions('sub_fleet'),
  hooks: () => deps.client.listWebhookSubscriptions(),
};
console.log('READY');
for await (const line of createInterface({ input: process.stdin })) {
  const { id, op } = JSON.parse(line);
  void calls[op]().then(
    (r) => console.log('RESULT ' + JSON.stringify({ id, op, ok: r.ok, kind: r.ok ? 'ok' : r.failure.kind, at: Date.now() })),
    (e) => console.log('RESULT ' + JSON.stringify({ id, op, ok: false, kind: 'threw:' + e.message, at: Date.now() })),
  );
}
`;

interface Result {
  readonly id: number;
  readonly op: string;
  readonly ok: boolean;
  readonly kind: string;
  readonly at: number;
}

/** One app process, driven line by line. */
class AppProcess {
  readonly stderr: string[] = [];
  readonly stdout: string[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting = new Map<number, (r: Result) => void>();
  #next = 1;
  readonly ready: Promise<void>;

  constructor(script: string, dist: string, env: Record<string, string>) {
    this.#child = spawn(process.execPath, [script, dist], { env: { ...process.env, ...env } });
    createInterface({ input: this.#child.stderr }).on('line', (l) => this.stderr.push(l));
    let ready: () => void = () => undefined;
    this.ready = new Promise((resolve) => (ready = resolve));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      this.stdout.push(line);
      if (line === 'READY') ready();
      if (!line.startsWith('RESULT ')) return;
      const result = JSON.parse(line.slice('RESULT '.length)) as Result;
      this.#waiting.get(result.id)?.(result);
    });
  }

  call(op: 'get' | 'versions' | 'hooks'): Promise<Result> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.stdin.write(`${JSON.stringify({ id, op })}\n`);
    });
  }

  /** Log lines (stdout and stderr) that mention fleet news being unavailable. */
  fleetWarnings(): string[] {
    return [...this.stdout, ...this.stderr].filter((l) => l.includes('fleet news unavailable'));
  }

  stop(): void {
    this.#child.kill();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Requests the emulator has seen on `route`, whatever their answer. */
function seen(emulator: EmulatorHandle, route: RouteId): number {
  return emulator.stats().routes[routeLabel(route)]?.count ?? 0;
}

/** Polls the emulator until `route` has seen more than `after` requests; the epoch ms it first did. */
async function firstSeenAt(emulator: EmulatorHandle, route: RouteId, after: number): Promise<number> {
  for (;;) {
    if (seen(emulator, route) > after) return Date.now();
    await sleep(10);
  }
}

/** Keeps a process sending on another bucket (webhook_read), as a busy instance would. */
function keepBusy(app: AppProcess, until: { stop: boolean }): Promise<void> {
  return (async () => {
    while (!until.stop) {
      await app.call('hooks');
      await sleep(100);
    }
  })();
}

describe('fleet news between separate processes', () => {
  const app = useBuiltApp();
  let azurite: AzuriteInstance;
  let emulator: EmulatorHandle;
  let a: AppProcess;
  let b: AppProcess;
  let solo: AppProcess;
  const ledger = 'fleet-ledger';

  beforeAll(async () => {
    azurite = await startAzurite();
    emulator = await startEmulator({ storageConnectionString: azurite.connectionString });
    const script = path.join(app.root, 'fleetChild.mjs');
    writeFileSync(script, CHILD);
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      MEDIAMAGIC_API_BASE_URL: emulator.url,
      MEDIAMAGIC_API_KEY: emulator.sandboxKey as string,
      LEDGER_CONTAINER: ledger,
      INVOCATION_BUDGET_SECONDS: '20',
    };
    const dist = path.join(app.root, 'dist');
    a = new AppProcess(script, dist, { ...env, FLEET_NEWS: 'true' });
    b = new AppProcess(script, dist, { ...env, FLEET_NEWS: 'true' });
    solo = new AppProcess(script, dist, { ...env, FLEET_NEWS: 'false' });
    await Promise.all([a.ready, b.ready, solo.ready]);
  }, 240_000);

  afterAll(async () => {
    for (const p of [a, b, solo]) p?.stop();
    await emulator?.stop();
    await azurite?.stop();
  });

  it('holds a process that never saw the 429 until the pause another process was told about ends', async () => {
    const busy = { stop: false };
    const loops = [keepBusy(b, busy), keepBusy(solo, busy)];
    await sleep(500);
    emulator.controls.faults.set([
      { route: 'submissions.get', fault: { kind: 'rateLimit', retryAfterSeconds: 5 }, times: 1 },
    ]);
    const before429 = seen(emulator, 'submissions.get');
    const aCall = a.call('get');
    const pausedAt = await firstSeenAt(emulator, 'submissions.get', before429);
    const pauseEnds = pausedAt + 5_000;
    // B has been sending all along, so its background refresh (every 2 s) has picked the news up by now.
    await sleep(3_000);
    const beforeB = seen(emulator, 'submissions.versions');
    const bCall = b.call('versions');
    const bSeenAt = await firstSeenAt(emulator, 'submissions.versions', beforeB);
    // Without fleet news a process sends on the same bucket at once (the control: the test can fail).
    const soloBefore = seen(emulator, 'submissions.versions');
    const soloAsked = Date.now();
    const soloCall = solo.call('versions');
    const soloSeenAt = await firstSeenAt(emulator, 'submissions.versions', soloBefore);
    await soloCall;
    busy.stop = true;
    await Promise.all(loops);

    expect(bSeenAt).toBeGreaterThanOrEqual(pauseEnds - 100);
    expect(bSeenAt).toBeLessThan(pauseEnds + 1_500);
    expect((await bCall).kind).not.toBe('retry-later');
    expect(soloSeenAt - soloAsked).toBeLessThan(2_000);
    expect((await aCall).at).toBeGreaterThanOrEqual(pauseEnds - 100);
    for (const p of [a, b]) expect(p.fleetWarnings()).toEqual([]);
  }, 60_000);

  it('ignores a pause from a clock far ahead, and honours one a few seconds off (docs/pacing.md, "Fleet news")', async () => {
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(ledger)
      .getBlockBlobClient('fleet/news.json');
    const write = async (pauseUntil: number): Promise<void> => {
      const body = JSON.stringify({
        version: 1,
        pauses: { submission_read: pauseUntil },
        breakerOpenUntil: 0,
      });
      await blob.upload(body, Buffer.byteLength(body));
    };
    const busy = { stop: false };
    const loop = keepBusy(b, busy);

    // Another process whose clock runs an hour ahead: beyond the 10-minute cap, so it is no news.
    await write(Date.now() + 3_600_000);
    await sleep(3_000);
    const farBefore = seen(emulator, 'submissions.versions');
    const farAsked = Date.now();
    const farCall = b.call('versions');
    const farSeenAt = await firstSeenAt(emulator, 'submissions.versions', farBefore);
    await farCall;

    // One whose clock runs 3 s ahead of a 2 s Retry-After: believed, so B waits about 5 s from now.
    const skewedUntil = Date.now() + 5_000;
    await write(skewedUntil);
    await sleep(3_000);
    const nearBefore = seen(emulator, 'submissions.versions');
    const nearCall = b.call('versions');
    const nearSeenAt = await firstSeenAt(emulator, 'submissions.versions', nearBefore);
    await nearCall;
    busy.stop = true;
    await loop;

    expect(farSeenAt - farAsked).toBeLessThan(1_500);
    expect(nearSeenAt).toBeGreaterThanOrEqual(skewedUntil - 100);
  }, 60_000);

  it('fails fast in a process that saw no fault while another process’s breaker is open', async () => {
    const busy = { stop: false };
    const loop = keepBusy(b, busy);
    emulator.controls.faults.set([
      { route: 'submissions.get', fault: { kind: 'status', status: 503 }, times: 5 },
    ]);
    // Five server faults in a row open A's breaker for 5 s (DEFAULT_BREAKER).
    for (let i = 0; i < 5; i++) expect((await a.call('get')).kind).toBe('unexpected-status');
    const openedAt = Date.now();
    await sleep(3_000);
    const before = seen(emulator, 'submissions.versions');
    const held = await b.call('versions');
    const seenMeanwhile = seen(emulator, 'submissions.versions') - before;
    busy.stop = true;
    await loop;
    // After the break each process probes once and closes again.
    await sleep(Math.max(0, openedAt + 5_500 - Date.now()));
    const probe = await b.call('versions');

    expect(held.kind).toBe('circuit-open');
    expect(seenMeanwhile).toBe(0);
    expect(probe.kind).not.toBe('circuit-open');
  }, 60_000);

  it('carries on per process, one log line each, when the news blob cannot be reached', async () => {
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(ledger)
      .delete();
    emulator.controls.faults.set([
      { route: 'submissions.get', fault: { kind: 'rateLimit', retryAfterSeconds: 1 }, times: 1 },
    ]);
    const busy = { stop: false };
    const loop = keepBusy(b, busy);
    const aResult = await a.call('get');
    await sleep(4_500);
    busy.stop = true;
    await loop;
    const hooksBefore = seen(emulator, 'webhooks.list');
    const results = await Promise.all([b.call('hooks'), a.call('hooks'), b.call('versions')]);

    expect(aResult.kind).not.toBe('retry-later');
    expect(results.map((r) => r.kind)).not.toContain('circuit-open');
    expect(seen(emulator, 'webhooks.list')).toBe(hooksBefore + 2);
    expect(a.fleetWarnings()).toHaveLength(1);
    expect(b.fleetWarnings()).toHaveLength(1);
  }, 60_000);
});
