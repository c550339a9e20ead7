/**
 * Webhook subscription endpoints under `/api/integrations/webhooks/subscriptions`. Subscriptions of
 * another workspace answer 403 (documented for PATCH; applied to GET, DELETE and deliveries too).
 */
import { z } from 'zod';
import type { Handler, RouteContext } from '../context.js';
import { forbidden, notFound, validationError } from '../errors.js';
import { parseOrThrow, uuidParam } from '../validation.js';
import { EVENT_TYPES, subscriptionView, type Subscription } from '../webhooks.js';

const CreateBody = z.strictObject({
  endpointUrl: z.string().min(1).max(2083),
  eventTypes: z.array(z.enum(EVENT_TYPES)).min(1),
  description: z.string().nullish(),
});

const UpdateBody = z.strictObject({ enabled: z.boolean() });

// Unknown query parameters are ignored, as FastAPI does.
const DeliveriesQuery = z.object({
  status_filter: z.enum(['succeeded', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** `POST /webhooks/subscriptions` → 201 with `secret` (the only response that carries it). */
export const createSubscription: Handler = async (ctx) => {
  const body = parseOrThrow(CreateBody, await ctx.json());
  assertDeliverableUrl(body.endpointUrl, ctx.services.options.allowInsecureWebhookUrls);
  const { subscriptions, options } = ctx.services;
  if (subscriptions.list(ctx.principal.workspaceId).length >= options.maxSubscriptionsPerWorkspace) {
    throw validationError([
      {
        field: 'body',
        message: `Subscription limit reached (${options.maxSubscriptionsPerWorkspace} per workspace)`,
      },
    ]);
  }
  const subscription = subscriptions.create(ctx.principal.workspaceId, body, options.clock.now());
  return { status: 201, body: subscriptionView(subscription, true) };
};

/** `GET /webhooks/subscriptions` → 200 with a bare array of the workspace's subscriptions. */
export const listSubscriptions: Handler = (ctx) => {
  const list = ctx.services.subscriptions.list(ctx.principal.workspaceId).map((s) => subscriptionView(s));
  return Promise.resolve({ status: 200, body: list });
};

/** `GET /webhooks/subscriptions/{subscription_id}` → 200 subscription model (no secret). */
export const getSubscription: Handler = (ctx) =>
  Promise.resolve({ status: 200, body: subscriptionView(findSubscription(ctx)) });

/** `PATCH /webhooks/subscriptions/{subscription_id}` with `{enabled}` → 200. */
export const updateSubscription: Handler = async (ctx) => {
  const subscription = findSubscription(ctx);
  const body = parseOrThrow(UpdateBody, await ctx.json());
  ctx.services.subscriptions.setEnabled(subscription, body.enabled, ctx.services.options.clock.now());
  return { status: 200, body: subscriptionView(subscription) };
};

/** `DELETE /webhooks/subscriptions/{subscription_id}` → 204; pending retries to it are cancelled. */
export const deleteSubscription: Handler = (ctx) => {
  const subscription = findSubscription(ctx);
  ctx.services.subscriptions.delete(subscription.id);
  return Promise.resolve({ status: 204 });
};

/** `GET .../{subscription_id}/deliveries?status_filter=&limit=` → 200 `{attempts, total}`, newest first. */
export const listDeliveries: Handler = (ctx) => {
  const subscription = findSubscription(ctx);
  const query = parseOrThrow(DeliveriesQuery, Object.fromEntries(ctx.url.searchParams), 'query');
  const attempts = ctx.services.deliveries
    .attemptsFor(subscription.id, query.status_filter, query.limit)
    .map(({ id, status, createdAt, responseStatus, eventId }) => ({
      id,
      status,
      createdAt,
      responseStatus,
      eventId,
    }));
  // `total` is documented as the number of attempts returned, not an overall count.
  return Promise.resolve({ status: 200, body: { attempts, total: attempts.length } });
};

function findSubscription(ctx: RouteContext): Subscription {
  const id = uuidParam('subscription_id', ctx.params.subscription_id);
  const subscription = ctx.services.subscriptions.get(id);
  if (!subscription) throw notFound('Subscription not found');
  if (subscription.workspaceId !== ctx.principal.workspaceId) {
    throw forbidden('Subscription belongs to a different workspace');
  }
  return subscription;
}

/** HTTPS only; plain HTTP just for loopback hosts and only when the emulator was told to allow it. */
function assertDeliverableUrl(endpointUrl: string, allowInsecure: boolean): void {
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    throw validationError([{ field: 'endpointUrl', message: 'Input should be a valid URL' }]);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && allowInsecure && LOOPBACK_HOSTS.has(url.hostname)) return;
  throw validationError([{ field: 'endpointUrl', message: 'endpointUrl must use HTTPS' }]);
}
