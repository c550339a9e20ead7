/**
 * The measured process of the memory benchmark: a fresh Node process that ingests one large source blob
 * and reports its peak resident memory. A fresh process per side, so neither inherits the other's heap.
 *
 * Usage: node dist/bench/memoryChild.js <copy|buffer> <blob name>   (app settings in the environment)
 * - `copy`: what our queue trigger runs — `processSourceBlob` in copy mode (server-side copy, then create
 *   the submission).
 * - `buffer`: what a host blob trigger hands a function — the whole blob downloaded into one Buffer.
 *
 * Prints one line `MEMORY_RESULT {json}`. Peak RSS is read two ways: sampled every 5 ms from
 * `process.memoryUsage.rss()`, and the kernel's own high-water mark (`VmHWM` in /proc/self/status), which
 * cannot miss a short spike between samples.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import { buildAppDeps } from '../shared/app/appDeps.js';
import { loadConfig } from '../shared/config/loadConfig.js';
import { silentLogger } from '../shared/logger.js';
import { processSourceBlob } from '../shared/pipeline/processSourceBlob.js';

/** What the child reports. */
export interface MemoryResult {
  readonly mode: 'copy' | 'buffer';
  /** RSS after the imports, before any work: the process's floor. */
  readonly idleRss: number;
  readonly peakSampledRss: number;
  /** Kernel high-water mark of RSS; undefined where /proc is not available. */
  readonly vmHwm?: number;
  readonly elapsedMs: number;
  /** Bytes the work moved (copied server-side, or held in the Buffer). */
  readonly bytes: number;
  /** `processSourceBlob`'s outcome kind, or `downloaded`. */
  readonly outcome: string;
  readonly blobPath?: string;
}

async function main(): Promise<void> {
  const [mode, name] = process.argv.slice(2);
  if ((mode !== 'copy' && mode !== 'buffer') || !name)
    throw new Error('usage: memoryChild <copy|buffer> <blob>');
  const idleRss = process.memoryUsage.rss();
  let peak = idleRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);

  const started = performance.now();
  const done = mode === 'copy' ? await ingestByCopy(name) : await downloadWhole(name);
  const elapsedMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());

  const result: MemoryResult = {
    mode,
    idleRss,
    peakSampledRss: peak,
    ...optional('vmHwm', highWaterMark()),
    elapsedMs,
    ...done,
  };
  console.log(`MEMORY_RESULT ${JSON.stringify(result)}`);
}

/** Our path: claim, validate, server-side copy into the upload URL, create the submission. */
async function ingestByCopy(name: string): Promise<Pick<MemoryResult, 'bytes' | 'outcome' | 'blobPath'>> {
  const deps = await buildAppDeps(loadConfig(process.env), { clientLogger: silentLogger });
  try {
    const result = await processSourceBlob(deps.submitDeps(silentLogger), name);
    const record = 'record' in result ? result.record : undefined;
    return {
      bytes: record?.contentLength ?? 0,
      outcome: result.kind,
      ...optional('blobPath', record?.blobPath),
    };
  } finally {
    await deps.close();
  }
}

/** The baseline: the blob as one Buffer, as the host's blob trigger binds it. */
async function downloadWhole(name: string): Promise<Pick<MemoryResult, 'bytes' | 'outcome'>> {
  const storage = process.env.AzureWebJobsStorage ?? '';
  const container = process.env.SOURCE_CONTAINER ?? 'uploads';
  const buffer = await BlobServiceClient.fromConnectionString(storage)
    .getContainerClient(container)
    .getBlobClient(name)
    .downloadToBuffer();
  return { bytes: buffer.length, outcome: 'downloaded' };
}

/** `VmHWM` from /proc/self/status, in bytes. */
function highWaterMark(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

main().catch((error: unknown) => {
  console.error(
    `memoryChild failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
