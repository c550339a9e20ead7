/**
 * Fleet pacing across real, separate processes (docs/pacing.md, "Fleet pacing"): children each build the
 * app's deps from the compiled code, against one Azurite and one emulator with the same API key, and keep
 * six calls in flight on one bucket — a backlog, as the queue trigger's instances have under load. With
 * FLEET_PACING on, the configured rate is the fleet's: three processes take a third each and the key's
 * bucket refuses next to nothing; with it off (the control) they send three times the limit. A process
 * that is SIGKILLed stops counting after the lease and the survivors take its share; one that shuts down
 * hands its share over at once.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../devkit/azurite.js';
import { routeLabel } from '../../emulator/catalogue.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import { useBuiltApp } from '../support/builtApp.js';

/** A child that keeps six status reads in flight and prints its gate's share every 200 ms. */
const CHILD = `
const dist = process.argv[2];
const { loadConfig } = await import(dist + '/shared/config/loadConfig.js');
const { buildAppDeps } = await import(dist + '/shared/app/appDeps.js');
const deps = await buildAppDeps(loadConfig(process.env), {
  fleetShares: { heartbeatMs: 500, leaseMs: 2000 },
});
let stopping = false;
const loop = async () => {
  while (!stopping) await deps.client.getSubmission('sub_fleet');
};
const loops = Array.from({ length: 6 }, loop);
const report = setInterval(() => {
  const s = deps.resilience.gates.snapshot().submission_read;
  if (s) console.log('SHARE ' + JSON.stringify({ share: s.share, rate: s.ratePerSecond ?? null }));
}, 200);
process.on('SIGTERM', async () => {
  stopping = true;
  clearInterval(report);
  await Promise.all(loops);
  await deps.close();
  console.log('CLOSED');
  process.exit(0);
});
console.log('READY');
`;

/** One app process, its latest reported share kept. */
class AppProcess {
  readonly lines: string[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly closed: Promise<void>;
  share = 1;

  constructor(script: string, dist: string, env: Record<string, string>) {
    this.#child = spawn(process.execPath, [script, dist], { env: { ...process.env, ...env } });
    createInterface({ input: this.#child.stderr }).on('line', (l) => this.lines.push(l));
    let ready: () => void = () => undefined;
    let closed: () => void = () => undefined;
    this.ready = new Promise((resolve) => (ready = resolve));
    this.closed = new Promise((resolve) => (closed = resolve));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      this.lines.push(line);
      if (line === 'READY') ready();
      if (line === 'CLOSED') closed();
      if (line.startsWith('SHARE ')) this.share = (JSON.parse(line.slice(6)) as { share: number }).share;
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until every process reports a share within 2 % of `expected`; false after `withinMs`. */
async function sharesSettle(
  apps: readonly AppProcess[],
  expected: number,
  withinMs: number,
): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (apps.every((a) => Math.abs(a.share - expected) <= 0.02 * expected)) return true;
    await sleep(100);
  }
  return false;
}

describe('fleet pacing between separate processes', () => {
  const app = useBuiltApp();
  let azurite: AzuriteInstance;
  let emulator: EmulatorHandle;
  let script: string;
  let dist: string;
  let env: Record<string, string>;
  const started: AppProcess[] = [];

  /** The share of status reads the emulator answered 429 over the next `ms`. */
  async function refusedShareOver(ms: number): Promise<{ refused: number; total: number }> {
    const read = (): { total: number; refused: number } => {
      const route = emulator.stats().routes[routeLabel('submissions.get')];
      return { total: route?.count ?? 0, refused: route?.byStatus['429'] ?? 0 };
    };
    const before = read();
    await sleep(ms);
    const after = read();
    return { refused: after.refused - before.refused, total: after.total - before.total };
  }

  function startApps(n: number, extra: Record<string, string>): AppProcess[] {
    const apps = Array.from({ length: n }, () => new AppProcess(script, dist, { ...env, ...extra }));
    started.push(...apps);
    return apps;
  }

  beforeAll(async () => {
    azurite = await startAzurite();
    emulator = await startEmulator({
      storageConnectionString: azurite.connectionString,
      rates: { submission_read: { ratePerSecond: 12, burst: 12 } },
    });
    script = path.join(app.root, 'fleetPacingChild.mjs');
    writeFileSync(script, CHILD);
    dist = path.join(app.root, 'dist');
    env = {
      AzureWebJobsStorage: azurite.connectionString,
      MEDIAMAGIC_API_BASE_URL: emulator.url,
      MEDIAMAGIC_API_KEY: emulator.sandboxKey as string,
      LEDGER_CONTAINER: 'fleet-pacing-ledger',
      INVOCATION_BUDGET_SECONDS: '20',
      MEDIAMAGIC_RATE_LIMITS: 'submission_read=12:12',
    };
  }, 240_000);

  afterAll(async () => {
    for (const p of started) p.kill('SIGKILL');
    await emulator?.stop();
    await azurite?.stop();
  });

  it('without fleet pacing, three processes each send the configured rate and the key refuses most', async () => {
    const apps = startApps(3, { FLEET_PACING: 'false' });
    await Promise.all(apps.map((a) => a.ready));
    await sleep(1_000);
    const { refused, total } = await refusedShareOver(4_000);
    for (const a of apps) a.kill('SIGKILL');
    // Three times the limit on the wire: about two thirds refused when idle; a loaded machine sends less
    // (0.29 seen in CI), so the bar is set well clear of the coordinated case's < 0.05 instead.
    expect(refused / total).toBeGreaterThan(0.15);
  }, 60_000);

  it('with fleet pacing, three processes take a third each; a SIGKILLed one’s share is taken after the lease; one shutting down hands over at once', async () => {
    await sleep(3_000); // the control's 429 pauses are over
    const apps = startApps(3, { FLEET_PACING: 'true', FLEET_NEWS: 'true' });
    await Promise.all(apps.map((a) => a.ready));
    expect(await sharesSettle(apps, 1 / 3, 15_000)).toBe(true);
    const { refused, total } = await refusedShareOver(4_000);
    expect(total).toBeGreaterThan(30); // ~12/s for 4 s: the fleet is sending, not starved
    expect(refused / total).toBeLessThan(0.05);

    const [killed, left, stays] = apps as [AppProcess, AppProcess, AppProcess];
    killed.kill('SIGKILL');
    // Lease 2 s + heartbeat 0.5 s (+ the service clock's whole seconds): the survivors split it.
    expect(await sharesSettle([left, stays], 0.5, 10_000)).toBe(true);

    left.kill('SIGTERM');
    await left.closed;
    // Its blob is deleted on the way out: the last one takes the whole rate at its next heartbeat.
    expect(await sharesSettle([stays], 1, 2_000)).toBe(true);
    const alone = await refusedShareOver(3_000);
    expect(alone.refused / alone.total).toBeLessThan(0.05);
  }, 90_000);
});
