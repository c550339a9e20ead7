import { BlobServiceClient } from '@azure/storage-blob';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { useBuiltApp } from '../support/builtApp.js';
import { portOpen, startStack, waitFor } from '../support/localStack.js';
import { sampleMedia } from '../support/media.js';

describe('npm start: the whole pipeline locally', () => {
  const app = useBuiltApp();
  let running: ChildProcess | undefined;
  afterAll(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
  });

  it('files uploaded with the CLI reach results (status --json says complete); Ctrl-C leaves nothing listening', async () => {
    const { child, info, output } = await startStack(app.root);
    running = child;
    const keys = JSON.parse(readFileSync(info.keysFile, 'utf8')) as { apiKey: string };
    expect(keys.apiKey.length).toBeGreaterThan(12);
    expect(statSync(info.keysFile).mode & 0o077, 'the keys file is readable by its owner only').toBe(0);
    expect(output(), 'npm start prints the key masked, never whole').not.toContain(keys.apiKey);
    expect(info.apiKey).toBe(`${keys.apiKey.slice(0, 8)}…${keys.apiKey.slice(-4)}`);
    const cliEnv = {
      PATH: process.env.PATH ?? '',
      AzureWebJobsStorage: info.storage,
      MEDIAMAGIC_API_BASE_URL: info.apiUrl,
      MEDIAMAGIC_API_KEY: keys.apiKey,
    };
    const work = mkdtempSync(path.join(tmpdir(), 'mm-files-'));
    const cli = (...args: string[]): { code: number | null; json: Record<string, unknown> } => {
      const r = spawnSync(process.execPath, [path.join(app.root, 'dist/cli/main.js'), ...args], {
        cwd: work,
        env: cliEnv,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).not.toContain(keys.apiKey);
      return { code: r.status, json: JSON.parse(r.stdout || '{}') as Record<string, unknown> };
    };
    const files: [string, string][] = [
      ['launch.mp4', 'video/mp4'],
      ['brief.pdf', 'application/pdf'],
      ['cover.png', 'image/png'],
    ];
    for (const [name, mime] of files) writeFileSync(path.join(work, name), sampleMedia(mime));

    const uploaded = cli('upload', ...files.map(([n]) => n), '--prefix', 'demo/', '--json');
    expect(uploaded.code).toBe(0);
    expect((uploaded.json.uploaded as unknown[]).length).toBe(3);

    await waitFor(
      'status --json to show 3 complete',
      () => {
        const status = cli('status', '--json');
        return Promise.resolve(
          (status.json.counts as Record<string, number> | undefined)?.complete === 3 ? status : undefined,
        );
      },
      90_000,
    );
    for (const [name] of files) {
      const one = cli('status', '--blob', `demo/${name}`, '--json');
      expect(one.json).toMatchObject({ state: 'complete', results: { result: { exists: true } } });
      // Webhooks were on: the receiver saw this submission's event.
      const blobs = BlobServiceClient.fromConnectionString(info.storage);
      const record = (
        await new BlobLedger(blobs.getContainerClient('mediamagic-ledger'), systemClock).get(
          ledgerKey(info.sourceContainer, `demo/${name}`),
        )
      )?.record;
      expect(record?.seenEventIds.length).toBeGreaterThan(0);
    }
    expect(output()).toContain('in-process dev host');

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(existsSync(info.keysFile), 'the keys file is removed on Ctrl-C').toBe(false);
    const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(info.storage)?.[1] ?? '';
    for (const url of [info.apiUrl, info.hostUrl, blobEndpoint]) expect(await portOpen(url), url).toBe(false);
  }, 180_000);
});
