/**
 * A client-side bound on each try of a storage request. The storage SDK's own `tryTimeoutInMs` only sends
 * the service a `timeout=` query parameter (StorageRetryPolicyV2 in @azure/storage-common), so a server
 * that accepts the connection and never answers — Azurite frozen in a soak, a half-dead socket — holds the
 * call, and the invocation, indefinitely. The policy added here sits below the SDK's retry policy, sets
 * each try's `PipelineRequest.timeout` (the SDK's Node HTTP client aborts the socket when it passes) and
 * reports a try that ran out as a `RestError` with code `ETIMEDOUT`, which the storage retry policy
 * retries like any network timeout; the caller sees the last try's error.
 */
import { RestError, type StorageRetryOptions } from '@azure/storage-blob';

/**
 * The default per-try bound. The slowest single call the app makes is Put Block From URL: the service
 * copies one block (COPY_BLOCK_SIZE_MB, default 8 MiB, at most 100 MiB) from the source account before it
 * answers, so 90 s lets an 8 MiB block copy at as little as ~0.1 MiB/s and a 100 MiB block at ~1.1 MiB/s.
 * It also exceeds the service's own limit for every other call the app sends (30 s, Put Block List 60 s:
 * "Setting timeouts for Blob service operations"), so a service that is slow but alive answers with its
 * own error first; those calls move a few kilobytes (ledger records, tags, one small ranged read). A hung
 * server costs at most the SDK's 4 tries × 90 s plus its retry delays (0 + 4 + 12 s), about 6.3 minutes,
 * instead of forever.
 */
export const STORAGE_TRY_TIMEOUT_MS = 90_000;

/** The `RestError.code` of a try that hit its bound (a code the storage retry policy retries). */
export const TRY_TIMEOUT_CODE = 'ETIMEDOUT';

/** How a storage client bounds and retries its requests; tests shorten both. */
export interface StorageTries {
  /** The client-side bound on each try, in milliseconds. */
  readonly tryTimeoutMs: number;
  /** The SDK retry policy's options; default: the SDK's own (4 tries, exponential delays from 4 s). */
  readonly retry?: StorageRetryOptions;
}

/** The app's production setting. */
export const DEFAULT_STORAGE_TRIES: StorageTries = { tryTimeoutMs: STORAGE_TRY_TIMEOUT_MS };

/** The pipeline options a bounded client is built with (accepted by storage-blob and storage-queue alike). */
export interface BoundedClientOptions {
  readonly retryOptions?: StorageRetryOptions;
}

/**
 * Builds a storage client with `construct` (given the pipeline options to pass it) and bounds each try of
 * every request it — and every container or blob client derived from it — sends.
 */
export function boundedStorageClient<T extends object>(
  construct: (options: BoundedClientOptions) => T,
  tries: StorageTries = DEFAULT_STORAGE_TRIES,
): T {
  const client = construct(tries.retry ? { retryOptions: tries.retry } : {});
  const pipeline = requestPipelineOf(client);
  pipeline.removePolicy({ name: POLICY_NAME });
  pipeline.addPolicy(tryTimeoutPolicy(tries.tryTimeoutMs), { afterPhase: 'Retry' });
  return client;
}

const POLICY_NAME = 'mediamagicTryTimeout';

/** A request policy as {@link addStoragePolicy} takes it: the request's headers and the next step. */
export interface StoragePolicy {
  readonly name: string;
  sendRequest(request: PolicyRequest, next: (request: PolicyRequest) => Promise<unknown>): Promise<unknown>;
}

/** The part of a pipeline request a {@link StoragePolicy} may read and change. */
export interface PolicyRequest {
  readonly headers: { has(name: string): boolean; set(name: string, value: string): void };
}

/**
 * Adds `policy` to the request pipeline of `client` (and of every client derived from it), replacing a
 * policy of the same name: for request headers the SDK's options cannot express. Runs before the retry
 * policy, so once per request, not per try.
 */
export function addStoragePolicy(client: object, policy: StoragePolicy): void {
  const pipeline = requestPipelineOf(client);
  pipeline.removePolicy({ name: policy.name });
  pipeline.addPolicy(policy);
}

/** The parts of @azure/core-rest-pipeline's request, policy and pipeline used here (not a direct dependency). */
interface TryRequest {
  readonly url: string;
  readonly method: string;
  timeout: number;
  readonly abortSignal?: { readonly aborted: boolean };
}
interface TryPolicy {
  readonly name: string;
  sendRequest(request: TryRequest, next: (request: TryRequest) => Promise<unknown>): Promise<unknown>;
}
interface RequestPipeline {
  addPolicy(policy: TryPolicy | StoragePolicy, options?: { afterPhase: 'Retry' }): void;
  removePolicy(options: { name: string }): unknown;
}

function tryTimeoutPolicy(timeoutMs: number): TryPolicy {
  return {
    name: POLICY_NAME,
    async sendRequest(request, next) {
      request.timeout = timeoutMs;
      try {
        return await next(request);
      } catch (error) {
        // The HTTP client aborts a try that outlives `timeout` with an AbortError, which the storage retry
        // policy would rethrow at once (it retries only RestErrors). A caller's own abort stays an abort.
        if (!isAbortError(error) || request.abortSignal?.aborted) throw error;
        throw new RestError(
          `storage request timed out: no complete answer within ${timeoutMs} ms (${request.method} ${withoutQuery(request.url)})`,
          { code: TRY_TIMEOUT_CODE },
        );
      }
    },
  };
}

/**
 * The request pipeline `client` sends through. storage-blob 12.34 and storage-queue 12.32 keep it on the
 * client's (internal) `Pipeline` as `_corePipeline`, and every container, blob or queue client derived from
 * the client reuses that `Pipeline`, so one policy covers the whole family. No public option places a
 * policy below the retry policy: `StoragePipelineOptions` has none, and its `httpClient` option takes the
 * legacy v1 interface. Both versions are pinned, and this fails loudly at construction (and in
 * test/storage/tryTimeout.test.ts) if an upgrade moves it.
 */
function requestPipelineOf(client: object): RequestPipeline {
  const pipeline = (client as { pipeline?: { _corePipeline?: Partial<RequestPipeline> } }).pipeline
    ?._corePipeline;
  if (typeof pipeline?.addPolicy !== 'function' || typeof pipeline.removePolicy !== 'function') {
    throw new Error(
      'cannot bound storage tries: this @azure/storage-* version keeps no pipeline._corePipeline',
    );
  }
  return pipeline as RequestPipeline;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** The query string of a storage URL can hold a SAS signature: never put it in a message. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
