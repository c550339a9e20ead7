/**
 * The webhook delivery engine: signs each event per Standard Webhooks, POSTs it to every matching
 * subscription, retries non-2xx answers and timeouts on a backoff schedule, and keeps the attempt history
 * `GET .../deliveries` serves. Chaos knobs (drop, duplicate, delay, reorder) reproduce what a real
 * delivery provider may do, so receivers can be tested for idempotency and ordering assumptions.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Clock, Random } from '../shared/clock.js';
import { signedHeaders } from './signing.js';
import type { EventType, Subscription, SubscriptionStore } from './webhooks.js';

/** The `data` object of a delivery payload: snake_case, as the contract shows it. */
export interface WebhookEventData {
  readonly submission_id: string;
  readonly asset_id: string;
  readonly workspace_id: string;
  readonly status: 'complete' | 'failed';
  readonly error_message?: string;
}

/** One event, as serialised into the delivery body. `id` is also the `webhook-id` header. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: EventType;
  /** ISO-8601 (the contract leaves the format open; the Standard Webhooks examples use ISO). */
  readonly timestamp: string;
  readonly data: WebhookEventData;
}

/** Retry and timeout policy. */
export interface DeliveryPolicy {
  /** Waits before retry 1, 2, …; the number of entries is the number of retries. */
  readonly retryScheduleMs: readonly number[];
  /** Per-attempt timeout; a timeout counts as a failed attempt with `responseStatus` 0. */
  readonly timeoutMs: number;
}

/** Default policy: five retries over ~50 s, 5 s timeout. Tests usually pass a much shorter schedule. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  retryScheduleMs: [200, 1000, 5000, 15000, 30000],
  timeoutMs: 5000,
};

/** What to do with one delivery, when scripted. */
export type DeliveryAction = 'deliver' | 'drop' | 'duplicate';

/**
 * Delivery chaos. `script` entries are consumed one per (event, subscription) delivery before the
 * probabilities are consulted. `reorderWindowMs` buffers deliveries for that long and releases them
 * newest first, one after another, so the receiver sees them in reverse order.
 */
export interface WebhookChaos {
  readonly dropProbability?: number;
  readonly duplicateProbability?: number;
  readonly delayMs?: number;
  readonly reorderWindowMs?: number;
  readonly script?: readonly DeliveryAction[];
}

/** One HTTP attempt, as `GET .../deliveries` lists it (plus fields for controls). */
export interface DeliveryAttempt {
  readonly id: string;
  /** `succeeded` on 2xx, else `failed` (delivery status values are a documented gap). */
  readonly status: 'succeeded' | 'failed';
  readonly createdAt: string;
  /** The receiver's status code; 0 when no response arrived (timeout, refused, reset). */
  readonly responseStatus: number;
  readonly eventId: string;
  readonly subscriptionId: string;
  readonly error?: string;
}

/** The lifecycle of one (event, subscription) delivery. */
export type DeliveryState = 'pending' | 'succeeded' | 'failed' | 'dropped' | 'cancelled';

/** One delivery and its attempts. */
export interface DeliveryRecord {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly subscriptionId: string;
  readonly endpointUrl: string;
  /** True for the extra copy a `duplicate` chaos action adds. */
  readonly duplicate: boolean;
  readonly body: string;
  readonly attempts: DeliveryAttempt[];
  state: DeliveryState;
}

/** Delivery counters for stats. */
export interface DeliveryCounters {
  deliveries: number;
  attempts: number;
  succeeded: number;
  failedAttempts: number;
  exhausted: number;
  dropped: number;
  duplicated: number;
  cancelled: number;
  pending: number;
  byResponseStatus: Record<string, number>;
}

/** Sends, retries and records webhook deliveries. */
export class DeliveryEngine {
  private readonly records: DeliveryRecord[] = [];
  /** Every attempt in the order it completed, so "newest first" is a reverse walk. */
  private readonly attemptLog: DeliveryAttempt[] = [];
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly agent = new Agent({ keepAliveTimeout: 1000 });
  private readonly stopController = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];
  private chaos: WebhookChaos = {};
  private script: DeliveryAction[] = [];
  private reorderBuffer: DeliveryRecord[] = [];
  private inFlight = 0;
  private readonly counters: Omit<DeliveryCounters, 'pending'> = {
    deliveries: 0,
    attempts: 0,
    succeeded: 0,
    failedAttempts: 0,
    exhausted: 0,
    dropped: 0,
    duplicated: 0,
    cancelled: 0,
    byResponseStatus: {},
  };

  constructor(
    private policy: DeliveryPolicy,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly random: Random,
    private readonly subscriptions: SubscriptionStore,
  ) {}

  /** Fans `event` out to `targets`; answers how many subscriptions were notified (drops included). */
  dispatch(event: WebhookEvent, targets: readonly Subscription[]): number {
    const body = JSON.stringify(event);
    for (const subscription of targets) {
      const action = this.nextAction();
      const first = this.newRecord(event, subscription, body, false);
      if (action === 'drop') {
        this.settle(first, 'dropped');
        continue;
      }
      this.enqueue(first);
      if (action === 'duplicate') {
        this.counters.duplicated++;
        this.enqueue(this.newRecord(event, subscription, body, true));
      }
    }
    return targets.length;
  }

  /** Attempts for one subscription, newest first, optionally filtered by status and capped at `limit`. */
  attemptsFor(subscriptionId: string, statusFilter: string | undefined, limit: number): DeliveryAttempt[] {
    const out: DeliveryAttempt[] = [];
    for (let i = this.attemptLog.length - 1; i >= 0 && out.length < limit; i--) {
      const a = this.attemptLog[i];
      if (a?.subscriptionId !== subscriptionId) continue;
      if (statusFilter === undefined || a.status === statusFilter) out.push(a);
    }
    return out;
  }

  /** Every delivery so far, oldest first (for controls and tests). */
  deliveries(): readonly DeliveryRecord[] {
    return this.records;
  }

  /** Replaces the chaos knobs; a new `script` replaces any unconsumed one. */
  setChaos(chaos: WebhookChaos): void {
    this.chaos = { ...chaos };
    this.script = [...(chaos.script ?? [])];
  }

  /** Replaces the retry/timeout policy for attempts scheduled from now on. */
  setPolicy(policy: DeliveryPolicy): void {
    this.policy = policy;
  }

  /** The current retry/timeout policy. */
  getPolicy(): DeliveryPolicy {
    return this.policy;
  }

  /** Counters for stats. */
  counts(): DeliveryCounters {
    return {
      ...this.counters,
      byResponseStatus: { ...this.counters.byResponseStatus },
      pending: this.pending,
    };
  }

  /** Resolves once no delivery is pending (scheduled, buffered or in flight). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels timers, aborts attempts in flight and closes the HTTP agent. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('emulator stopped'));
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const record of this.records) if (record.state === 'pending') this.settle(record, 'cancelled');
    this.reorderBuffer = [];
    this.notifyIdle();
    await this.agent.destroy();
  }

  private nextAction(): DeliveryAction {
    const scripted = this.script.shift();
    if (scripted) return scripted;
    if (this.random() < (this.chaos.dropProbability ?? 0)) return 'drop';
    if (this.random() < (this.chaos.duplicateProbability ?? 0)) return 'duplicate';
    return 'deliver';
  }

  private newRecord(
    event: WebhookEvent,
    subscription: Subscription,
    body: string,
    duplicate: boolean,
  ): DeliveryRecord {
    const record: DeliveryRecord = {
      id: randomUUID(),
      eventId: event.id,
      eventType: event.type,
      subscriptionId: subscription.id,
      endpointUrl: subscription.endpointUrl,
      duplicate,
      body,
      attempts: [],
      state: 'pending',
    };
    this.records.push(record);
    this.pending++;
    this.counters.deliveries++;
    return record;
  }

  private enqueue(record: DeliveryRecord): void {
    const window = this.chaos.reorderWindowMs ?? 0;
    if (window > 0) {
      this.reorderBuffer.push(record);
      if (this.reorderBuffer.length === 1) this.later(window, () => this.releaseReversed());
      return;
    }
    this.later(this.chaos.delayMs ?? 0, () => this.attempt(record));
  }

  /** Sends the buffered deliveries newest first, each after the previous first attempt finished. */
  private async releaseReversed(): Promise<void> {
    const batch = this.reorderBuffer.reverse();
    this.reorderBuffer = [];
    for (const record of batch) await this.attempt(record);
  }

  private async attempt(record: DeliveryRecord): Promise<void> {
    if (record.state !== 'pending' || this.stopController.signal.aborted) return;
    const subscription = this.subscriptions.get(record.subscriptionId);
    if (!subscription || !this.subscriptions.isActive(record.subscriptionId)) {
      this.settle(record, 'cancelled');
      return;
    }
    this.inFlight++;
    const createdAt = new Date(this.clock.now()).toISOString();
    const { responseStatus, error } = await this.post(subscription, record);
    this.inFlight--;
    if (this.stopController.signal.aborted) return;
    const succeeded = responseStatus >= 200 && responseStatus < 300;
    const attempt: DeliveryAttempt = {
      id: randomUUID(),
      status: succeeded ? 'succeeded' : 'failed',
      createdAt,
      responseStatus,
      eventId: record.eventId,
      subscriptionId: record.subscriptionId,
      ...(error ? { error } : {}),
    };
    record.attempts.push(attempt);
    this.attemptLog.push(attempt);
    this.counters.attempts++;
    this.counters.byResponseStatus[String(responseStatus)] =
      (this.counters.byResponseStatus[String(responseStatus)] ?? 0) + 1;
    if (succeeded) {
      this.settle(record, 'succeeded');
      return;
    }
    this.counters.failedAttempts++;
    const wait = this.policy.retryScheduleMs[record.attempts.length - 1];
    if (wait === undefined) {
      this.settle(record, 'failed');
      return;
    }
    this.later(wait, () => this.attempt(record));
  }

  /** One signed POST. Never throws: transport failures become `responseStatus` 0 with an error text. */
  private async post(
    subscription: Subscription,
    record: DeliveryRecord,
  ): Promise<{ responseStatus: number; error?: string }> {
    const timestamp = Math.floor(this.clock.now() / 1000);
    try {
      const response = await request(subscription.endpointUrl, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'MediaMagic-Emulator-Webhooks/1.0',
          ...signedHeaders(subscription.secret, record.eventId, timestamp, record.body),
        },
        body: record.body,
        headersTimeout: this.policy.timeoutMs,
        bodyTimeout: this.policy.timeoutMs,
        signal: AbortSignal.any([this.stopController.signal, AbortSignal.timeout(this.policy.timeoutMs)]),
      });
      await response.body.dump();
      return { responseStatus: response.statusCode };
    } catch (error) {
      return { responseStatus: 0, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private settle(record: DeliveryRecord, state: Exclude<DeliveryState, 'pending'>): void {
    if (record.state !== 'pending') return;
    record.state = state;
    this.pending--;
    if (state === 'dropped') this.counters.dropped++;
    if (state === 'succeeded') this.counters.succeeded++;
    if (state === 'failed') this.counters.exhausted++;
    if (state === 'cancelled') this.counters.cancelled++;
    this.notifyIdle();
  }

  /** Runs `task` after `ms` on an unref'd timer that `stop()` can cancel. */
  private later(ms: number, task: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Attempts never reject (transport errors are recorded), but a timer callback must not leak one.
      task().catch(() => undefined);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.reorderBuffer.length === 0 && this.pending === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
