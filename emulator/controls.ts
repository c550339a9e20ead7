/**
 * The in-process control surface of a running emulator (`handle.controls`): change keys, rates and
 * faults on the fly, steer processing, tune webhook delivery and inspect what happened.
 */
import type { ApiKeyConfig } from './auth.js';
import type { Services } from './context.js';
import type { FaultRule } from './faults.js';
import type { AssetRecord, SubmissionRecord } from './model.js';
import type { ProcessingTimings } from './processing.js';
import type { RateLimits } from './rateLimiter.js';
import type { DeliveryPolicy, DeliveryRecord, WebhookChaos } from './webhookDelivery.js';
import type { Subscription } from './webhooks.js';

/** A read-only view of one asset's processing state. */
export interface AssetSnapshot {
  readonly assetId: string;
  readonly submissionId: string;
  readonly blobPath: string;
  readonly status: AssetRecord['status'];
  readonly retryCount: number;
  readonly failure: AssetRecord['failure'];
  readonly script: AssetRecord['script'];
  /** The run in flight (times are epoch ms on the emulator's clock), or null when terminal. */
  readonly run: { readonly attempt: number; readonly processingAt: number; readonly finishAt: number } | null;
}

/** Controls of a running emulator. */
export interface EmulatorControls {
  readonly keys: {
    /** Adds (or overwrites) one key. */
    add(key: ApiKeyConfig): void;
    /** Replaces every key. */
    replace(keys: readonly ApiKeyConfig[]): void;
    list(): ApiKeyConfig[];
  };
  readonly rates: {
    /** Replaces all limits (absent buckets become unlimited) and refills every bucket. */
    set(limits: RateLimits): void;
    get(): RateLimits;
  };
  readonly faults: {
    /** Replaces all fault rules. */
    set(rules: readonly FaultRule[]): void;
    add(rule: FaultRule): void;
    clear(): void;
    list(): { rule: FaultRule; used: number }[];
  };
  readonly processing: {
    /** Keep assets from finishing (they stay `processing`) until `release()`. */
    hold(): void;
    release(): void;
    /** Finish every in-flight run now, or just one asset's. Fires webhooks. */
    finishNow(assetId?: string): void;
    /** Apply due transitions now (for a manually advanced `clock`). */
    tick(): void;
    /** Change timings for runs started from now on. */
    setTimings(timings: Partial<ProcessingTimings>): void;
    /** Number of runs in flight. */
    pending(): number;
    /** Resolves when no run is in flight (polls every 10 ms; rejects after `timeoutMs`, default 10 s). */
    settled(timeoutMs?: number): Promise<void>;
    asset(assetId: string): AssetSnapshot | undefined;
    submissions(): readonly SubmissionRecord[];
  };
  readonly webhooks: {
    setChaos(chaos: WebhookChaos): void;
    setPolicy(policy: Partial<DeliveryPolicy>): void;
    /** Every delivery with its attempts, oldest first. */
    deliveries(): readonly DeliveryRecord[];
    subscriptions(): readonly Subscription[];
    /** Resolves once no delivery is pending. */
    idle(): Promise<void>;
  };
  readonly stats: {
    /** Zero request and submission counters (webhook delivery counters are cumulative). */
    reset(): void;
  };
}

/** Builds the controls over the emulator's components. */
export function createControls(services: Services): EmulatorControls {
  const { keys, limiter, faults, processor, submissions, deliveries, subscriptions, stats } = services;
  const findAsset = (assetId: string): AssetRecord | undefined => {
    for (const s of submissions.all()) {
      const asset = s.assets.find((a) => a.assetId === assetId);
      if (asset) return asset;
    }
    return undefined;
  };
  return {
    keys: {
      add: (key) => keys.add(key),
      replace: (list) => keys.replace(list),
      list: () => keys.list(),
    },
    rates: {
      set: (limits) => limiter.setLimits(limits),
      get: () => limiter.getLimits(),
    },
    faults: {
      set: (rules) => faults.set(rules),
      add: (rule) => faults.add(rule),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    processing: {
      hold: () => processor.hold(),
      release: () => processor.release(),
      finishNow: (assetId) => processor.finishNow(assetId),
      tick: () => processor.tick(),
      setTimings: (timings) => processor.setTimings({ ...processor.getTimings(), ...timings }),
      pending: () => processor.pendingCount(),
      settled: (timeoutMs = 10_000) => waitFor(() => processor.pendingCount() === 0, timeoutMs),
      asset: (assetId) => {
        const asset = findAsset(assetId);
        return asset ? snapshot(asset) : undefined;
      },
      submissions: () => submissions.all(),
    },
    webhooks: {
      setChaos: (chaos) => deliveries.setChaos(chaos),
      setPolicy: (policy) => deliveries.setPolicy({ ...deliveries.getPolicy(), ...policy }),
      deliveries: () => deliveries.deliveries(),
      subscriptions: () => subscriptions.all(),
      idle: () => deliveries.idle(),
    },
    stats: { reset: () => stats.reset() },
  };
}

function snapshot(asset: AssetRecord): AssetSnapshot {
  return {
    assetId: asset.assetId,
    submissionId: asset.submissionId,
    blobPath: asset.blobPath,
    status: asset.status,
    retryCount: asset.retryCount,
    failure: asset.failure,
    script: asset.script,
    run: asset.run
      ? { attempt: asset.run.attempt, processingAt: asset.run.processingAt, finishAt: asset.run.finishAt }
      : null,
  };
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`emulator: processing did not settle within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
