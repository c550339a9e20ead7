/**
 * Everything `startEmulator` can be told, and the defaults that make it a fast, permissive sandbox for
 * tests: unlimited rates, no faults, ~200 ms processing, quick webhook retries.
 */
import { systemClock, type Clock, type Random } from '../shared/clock.js';
import { DEFAULT_KEYS, type ApiKeyConfig } from './auth.js';
import { DEFAULT_CATEGORY_MAX_BYTES, DIRECT_UPLOAD_MAX_BYTES, type Category } from './contentTypes.js';
import type { FaultRule } from './faults.js';
import { DEFAULT_TIMINGS, type ProcessingTimings } from './processing.js';
import { seededRandom } from './random.js';
import type { RateLimits } from './rateLimiter.js';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy, type WebhookChaos } from './webhookDelivery.js';

/** Options of {@link startEmulator}. Only `storageConnectionString` is required. */
export interface EmulatorOptions {
  /** The emulator's own storage account (shared-key connection string); assets go to container `assets`. */
  readonly storageConnectionString: string;
  /** Listening port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Listening address; default `127.0.0.1`. */
  readonly host?: string;
  /** Accepted keys; default {@link DEFAULT_KEYS} (one sandbox, one live key). */
  readonly keys?: readonly ApiKeyConfig[];
  /** Token buckets per capability bucket; absent buckets are unlimited (the default). */
  readonly rates?: RateLimits;
  /** Fault rules; default none. */
  readonly faults?: readonly FaultRule[];
  /** Processing timings; defaults {@link DEFAULT_TIMINGS}. */
  readonly processing?: Partial<ProcessingTimings>;
  /** Retries allowed per asset before 409 "Maximum retry attempts reached". Default 3. */
  readonly maxRetryAttempts?: number;
  /** Accept `http://` webhook URLs on loopback hosts (local development). Default false: HTTPS only. */
  readonly allowInsecureWebhookUrls?: boolean;
  /** Webhook retry schedule/timeout and chaos knobs. */
  readonly webhooks?: Partial<DeliveryPolicy> & { readonly chaos?: WebhookChaos };
  /** Subscription limit per workspace (the real one is not published). Default 10. */
  readonly maxSubscriptionsPerWorkspace?: number;
  /** Assets per submission (not published). Default 100. */
  readonly maxAssetsPerSubmission?: number;
  /** Per-category size caps at submission create; default the documented 5 GiB / 500 / 50 / 100 MiB. */
  readonly categoryMaxBytes?: Partial<Record<Category, number>>;
  /** Direct-upload cap; default 10 MiB. */
  readonly directUploadMaxBytes?: number;
  /** Largest accepted JSON body; default 1 MiB (413 above). */
  readonly maxJsonBodyBytes?: number;
  /** Upload URL validity; default 1 hour. */
  readonly uploadUrlTtlMs?: number;
  /** Time source for processing, rate limits, timestamps. Default the system clock. */
  readonly clock?: Clock;
  /** Randomness for fault probabilities, webhook chaos; overrides `seed`. */
  readonly random?: Random;
  /** Seed for a deterministic `random`. Default: `Math.random`. */
  readonly seed?: number;
  /** Where unexpected internal errors are reported (they also become 500s). Default `console.error`. */
  readonly log?: (message: string, error?: unknown) => void;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly storageConnectionString: string;
  readonly port: number;
  readonly host: string;
  readonly keys: readonly ApiKeyConfig[];
  readonly rates: RateLimits;
  readonly faults: readonly FaultRule[];
  readonly processing: ProcessingTimings;
  readonly maxRetryAttempts: number;
  readonly allowInsecureWebhookUrls: boolean;
  readonly deliveryPolicy: DeliveryPolicy;
  readonly chaos: WebhookChaos;
  readonly maxSubscriptionsPerWorkspace: number;
  readonly maxAssetsPerSubmission: number;
  readonly categoryMaxBytes: Readonly<Record<Category, number>>;
  readonly directUploadMaxBytes: number;
  readonly maxJsonBodyBytes: number;
  readonly uploadUrlTtlMs: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: (message: string, error?: unknown) => void;
}

/** Applies defaults. */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  if (!options.storageConnectionString) throw new Error('startEmulator: storageConnectionString is required');
  const { chaos, ...policy } = options.webhooks ?? {};
  return {
    storageConnectionString: options.storageConnectionString,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    keys: options.keys ?? DEFAULT_KEYS,
    rates: options.rates ?? {},
    faults: options.faults ?? [],
    processing: { ...DEFAULT_TIMINGS, ...options.processing },
    maxRetryAttempts: options.maxRetryAttempts ?? 3,
    allowInsecureWebhookUrls: options.allowInsecureWebhookUrls ?? false,
    deliveryPolicy: { ...DEFAULT_DELIVERY_POLICY, ...policy },
    chaos: chaos ?? {},
    maxSubscriptionsPerWorkspace: options.maxSubscriptionsPerWorkspace ?? 10,
    maxAssetsPerSubmission: options.maxAssetsPerSubmission ?? 100,
    categoryMaxBytes: { ...DEFAULT_CATEGORY_MAX_BYTES, ...options.categoryMaxBytes },
    directUploadMaxBytes: options.directUploadMaxBytes ?? DIRECT_UPLOAD_MAX_BYTES,
    maxJsonBodyBytes: options.maxJsonBodyBytes ?? 1024 * 1024,
    uploadUrlTtlMs: options.uploadUrlTtlMs ?? 60 * 60 * 1000,
    clock: options.clock ?? systemClock,
    random: options.random ?? (options.seed !== undefined ? seededRandom(options.seed) : Math.random),
    log: options.log ?? ((message, error) => console.error(`[mediamagic-emulator] ${message}`, error ?? '')),
  };
}
