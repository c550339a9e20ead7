/**
 * Azurite, the local Azure Storage emulator, as a child process on free ports: what the tests, the
 * benchmarks, `npm start` and the emulator's `--start-azurite` all stand on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stopChild } from './stopChild.js';

/** Well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** The key of {@link AZURITE_ACCOUNT}, the same in every Azurite. */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running Azurite child process and how to reach it. */
export interface AzuriteInstance {
  readonly blobEndpoint: string;
  readonly queueEndpoint: string;
  readonly tableEndpoint: string;
  /** Full connection string for the storage SDKs and `AzureWebJobsStorage`. */
  readonly connectionString: string;
  /** Stops the process and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@link startAzurite}. */
export interface AzuriteOptions {
  /** Persist under this folder instead of in memory. */
  readonly location?: string;
  /** Fixed ports; default 0 (the OS picks free ones). */
  readonly blobPort?: number;
  readonly queuePort?: number;
  readonly tablePort?: number;
  /** How long to wait for all three "successfully listening" lines. Default 30 s. */
  readonly startTimeoutMs?: number;
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

/**
 * Spawns Azurite's own bin from node_modules (not through npx, so a kill reaches the real process) on free
 * ports, and resolves once the blob, queue and table services all print their "successfully listening" line.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const requireFromHere = createRequire(path.join(process.cwd(), 'package.json'));
  const bin = path.join(path.dirname(requireFromHere.resolve('azurite/package.json')), 'dist/src/azurite.js');
  const args = [
    bin,
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
    '--blobPort',
    String(options.blobPort ?? 0),
    '--queuePort',
    String(options.queuePort ?? 0),
    '--tablePort',
    String(options.tablePort ?? 0),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoints = await waitForEndpoints(child, options.startTimeoutMs ?? 30_000);
  // Keep draining output (Azurite prints an access log line per request) so its pipe never fills.
  child.stdout?.resume();
  child.stderr?.resume();
  const blobEndpoint = `${endpoints.Blob}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `${endpoints.Queue}/${AZURITE_ACCOUNT}`;
  const tableEndpoint = `${endpoints.Table}/${AZURITE_ACCOUNT}`;
  return {
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    stop: () => stopChild(child),
  };
}

function waitForEndpoints(child: ChildProcess, timeoutMs: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const found: Record<string, string> = {};
    let output = '';
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`Azurite did not start within ${timeoutMs} ms. Output:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const m = LISTENING.exec(line);
        if (m?.[1] && m[2]) found[m[1]] = m[2];
      }
      if (found.Blob && found.Queue && found.Table) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${String(code)} before listening. Output:\n${output}`));
    });
  });
}
