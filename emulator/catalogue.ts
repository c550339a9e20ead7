/**
 * The endpoint catalogue of the contract: one id per endpoint with its method, exact path template and
 * rate-limit bucket. Routing, fault rules and stats all key on these ids, so a fault can target
 * "submissions.create" without spelling out a path.
 */
import type { Bucket } from '../shared/mediamagic/buckets.js';

/** An endpoint of the Integrations API as the emulator serves it. */
export interface Endpoint {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path template with `{param}` segments, exactly as the contract writes it. */
  readonly path: string;
  readonly bucket: Bucket;
}

const BASE = '/api/integrations';

/** Every endpoint, by id. `submissions.versions` is the emulator's reading of a documented gap. */
export const ENDPOINTS = {
  'uploads.url': { method: 'POST', path: `${BASE}/uploads/url`, bucket: 'upload' },
  'uploads.direct': { method: 'POST', path: `${BASE}/uploads/direct`, bucket: 'upload' },
  'submissions.create': { method: 'POST', path: `${BASE}/submissions`, bucket: 'submission_write' },
  'submissions.get': {
    method: 'GET',
    path: `${BASE}/submissions/{submission_id}`,
    bucket: 'submission_read',
  },
  'submissions.versions': {
    method: 'GET',
    path: `${BASE}/submissions/{submission_id}/versions`,
    bucket: 'submission_read',
  },
  'assets.get': {
    method: 'GET',
    path: `${BASE}/submissions/{submission_id}/assets/{asset_id}`,
    bucket: 'submission_read',
  },
  'assets.issues': {
    method: 'GET',
    path: `${BASE}/submissions/{submission_id}/assets/{asset_id}/issues`,
    bucket: 'submission_read',
  },
  'assets.topics': {
    method: 'GET',
    path: `${BASE}/submissions/{submission_id}/assets/{asset_id}/topics`,
    bucket: 'submission_read',
  },
  'assets.retry': {
    method: 'POST',
    path: `${BASE}/submissions/{submission_id}/assets/{asset_id}/retry`,
    bucket: 'submission_write',
  },
  'webhooks.create': { method: 'POST', path: `${BASE}/webhooks/subscriptions`, bucket: 'webhook_write' },
  'webhooks.list': { method: 'GET', path: `${BASE}/webhooks/subscriptions`, bucket: 'webhook_read' },
  'webhooks.get': {
    method: 'GET',
    path: `${BASE}/webhooks/subscriptions/{subscription_id}`,
    bucket: 'webhook_read',
  },
  'webhooks.update': {
    method: 'PATCH',
    path: `${BASE}/webhooks/subscriptions/{subscription_id}`,
    bucket: 'webhook_write',
  },
  'webhooks.delete': {
    method: 'DELETE',
    path: `${BASE}/webhooks/subscriptions/{subscription_id}`,
    bucket: 'webhook_write',
  },
  'webhooks.deliveries': {
    method: 'GET',
    path: `${BASE}/webhooks/subscriptions/{subscription_id}/deliveries`,
    bucket: 'webhook_read',
  },
  'sandbox.fire': { method: 'POST', path: `${BASE}/sandbox/events/fire`, bucket: 'sandbox' },
} as const satisfies Record<string, Endpoint>;

/** The id of one endpoint, e.g. `submissions.create`. */
export type RouteId = keyof typeof ENDPOINTS;

/** All route ids, in catalogue order. */
export const ROUTE_IDS = Object.keys(ENDPOINTS) as RouteId[];

/** True when `value` is a route id. */
export function isRouteId(value: string): value is RouteId {
  return Object.hasOwn(ENDPOINTS, value);
}

/** The stats key of a route: `"<METHOD> <path template>"`, readable without the catalogue. */
export function routeLabel(id: RouteId): string {
  const endpoint: Endpoint = ENDPOINTS[id];
  return `${endpoint.method} ${endpoint.path}`;
}
