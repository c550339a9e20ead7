/**
 * Webhook subscriptions per workspace (the contract's subscription endpoints) and the events they receive.
 * The `secret` is shown only in the create response; every other view omits it.
 */
import { randomUUID } from 'node:crypto';
import { generateSecret } from './signing.js';

/** The two event types the contract defines. */
export const EVENT_TYPES = ['asset.processing.completed', 'asset.processing.failed'] as const;

/** One event type. */
export type EventType = (typeof EVENT_TYPES)[number];

/** A stored subscription. */
export interface Subscription {
  readonly id: string;
  readonly workspaceId: string;
  readonly endpointUrl: string;
  readonly eventTypes: readonly EventType[];
  readonly description: string | null;
  readonly secret: string;
  readonly createdAt: number;
  enabled: boolean;
  updatedAt: number;
}

/** Input of a create, already validated. */
export interface NewSubscription {
  readonly endpointUrl: string;
  readonly eventTypes: readonly EventType[];
  readonly description?: string | null | undefined;
}

/** Subscriptions, keyed by id. */
export class SubscriptionStore {
  private readonly subscriptions = new Map<string, Subscription>();

  /** Creates an enabled subscription with a fresh secret. */
  create(workspaceId: string, input: NewSubscription, now: number): Subscription {
    const subscription: Subscription = {
      id: randomUUID(),
      workspaceId,
      endpointUrl: input.endpointUrl,
      eventTypes: [...new Set(input.eventTypes)],
      description: input.description ?? null,
      secret: generateSecret(),
      createdAt: now,
      enabled: true,
      updatedAt: now,
    };
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  /** Any subscription by id; the caller decides what another workspace's subscription means. */
  get(id: string): Subscription | undefined {
    return this.subscriptions.get(id);
  }

  /** A workspace's subscriptions, oldest first. */
  list(workspaceId: string): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.workspaceId === workspaceId);
  }

  /** Every subscription (for controls). */
  all(): Subscription[] {
    return [...this.subscriptions.values()];
  }

  /** Enables or disables a subscription. */
  setEnabled(subscription: Subscription, enabled: boolean, now: number): void {
    subscription.enabled = enabled;
    subscription.updatedAt = now;
  }

  /** Removes a subscription. */
  delete(id: string): void {
    this.subscriptions.delete(id);
  }

  /** The enabled subscriptions of a workspace that receive `type`. */
  matching(workspaceId: string, type: EventType): Subscription[] {
    return this.list(workspaceId).filter((s) => s.enabled && s.eventTypes.includes(type));
  }

  /** True while a delivery to this subscription should still be attempted (exists and enabled). */
  isActive(id: string): boolean {
    return this.subscriptions.get(id)?.enabled ?? false;
  }
}

/** The subscription model of GET/LIST/PATCH; `withSecret` only for the create response. */
export function subscriptionView(subscription: Subscription, withSecret = false) {
  return {
    id: subscription.id,
    workspaceId: subscription.workspaceId,
    endpointUrl: subscription.endpointUrl,
    eventTypes: subscription.eventTypes,
    enabled: subscription.enabled,
    createdAt: new Date(subscription.createdAt).toISOString(),
    updatedAt: new Date(subscription.updatedAt).toISOString(),
    description: subscription.description,
    ...(withSecret ? { secret: subscription.secret } : {}),
  };
}
