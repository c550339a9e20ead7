/**
 * `npm start -- --instances N`: the functions in the processes Flex Consumption gives them — the queue
 * trigger in N dev hosts sharing one queue, the timers in one, the webhook receiver in one — as real
 * separate processes over a real Azurite.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { startAzurite } from '../../devkit/azurite.js';
import { stopChild } from '../../devkit/stopChild.js';
import { useBuiltApp } from '../support/builtApp.js';
import {
  groupAlive,
  portOpen,
  pressCtrlC,
  processAlive,
  startStack,
  waitFor,
} from '../support/localStack.js';
import { sampleMedia } from '../support/media.js';

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/**
 * A built app with one function per trigger kind, each appending a line to `log` when it runs: the queue
 * function `queue <pid> <message>`, the timer (every second) `timer <pid>`. Small batches, so a backlog is
 * spread over the processes that poll the queue.
 */
function probeApp(log: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mm-probe-app-'));
  roots.push(root);
  mkdirSync(path.join(root, 'dist/functions'), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ main: 'dist/functions/*.js' }));
  writeFileSync(
    path.join(root, 'host.json'),
    JSON.stringify({ version: '2.0', extensions: { queues: { batchSize: 4, newBatchThreshold: 1 } } }),
  );
  writeFileSync(
    path.join(root, 'dist/functions/probe.js'),
    `const core = require('@azure/functions-core');
const fs = require('node:fs');
const log = ${JSON.stringify(log)};
core.registerFunction(
  { name: 'probeQueue', bindings: { t: { type: 'queueTrigger', direction: 'in', queueName: '%PROBE_QUEUE%' } } },
  async (message) => {
    await new Promise((r) => setTimeout(r, 100));
    fs.appendFileSync(log, 'queue ' + process.pid + ' ' + JSON.stringify(message) + '\\n');
  },
);
core.registerFunction(
  { name: 'probeTimer', bindings: { t: { type: 'timerTrigger', direction: 'in', schedule: '* * * * * *' } } },
  async () => fs.appendFileSync(log, 'timer ' + process.pid + '\\n'),
);
core.registerHook('appTerminate', async () => {
  await new Promise((r) => setTimeout(r, 50));
  fs.appendFileSync(log, 'terminate ' + process.pid + '\\n');
});
core.registerFunction(
  { name: 'probeHttp', bindings: { t: { type: 'httpTrigger', direction: 'in', methods: ['GET'] } } },
  async () => ({ status: 200 }),
);
`,
  );
  return root;
}

/** Starts a dev host with `args` and resolves with its ready line's content once it printed it. */
async function devHost(
  appRoot: string,
  hostScript: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; ready: { url?: string; roles: string[]; pid: number } }> {
  const child = spawn(process.execPath, [hostScript, '--app-root', appRoot, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const m = /^DEV_HOST_READY (\{.*\})$/.exec(line);
    if (m?.[1]) {
      lines.on('line', () => undefined);
      return { child, ready: JSON.parse(m[1]) as { url?: string; roles: string[]; pid: number } };
    }
  }
  throw new Error(`the dev host exited (${String(child.exitCode)}) before it was ready`);
}

describe('npm start -- --instances N: the local stack in the shape Flex Consumption runs it', () => {
  const app = useBuiltApp();

  it('refuses a bad --instances value (or --only role) with usage exit code 2, starting nothing', () => {
    for (const args of [
      ['--instances=0'],
      ['--instances=-1'],
      ['--instances', '-1'],
      ['--instances=2.5'],
      ['--instances=three'],
      ['--instances='],
      ['--instances=33'],
      ['--instances'],
    ]) {
      const r = spawnSync(process.execPath, [path.join(app.root, 'dist/scripts/start.js'), ...args], {
        cwd: app.root,
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('--instances');
      expect(r.stderr, 'the usage text follows the error').toContain('Usage: npm start');
      expect(r.stdout, 'nothing was started').not.toContain('Azurite');
    }
    const help = spawnSync(process.execPath, [path.join(app.root, 'dist/scripts/start.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(help.stdout).toContain('--instances N');

    const only = spawnSync(
      process.execPath,
      [path.join(app.root, 'dist/scripts/devHost/main.js'), '--only', 'queue,cron'],
      { cwd: app.root, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 20_000 },
    );
    expect(only.status).toBe(2);
    expect(only.stderr).toContain('unknown role "cron"');
  });

  it('three dev hosts with --only queue share one queue: each message handled once, by several processes; no timer fires, no port opens', async () => {
    const azurite = await startAzurite();
    const work = mkdtempSync(path.join(tmpdir(), 'mm-probe-'));
    roots.push(work);
    const log = path.join(work, 'handled.log');
    writeFileSync(log, '');
    const appRoot = probeApp(log);
    const env = { AzureWebJobsStorage: azurite.connectionString, PROBE_QUEUE: 'probe' };
    const hosts: ChildProcess[] = [];
    try {
      const hostScript = path.join(app.root, 'dist/scripts/devHost/main.js');
      for (let i = 0; i < 3; i += 1) {
        const { child, ready } = await devHost(appRoot, hostScript, ['--only', 'queue'], env);
        hosts.push(child);
        expect(ready.roles).toEqual(['queue']);
        expect(ready.url, 'a queue-only host serves no HTTP').toBeUndefined();
      }
      const queue = new QueueClient(azurite.connectionString, 'probe');
      await queue.createIfNotExists();
      const count = 60;
      for (let n = 0; n < count; n += 1)
        await queue.sendMessage(Buffer.from(JSON.stringify({ n })).toString('base64'));

      const handled = (): string[] =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('queue '));
      await waitFor(
        `${count} messages handled`,
        async () =>
          handled().length >= count && (await queue.getProperties()).approximateMessagesCount === 0
            ? true
            : undefined,
        30_000,
      );
      // Long enough for a message handed out twice to be handled twice.
      await new Promise((r) => setTimeout(r, 2_000));

      const lines = handled();
      const numbers = lines.map((l) => (JSON.parse(l.split(' ')[2] ?? '{}') as { n: number }).n);
      expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, n) => n));
      const pids = new Set(lines.map((l) => Number(l.split(' ')[1])));
      expect(pids.size, 'the backlog was shared between processes').toBeGreaterThan(1);
      for (const pid of pids) expect(hosts.map((h) => h.pid)).toContain(pid);
      expect(readFileSync(log, 'utf8'), 'a queue-only host drives no timer').not.toContain('timer ');

      // A graceful stop runs the app's appTerminate hooks, as the host's does.
      await Promise.all(hosts.map((h) => stopChild(h, 5_000)));
      const terminated = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('terminate '))
        .map((l) => Number(l.split(' ')[1]));
      expect(terminated.sort()).toEqual(hosts.map((h) => h.pid).sort());
    } finally {
      await Promise.all(hosts.map((h) => stopChild(h, 5_000)));
      await azurite.stop();
    }
  }, 90_000);

  it('--instances 3: three queue processes, one for the timers, one for HTTP; uploads reach complete; Ctrl-C leaves none running', async () => {
    const { child, info, output } = await startStack(app.root, ['--instances', '3']);
    try {
      expect(info.hosts.map((h) => h.role)).toEqual(['queue-1', 'queue-2', 'queue-3', 'timers', 'http']);
      const pids = info.hosts.map((h) => h.pid);
      expect(new Set(pids).size, 'five separate processes').toBe(5);
      for (const pid of pids) expect(processAlive(pid), `pid ${pid}`).toBe(true);
      for (const label of ['queue-1', 'queue-2', 'queue-3', 'timers', 'http'])
        expect(output()).toMatch(new RegExp(`^\\[${label}\\] DEV_HOST_READY`, 'm'));
      expect(output()).toContain('the queue trigger in 3 processes');

      const keys = JSON.parse(readFileSync(info.keysFile, 'utf8')) as { apiKey: string };
      const work = mkdtempSync(path.join(tmpdir(), 'mm-files-'));
      roots.push(work);
      const cli = (...args: string[]): Record<string, unknown> => {
        const r = spawnSync(process.execPath, [path.join(app.root, 'dist/cli/main.js'), ...args], {
          cwd: work,
          env: {
            PATH: process.env.PATH ?? '',
            AzureWebJobsStorage: info.storage,
            MEDIAMAGIC_API_BASE_URL: info.apiUrl,
            MEDIAMAGIC_API_KEY: keys.apiKey,
          },
          encoding: 'utf8',
        });
        return JSON.parse(r.stdout || '{}') as Record<string, unknown>;
      };
      const files = ['a.mp4', 'b.mp4', 'c.pdf', 'd.png', 'e.mp4', 'f.pdf'];
      for (const name of files)
        writeFileSync(
          path.join(work, name),
          sampleMedia(
            name.endsWith('.pdf') ? 'application/pdf' : name.endsWith('.png') ? 'image/png' : 'video/mp4',
          ),
        );
      expect((cli('upload', ...files, '--prefix', 'fleet/', '--json').uploaded as unknown[]).length).toBe(6);
      await waitFor(
        'status --json to show 6 complete',
        () =>
          Promise.resolve(
            (cli('status', '--json').counts as Record<string, number> | undefined)?.complete === 6
              ? true
              : undefined,
          ),
        90_000,
      );

      // Each function ran in its own share of the fleet, never elsewhere.
      const ranIn = (fn: string): Set<string> =>
        new Set(
          [...output().matchAll(new RegExp(`^\\[([a-z0-9-]+)\\] \\[[^\\]]+\\] ${fn} `, 'gm'))].map(
            (m) => m[1] ?? '',
          ),
        );
      const queueRoles = ranIn('submitOnBlobCreated');
      expect(queueRoles.size).toBeGreaterThan(0);
      for (const role of queueRoles) expect(role).toMatch(/^queue-[123]$/);
      // On a loaded machine the timer's poll can complete the files before their webhooks arrive: wait for one.
      await waitFor(
        'a webhook to be received',
        () => Promise.resolve(ranIn('receiveWebhook').size > 0 ? true : undefined),
        30_000,
      );
      expect([...ranIn('receiveWebhook')]).toEqual(['http']);
      // The files may all complete (by webhooks) before the timer's first run: wait for one (every 10 s locally).
      await waitFor(
        'the polling timer to run',
        () => Promise.resolve(ranIn('pollSubmissions').size > 0 ? true : undefined),
        30_000,
      );
      expect([...ranIn('pollSubmissions')]).toEqual(['timers']);

      // Several processes on one key: the launcher turned fleet pacing on, and the processes that sent
      // joined the roster in the ledger container (docs/pacing.md, "Fleet pacing").
      expect(output()).toContain('fleet: FLEET_NEWS=true, FLEET_PACING=true');
      const ledger = BlobServiceClient.fromConnectionString(info.storage).getContainerClient(
        'mediamagic-ledger',
      );
      const members: string[] = [];
      for await (const blob of ledger.listBlobsFlat({ prefix: 'fleet/members/' })) members.push(blob.name);
      expect(members.length).toBeGreaterThan(0);
    } finally {
      pressCtrlC(child);
      const code =
        child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', resolve)));
      expect(code).toBe(0);
    }
    await waitFor(
      'the process group to be gone',
      () => Promise.resolve(groupAlive(child.pid ?? 0) ? undefined : true),
      15_000,
    );
    for (const { pid, role } of info.hosts) expect(processAlive(pid), role).toBe(false);
    expect(existsSync(info.keysFile)).toBe(false);
    const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(info.storage)?.[1] ?? '';
    for (const url of [info.apiUrl, info.hostUrl, blobEndpoint]) expect(await portOpen(url), url).toBe(false);
  }, 180_000);

  it('one process of the fleet dying stops the whole stack (exit code 1), leaving nothing running', async () => {
    const { child, info, output } = await startStack(app.root, ['--instances', '2']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const victim = info.hosts.find((h) => h.role === 'queue-2');
    expect(victim).toBeDefined();
    process.kill(victim?.pid ?? 0, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(output()).toContain('the queue-2 process exited (SIGKILL); stopping');
    await waitFor(
      'the process group to be gone',
      () => Promise.resolve(groupAlive(child.pid ?? 0) ? undefined : true),
      15_000,
    );
    for (const { pid, role } of info.hosts) expect(processAlive(pid), role).toBe(false);
    expect(await portOpen(info.hostUrl)).toBe(false);
  }, 120_000);
});
