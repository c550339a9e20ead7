import { BlobServiceClient } from '@azure/storage-blob';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { resultPath } from '../../shared/storage/resultsStore.js';
import { useBuiltApp } from '../support/builtApp.js';
import { sampleMedia } from '../support/media.js';

interface StackInfo {
  storage: string;
  apiUrl: string;
  apiKey: string;
  hostUrl: string;
  webhookUrl: string;
  sourceContainer: string;
}

/** Starts `npm start`'s entry point (built) on free ports and resolves with what it printed. */
function startStack(root: string): Promise<{ child: ChildProcess; info: StackInfo; output: () => string }> {
  const child = spawn(
    process.execPath,
    [path.join(root, 'dist/scripts/start.js'), '--free-ports', '--no-settings-file'],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start:\n${output}`)), 90_000);
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /STACK_READY (\{.*\})/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(m[1]) as StackInfo, output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`stack exited with ${String(code)}:\n${output}`)));
  });
}

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('npm start: the whole pipeline locally', () => {
  const app = useBuiltApp();
  let running: ChildProcess | undefined;
  afterAll(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
  });

  it('uploads go from blob to results with webhooks on; Ctrl-C leaves nothing listening', async () => {
    const { child, info, output } = await startStack(app.root);
    running = child;
    const blobs = BlobServiceClient.fromConnectionString(info.storage);
    const ledger = new BlobLedger(blobs.getContainerClient('mediamagic-ledger'), systemClock);
    const files: [string, string][] = [
      ['demo/launch.mp4', 'video/mp4'],
      ['demo/brief.pdf', 'application/pdf'],
      ['demo/cover.png', 'image/png'],
    ];
    for (const [name, mime] of files) {
      const bytes = sampleMedia(mime);
      await blobs
        .getContainerClient(info.sourceContainer)
        .getBlockBlobClient(name)
        .uploadData(bytes, { blobHTTPHeaders: { blobContentType: mime } });
    }

    for (const [name] of files) {
      const record = await waitFor(
        `${name} to complete`,
        async () => {
          const r = (await ledger.get(ledgerKey(info.sourceContainer, name)))?.record;
          return r?.state === 'complete' ? r : undefined;
        },
        60_000,
      );
      // Webhooks were on: the receiver saw this submission's event.
      expect(record.seenEventIds.length).toBeGreaterThan(0);
      expect(
        await blobs
          .getContainerClient('mediamagic-results')
          .getBlobClient(resultPath(name, 'result'))
          .exists(),
      ).toBe(true);
    }
    expect(output()).toContain('in-process dev host');

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(info.storage)?.[1] ?? '';
    for (const url of [info.apiUrl, info.hostUrl, blobEndpoint]) expect(await portOpen(url), url).toBe(false);
  }, 180_000);
});
