/**
 * What every route handler receives: the parsed request, the authenticated caller and the emulator's
 * components. Handlers are `(ctx) => Promise<Reply>` and throw `ApiError` for documented failures.
 */
import type { IncomingMessage } from 'node:http';
import type { KeyRing, Principal } from './auth.js';
import type { RouteId } from './catalogue.js';
import type { FaultInjector } from './faults.js';
import type { Reply } from './http.js';
import type { ResolvedOptions } from './options.js';
import type { Processor } from './processing.js';
import type { RateLimiter } from './rateLimiter.js';
import type { StatsRecorder } from './stats.js';
import type { AssetStorage } from './storage.js';
import type { SubmissionStore } from './submissions.js';
import type { DeliveryEngine } from './webhookDelivery.js';
import type { SubscriptionStore } from './webhooks.js';

/** The emulator's components, shared by all routes. */
export interface Services {
  readonly options: ResolvedOptions;
  readonly keys: KeyRing;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly storage: AssetStorage;
  readonly submissions: SubmissionStore;
  readonly processor: Processor;
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryEngine;
  readonly stats: StatsRecorder;
  /** Fans an asset's terminal transition out to webhooks (also used by sandbox `events/fire`). */
  readonly emitAssetEvent: (event: AssetEventInput) => number;
}

/** An asset event before it is given an id and timestamp. */
export interface AssetEventInput {
  readonly type: 'asset.processing.completed' | 'asset.processing.failed';
  readonly workspaceId: string;
  readonly submissionId: string;
  readonly assetId: string;
  readonly errorMessage?: string;
  /** True for synthetic events from `events/fire`. */
  readonly sandbox: boolean;
}

/** One request, routed and authenticated. */
export interface RouteContext {
  readonly route: RouteId;
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly principal: Principal;
  readonly services: Services;
  /** Reads the JSON body (422/413 on bad input). */
  readonly json: () => Promise<unknown>;
}

/** A route handler. */
export type Handler = (ctx: RouteContext) => Promise<Reply>;
