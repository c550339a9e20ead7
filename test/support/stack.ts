import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import type { EmulatorOptions } from '../../emulator/options.js';
import { buildAppDeps, type AppDeps, type BuildOptions } from '../../shared/app/appDeps.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { buildBlobCreatedEvent, encodeQueueMessage } from '../../shared/events/buildBlobCreatedEvent.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import type { LedgerRecord } from '../../shared/ledger/record.js';
import { MemoryLogger } from './memoryLogger.js';
import { startAzurite, type AzuriteInstance } from '../../devkit/azurite.js';

/** Captured log lines of one invocation. */
export interface Invocation {
  readonly context: InvocationContext;
  readonly lines: string[];
}

/** A real local stack: Azurite, the MediaMagic emulator on top of it, and the app's deps pointed at both. */
export interface Stack {
  readonly azurite: AzuriteInstance;
  readonly emulator: EmulatorHandle;
  readonly deps: AppDeps;
  readonly clientLog: MemoryLogger;
  readonly env: Record<string, string>;
  /** Uploads bytes into the source container. Returns the blob's ETag. */
  readonly upload: (name: string, bytes: Uint8Array, contentType?: string) => Promise<string>;
  /** The BlobCreated queue message Event Grid would write for a blob (base64 JSON). */
  readonly eventFor: (
    name: string,
    overrides?: Partial<Parameters<typeof buildBlobCreatedEvent>[0]>,
  ) => string;
  /** The ledger record of a source blob. */
  readonly record: (name: string) => Promise<LedgerRecord | undefined>;
  /** A real InvocationContext whose log lines are captured. */
  readonly invocation: (functionName: string) => Invocation;
  /** Tags on a source blob. */
  readonly tags: (name: string) => Promise<Record<string, string>>;
}

/** Options for {@link useStack}. */
export interface StackOptions {
  readonly emulator?: Omit<EmulatorOptions, 'storageConnectionString'>;
  readonly env?: Record<string, string>;
  /** Use the emulator's key of this kind (default sandbox). */
  readonly key?: (emulator: EmulatorHandle) => string;
  /** Clock, timings and other build seams for the app's deps. */
  readonly build?: BuildOptions;
}

/** Starts the stack once for the calling test file. */
export function useStack(options: StackOptions = {}): { current: Stack } {
  const holder = {} as { current: Stack };
  beforeAll(async () => {
    const azurite = await startAzurite();
    const emulator = await startEmulator({
      storageConnectionString: azurite.connectionString,
      allowInsecureWebhookUrls: true,
      ...options.emulator,
    });
    const env: Record<string, string> = {
      AzureWebJobsStorage: azurite.connectionString,
      MEDIAMAGIC_API_BASE_URL: emulator.url,
      MEDIAMAGIC_API_KEY: options.key?.(emulator) ?? (emulator.sandboxKey as string),
      INVOCATION_BUDGET_SECONDS: '20',
      ...options.env,
    };
    const clientLog = new MemoryLogger();
    const deps = await buildAppDeps(loadConfig(env), { clientLogger: clientLog, ...options.build });
    await deps.sourceContainer.createIfNotExists();
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    holder.current = {
      azurite,
      emulator,
      deps,
      clientLog,
      env,
      async upload(name, bytes, contentType) {
        const res = await deps.sourceContainer
          .getBlockBlobClient(name)
          .uploadData(bytes, contentType ? { blobHTTPHeaders: { blobContentType: contentType } } : {});
        return res.etag ?? '';
      },
      eventFor(name, overrides) {
        return encodeQueueMessage(
          buildBlobCreatedEvent({
            container: deps.config.sourceContainer,
            blobName: name,
            blobEndpoint: azurite.blobEndpoint,
            ...overrides,
          }),
        );
      },
      async record(name) {
        return (await deps.ledger.get(ledgerKey(deps.config.sourceContainer, name)))?.record;
      },
      invocation(functionName) {
        const lines: string[] = [];
        const context = new InvocationContext({
          functionName,
          invocationId: `test-${Math.random().toString(16).slice(2)}`,
          logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
        });
        return { context, lines };
      },
      async tags(name) {
        return (await blobs.getContainerClient(deps.config.sourceContainer).getBlobClient(name).getTags())
          .tags;
      },
    };
  });
  afterAll(async () => {
    await holder.current?.deps.close();
    await holder.current?.emulator.stop();
    await holder.current?.azurite.stop();
  });
  return holder;
}
