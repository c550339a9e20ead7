/**
 * Copies a source blob into MediaMagic's upload URL entirely server-side: Put Block From URL in parallel
 * chunks, then Put Block List. The blob's bytes never enter this process (docs/design.md, decision 4), so a 5
 * GiB video costs the function a few kilobytes of memory.
 */
import { BlockBlobClient, RestError } from '@azure/storage-blob';
import type { Clock, Random } from '../clock.js';
import { INITIAL_BACKOFF, nextBackoff } from '../resilience/backoff.js';
import {
  addStoragePolicy,
  boundedStorageClient,
  type StoragePolicy,
  type StorageTries,
} from '../storage/tryTimeout.js';

/** Tuning for one copy. */
export interface CopyOptions {
  readonly contentType: string;
  /** Bytes per Put Block From URL call. Default 8 MiB. */
  readonly blockSizeBytes?: number;
  /** Blocks staged at once. Default 4. */
  readonly concurrency?: number;
  /** Attempts per block (and for the commit). Default 5. */
  readonly maxAttempts?: number;
  /**
   * The source ETag the claim recorded: every block is read only if the source still has it, so an
   * overwrite during the copy cannot mix two generations' bytes (docs/design.md, decision 4).
   */
  readonly sourceEtag: string;
  /** No retry wait that would end after this epoch ms starts; a failed call is then returned as it is. */
  readonly deadlineMs: number;
  /**
   * Stops the copy at once, in-flight calls included, with nothing committed: the drive's claim is lost or
   * about to lapse (../pipeline/holdClaim.ts). The copy then ends as `aborted`.
   */
  readonly signal?: AbortSignal;
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

/**
 * Why a copy stopped before committing, without anything having failed: the source no longer has the
 * claimed ETag (`source-changed`: a re-upload is in progress, and its own generation will be claimed), or
 * the caller's signal aborted it (`aborted`: the drive may not go on copying; the signal's reason says why).
 */
export interface CopyStopped {
  readonly kind: 'source-changed' | 'aborted';
  readonly blocksStaged: number;
  readonly message: string;
}

/** The outcome of a copy. Nothing is committed unless `ok`. */
export type CopyResult =
  | { readonly ok: true; readonly blocks: number; readonly bytes: number }
  | { readonly ok: false; readonly failure: CopyFailure | CopyStopped };

/** The policy name under which the target client sends `x-ms-source-if-match`. */
const SOURCE_IF_MATCH_POLICY = 'mediamagicSourceIfMatch';

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
  // BlockBlobClient.stageBlockFromURL (storage-blob 12.34) drops source conditions although Put Block From
  // URL takes them, so the header is set on the wire, on the requests that read a source (../storage/tryTimeout.ts).
  addStoragePolicy(target, sourceIfMatchPolicy(options.sourceEtag));
  const blockSize = options.blockSizeBytes ?? DEFAULT_BLOCK_SIZE;
  const blocks = planBlocks(size, blockSize);

  const { signal } = options;
  const abortSignal = signal ? { abortSignal: signal } : {};

  let next = 0;
  let staged = 0;
  let firstFailure: CopyFailure | CopyStopped | undefined;
  const worker = async (): Promise<void> => {
    while (!firstFailure && next < blocks.length) {
      if (signal?.aborted) return;
      const block = blocks[next++] as Block;
      const result = await withRetries(options, () =>
        target.stageBlockFromURL(block.id, sourceSasUrl, block.offset, block.count, abortSignal),
      );
      if (!result.ok) {
        firstFailure ??=
          result.failure.status === 412 ? stopped('source-changed', staged, blocks.length) : result.failure;
        return;
      }
      staged++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, blocks.length) }, worker));
  // An abort outranks whatever the aborted calls failed with: the caller must not act on the copy at all.
  if (signal?.aborted) return { ok: false, failure: stopped('aborted', staged, blocks.length, signal) };
  if (firstFailure) return { ok: false, failure: firstFailure };

  const committed = await withRetries(options, () =>
    target.commitBlockList(
      blocks.map((b) => b.id),
      { blobHTTPHeaders: { blobContentType: options.contentType }, ...abortSignal },
    ),
  );
  if (signal?.aborted) return { ok: false, failure: stopped('aborted', staged, blocks.length, signal) };
  if (!committed.ok) return { ok: false, failure: committed.failure };
  return { ok: true, blocks: blocks.length, bytes: size };
}

function stopped(
  kind: CopyStopped['kind'],
  blocksStaged: number,
  blocks: number,
  signal?: AbortSignal,
): CopyStopped {
  const why =
    kind === 'source-changed'
      ? 'the source blob changed during the copy (its ETag no longer matches the claim)'
      : `aborted: ${signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason)}`;
  return { kind, blocksStaged, message: `copy stopped after ${blocksStaged} of ${blocks} blocks: ${why}` };
}

/** Sets `x-ms-source-if-match` on every request that reads a source by URL (Put Block From URL). */
function sourceIfMatchPolicy(etag: string): StoragePolicy {
  return {
    name: SOURCE_IF_MATCH_POLICY,
    sendRequest(request, next) {
      if (request.headers.has('x-ms-copy-source')) request.headers.set('x-ms-source-if-match', etag);
      return next(request);
    },
  };
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
      if (!failure.retryable || attempt >= maxAttempts || options.signal?.aborted)
        return { ok: false, failure };
      const [delay, nextState] = nextBackoff(backoff, { baseMs: 200, capMs: 5_000 }, options.random);
      backoff = nextState;
      if (options.clock.now() + delay > options.deadlineMs) return { ok: false, failure };
      try {
        await options.clock.sleep(delay, options.signal);
      } catch {
        return { ok: false, failure };
      }
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
