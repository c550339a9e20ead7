/**
 * Every MediaMagic endpoint the client calls, as one table: method and path, the rate-limit bucket it
 * spends, whether a failed attempt may be resent, the statuses that mean success and the zod contract of
 * the body. The API's whole idempotency and bucket policy is this file; the client's methods only fill in
 * path parameters, query and body.
 *
 * Resending: GET, DELETE, PATCH to a fixed value and the upload endpoints are `idempotent` (any retryable
 * failure is resent). POST /submissions, the asset retry, webhook subscription creation and sandbox events
 * are not idempotent and have no idempotency key: `unprocessed-only` resends them only when they were not
 * sent or MediaMagic answered 429/500/502. A 409 on creation is told apart by `detail` (./classify.ts) and
 * read by ./writeOutcomes.ts.
 */
import type { z } from 'zod';
import type { ResendPolicy } from '../resilience/resilientCall.js';
import type { Bucket } from './buckets.js';
import {
  AssetIssues,
  AssetResult,
  AssetTopics,
  DirectUploadResponse,
  FireEventResponse,
  RetryAccepted,
  SubmissionCreated,
  SubmissionStatus,
  SubmissionVersions,
  UploadUrlResponse,
  WebhookDeliveries,
  WebhookSubscription,
  WebhookSubscriptionCreated,
  WebhookSubscriptionList,
} from './schemas.js';

/** One endpoint. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under {@link API_PREFIX}, with `{name}` for each path parameter. */
  readonly path: string;
  readonly bucket: Bucket;
  readonly resend: ResendPolicy;
  /** Statuses that mean success; any other 2xx is an `invalid-response`. */
  readonly expect: readonly number[];
  /** The contract of the success body; absent when the body is not read. */
  readonly schema?: z.ZodType;
}

/** Where the Integrations API lives under the base URL. */
export const API_PREFIX = '/api/integrations';

/** The table. Keys are the client's method names. */
export const ROUTES = {
  requestUploadUrl: {
    method: 'POST',
    path: '/uploads/url',
    bucket: 'upload',
    resend: 'idempotent',
    expect: [200, 201],
    schema: UploadUrlResponse,
  },
  uploadDirect: {
    method: 'POST',
    path: '/uploads/direct',
    bucket: 'upload',
    resend: 'idempotent',
    expect: [200, 201],
    schema: DirectUploadResponse,
  },
  createSubmission: {
    method: 'POST',
    path: '/submissions',
    bucket: 'submission_write',
    resend: 'unprocessed-only',
    expect: [200, 201],
    schema: SubmissionCreated,
  },
  getSubmission: {
    method: 'GET',
    path: '/submissions/{submissionId}',
    bucket: 'submission_read',
    resend: 'idempotent',
    expect: [200],
    schema: SubmissionStatus,
  },
  listVersions: {
    method: 'GET',
    path: '/submissions/{submissionId}/versions',
    bucket: 'submission_read',
    resend: 'idempotent',
    expect: [200],
    schema: SubmissionVersions,
  },
  getAsset: {
    method: 'GET',
    path: '/submissions/{submissionId}/assets/{assetId}',
    bucket: 'submission_read',
    resend: 'idempotent',
    expect: [200],
    schema: AssetResult,
  },
  getAssetIssues: {
    method: 'GET',
    path: '/submissions/{submissionId}/assets/{assetId}/issues',
    bucket: 'submission_read',
    resend: 'idempotent',
    expect: [200],
    schema: AssetIssues,
  },
  getAssetTopics: {
    method: 'GET',
    path: '/submissions/{submissionId}/assets/{assetId}/topics',
    bucket: 'submission_read',
    resend: 'idempotent',
    expect: [200],
    schema: AssetTopics,
  },
  retryAsset: {
    method: 'POST',
    path: '/submissions/{submissionId}/assets/{assetId}/retry',
    bucket: 'submission_write',
    resend: 'unprocessed-only',
    expect: [200, 201, 202],
    schema: RetryAccepted,
  },
  createWebhookSubscription: {
    method: 'POST',
    path: '/webhooks/subscriptions',
    bucket: 'webhook_write',
    resend: 'unprocessed-only',
    expect: [200, 201],
    schema: WebhookSubscriptionCreated,
  },
  listWebhookSubscriptions: {
    method: 'GET',
    path: '/webhooks/subscriptions',
    bucket: 'webhook_read',
    resend: 'idempotent',
    expect: [200],
    schema: WebhookSubscriptionList,
  },
  getWebhookSubscription: {
    method: 'GET',
    path: '/webhooks/subscriptions/{id}',
    bucket: 'webhook_read',
    resend: 'idempotent',
    expect: [200],
    schema: WebhookSubscription,
  },
  updateWebhookSubscription: {
    method: 'PATCH',
    path: '/webhooks/subscriptions/{id}',
    bucket: 'webhook_write',
    resend: 'idempotent',
    expect: [200],
    schema: WebhookSubscription,
  },
  deleteWebhookSubscription: {
    method: 'DELETE',
    path: '/webhooks/subscriptions/{id}',
    bucket: 'webhook_write',
    resend: 'idempotent',
    expect: [200, 204],
  },
  listWebhookDeliveries: {
    method: 'GET',
    path: '/webhooks/subscriptions/{id}/deliveries',
    bucket: 'webhook_read',
    resend: 'idempotent',
    expect: [200],
    schema: WebhookDeliveries,
  },
  fireSandboxEvent: {
    method: 'POST',
    path: '/sandbox/events/fire',
    bucket: 'sandbox',
    resend: 'unprocessed-only',
    expect: [200],
    schema: FireEventResponse,
  },
} as const satisfies Record<string, Route>;

/** The names of the `{name}` parameters in a path template. */
type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;

/** The path parameters a route needs, by name. */
export type PathParams<R extends Route> = Readonly<Record<ParamNames<R['path']>, string>>;

/** What a route's success body parses to: its schema's output, or `undefined` when it has none. */
export type ResponseOf<R extends Route> = R extends { readonly schema: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** The query string a call adds; undefined values are left out. */
export type Query = Readonly<Record<string, string | number | undefined>>;

/**
 * The request path of a call: the prefix, the route's path with each parameter URL-encoded as one segment,
 * and the query string, if any.
 */
export function routePath<R extends Route>(route: R, params: PathParams<R>, query: Query = {}): string {
  const values: Readonly<Record<string, string>> = params;
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    // Only an untyped caller can get here; an empty segment would reach a different endpoint.
    if (value === undefined)
      throw new TypeError(`${route.method} ${route.path} needs the parameter "${name}"`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) search.set(name, String(value));
  }
  return `${API_PREFIX}${path}${search.size ? `?${search.toString()}` : ''}`;
}
