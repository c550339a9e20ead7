/**
 * Copies a source blob into MediaMagic's upload URL entirely server-side: Put Block From URL in parallel
 * chunks, then Put Block List. The blob's bytes never enter this process (docs/design.md, decision 4), so a 5
 * GiB video costs the function a few kilobytes of memory.
 */
import { BlockBlobClient, RestError } from '@azure/storage-blob';
import type { Clock, Random } from '../clock.js';
import { INITIAL_BACKOFF, nextBackoff } from '../resilience/backoff.js';
import { boundedStorageClient, type StorageTries } from '../storage/tryTimeout.js';

/** Tuning for one copy. */
export interface CopyOptions {
  readonly contentType: string;
  /** Bytes per Put Block From URL call. Default 8 MiB. */
  readonly blockSizeBytes?: number;
  /** Blocks staged at once. Default 4. */
  readonly concurrency?: number;
  /** Attempts per block (and for the commit). Default 5. */
  readonly maxAttempts?: number;
  /** No new attempt starts after this epoch ms. */
  readonly deadlineMs: number;
  readonly clock: Clock;
  readonly random: Random;
  /** Test seam: how to talk to the upload URL. */
  readonly target?: BlockBlobClient;
  /** Test seam: the default target's per-try bound and SDK retries (../storage/tryTimeout.ts). */
  readonly tries?: StorageTries;
}

/** Why a copy failed, and whether asking again (with a fresh upload URL) could help. */
export interface CopyFailure {
  readonly kind: 'copy-failed';
  readonly retryable: boolean;
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
}

/** The outcome of a copy. */
export type CopyResult =
  | { readonly ok: true; readonly blocks: number; readonly bytes: number }
  | { readonly ok: false; readonly failure: CopyFailure };

const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Copies `size` bytes from `sourceSasUrl` to `uploadUrl` (a write SAS), committing with `contentType`. */
export async function copyToUploadUrl(
  sourceSasUrl: string,
  size: number,
  uploadUrl: string,
  options: CopyOptions,
): Promise<CopyResult> {
  const target =
    options.target ??
    boundedStorageClient((pipeline) => new BlockBlobClient(uploadUrl, undefined, pipeline), options.tries);
  const blockSize = options.blockSizeBytes ?? DEFAULT_BLOCK_SIZE;
  const blocks = planBlocks(size, blockSize);

  let next = 0;
  let firstFailure: CopyFailure | undefined;
  const worker = async (): Promise<void> => {
    while (!firstFailure && next < blocks.length) {
      const block = blocks[next++] as Block;
      const staged = await withRetries(options, () =>
        target.stageBlockFromURL(block.id, sourceSasUrl, block.offset, block.count),
      );
      if (!staged.ok) firstFailure ??= staged.failure;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, blocks.length) }, worker));
  if (firstFailure) return { ok: false, failure: firstFailure };

  const committed = await withRetries(options, () =>
    target.commitBlockList(
      blocks.map((b) => b.id),
      { blobHTTPHeaders: { blobContentType: options.contentType } },
    ),
  );
  if (!committed.ok) return { ok: false, failure: committed.failure };
  return { ok: true, blocks: blocks.length, bytes: size };
}

interface Block {
  readonly id: string;
  readonly offset: number;
  readonly count: number;
}

/** Fixed-width block ids: Azure requires every id in a blob to have the same encoded length. */
function planBlocks(size: number, blockSize: number): Block[] {
  const blocks: Block[] = [];
  for (let offset = 0, i = 0; offset < size || (size === 0 && i === 0); offset += blockSize, i++) {
    blocks.push({
      id: Buffer.from(`block-${String(i).padStart(6, '0')}`).toString('base64'),
      offset,
      count: Math.min(blockSize, size - offset),
    });
    if (size === 0) break;
  }
  return blocks;
}

async function withRetries(
  options: CopyOptions,
  operation: () => Promise<unknown>,
): Promise<{ ok: true } | { ok: false; failure: CopyFailure }> {
  const maxAttempts = options.maxAttempts ?? 5;
  let backoff = INITIAL_BACKOFF;
  for (let attempt = 1; ; attempt++) {
    try {
      await operation();
      return { ok: true };
    } catch (error) {
      const failure = describe(error);
      if (!failure.retryable || attempt >= maxAttempts) return { ok: false, failure };
      const [delay, nextState] = nextBackoff(backoff, { baseMs: 200, capMs: 5_000 }, options.random);
      backoff = nextState;
      if (options.clock.now() + delay > options.deadlineMs) return { ok: false, failure };
      await options.clock.sleep(delay);
    }
  }
}

function describe(error: unknown): CopyFailure {
  if (error instanceof RestError) {
    const status = error.statusCode;
    const code = (error.details as { errorCode?: string } | undefined)?.errorCode ?? error.code;
    const retryable = status === undefined || RETRYABLE_STATUS.has(status);
    return {
      kind: 'copy-failed',
      retryable,
      ...(status !== undefined ? { status } : {}),
      ...(code ? { code } : {}),
      message: `server-side copy failed${status ? ` with HTTP ${status}` : ''}${code ? ` (${code})` : ''}`,
    };
  }
  const code = (error as { code?: unknown })?.code;
  return {
    kind: 'copy-failed',
    retryable: true,
    ...(typeof code === 'string' ? { code } : {}),
    message: `server-side copy failed: ${error instanceof Error ? error.name : 'unknown error'}`,
  };
}
