/**
 * The handler of every endpoint in the catalogue. `satisfies Record<RouteId, Handler>` makes a missing
 * endpoint a compile error.
 */
import type { RouteId } from '../catalogue.js';
import type { Handler } from '../context.js';
import { getAsset, getIssues, getTopics, retryAsset } from './assets.js';
import { fireSandboxEvent } from './sandbox.js';
import { createSubmission, getSubmission, getVersions } from './submissions.js';
import { createUploadUrl, directUpload } from './uploads.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  updateSubscription,
} from './webhooks.js';

/** Route id → handler. */
export const HANDLERS = {
  'uploads.url': createUploadUrl,
  'uploads.direct': directUpload,
  'submissions.create': createSubmission,
  'submissions.get': getSubmission,
  'submissions.versions': getVersions,
  'assets.get': getAsset,
  'assets.issues': getIssues,
  'assets.topics': getTopics,
  'assets.retry': retryAsset,
  'webhooks.create': createSubscription,
  'webhooks.list': listSubscriptions,
  'webhooks.get': getSubscription,
  'webhooks.update': updateSubscription,
  'webhooks.delete': deleteSubscription,
  'webhooks.deliveries': listDeliveries,
  'sandbox.fire': fireSandboxEvent,
} as const satisfies Record<RouteId, Handler>;
