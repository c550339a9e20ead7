/**
 * zod schemas for every MediaMagic response we read: the trust boundary between the API and our code.
 *
 * They accept unknown extra fields (the API may grow) and keep them (results are written back verbatim),
 * but reject a response missing what we rely on; the client turns that into an `invalid-response` failure.
 * Fields the contract marks as gaps are optional here.
 */
import { z } from 'zod';

const id = z.string().min(1);
const nullableString = z.string().nullable().optional();

/** `POST /uploads/url` → 200. */
export const UploadUrlResponse = z.looseObject({
  uploadUrl: z.url(),
  blobPath: z.string().min(1),
  expiresAt: z.string().min(1),
});
export type UploadUrlResponse = z.infer<typeof UploadUrlResponse>;

/** `POST /uploads/direct` → 201. Only `blobPath` is documented. */
export const DirectUploadResponse = z.looseObject({ blobPath: z.string().min(1) });
export type DirectUploadResponse = z.infer<typeof DirectUploadResponse>;

/** An asset as returned by submission creation. */
export const CreatedAsset = z.looseObject({
  assetId: id,
  versionGroupId: z.string().optional(),
  versionNumber: z.number().int().optional(),
});

/** `POST /submissions` → 201 (also the documented model of the asset-retry 202). */
export const SubmissionCreated = z.looseObject({
  submissionId: id,
  workflowId: nullableString,
  ablyChannel: z.string().optional(),
  status: z.string(),
  assets: z.array(CreatedAsset),
});
export type SubmissionCreated = z.infer<typeof SubmissionCreated>;

/**
 * An asset inside `GET /submissions/{id}`. Per MediaMagic's error-handling guide each carries its own
 * `status` (docs/design.md, "MediaMagic's error table").
 */
export const SubmissionAsset = z.looseObject({
  assetId: id,
  status: z.string().optional(),
  versionGroupId: z.string().optional(),
  versionNumber: z.number().int().optional(),
  issueCount: z.number().int().nullable().optional(),
  errorMessage: nullableString,
  errorType: nullableString,
  isRetryable: z.boolean().optional(),
  retryCount: z.number().int().optional(),
});
export type SubmissionAsset = z.infer<typeof SubmissionAsset>;

/** `GET /submissions/{id}` → 200. */
export const SubmissionStatus = z.looseObject({
  submissionId: id,
  workflowId: nullableString,
  workspaceId: z.string().optional(),
  status: z.string(),
  progressPercent: z.number().optional(),
  createdAt: z.string().optional(),
  completedAt: nullableString,
  errorMessage: nullableString,
  isRetryable: z.boolean().optional(),
  assets: z.array(SubmissionAsset),
});
export type SubmissionStatus = z.infer<typeof SubmissionStatus>;

/** One version in a version group (the endpoint is undocumented; we accept a bare array or `{versions}`). */
export const SubmissionVersion = z.looseObject({
  submissionId: z.string().optional(),
  versionNumber: z.number().int().optional(),
});
export const SubmissionVersions = z
  .union([z.array(SubmissionVersion), z.looseObject({ versions: z.array(SubmissionVersion) })])
  .transform((v) => (Array.isArray(v) ? v : v.versions));
export type SubmissionVersions = z.infer<typeof SubmissionVersions>;

/** `GET .../assets/{asset_id}` → 200: the asset result with its issues. */
export const AssetResult = z.looseObject({
  assetId: id,
  status: z.string().optional(),
  issues: z.array(z.looseObject({})).optional(),
});
export type AssetResult = z.infer<typeof AssetResult>;

/** `GET .../issues` → 200; its shape is a documented gap, so a bare array or `{issues}` is accepted. */
export const AssetIssues = z
  .union([z.array(z.looseObject({})), z.looseObject({ issues: z.array(z.looseObject({})) })])
  .transform((v) => (Array.isArray(v) ? v : v.issues));
export type AssetIssues = z.infer<typeof AssetIssues>;

/** `GET .../topics` → 200. */
export const AssetTopics = z.looseObject({
  assetId: z.string().optional(),
  topics: z.array(z.unknown()),
  orphanIssues: z.array(z.unknown()).optional(),
  metadata: z.unknown().optional(),
});
export type AssetTopics = z.infer<typeof AssetTopics>;

/** `POST .../retry` → 202. Documented as the submission-creation model; we rely on nothing in it. */
export const RetryAccepted = z.looseObject({
  submissionId: z.string().optional(),
  status: z.string().optional(),
});
export type RetryAccepted = z.infer<typeof RetryAccepted>;

/** A webhook subscription (list/get/patch). */
export const WebhookSubscription = z.looseObject({
  id,
  workspaceId: z.string().optional(),
  endpointUrl: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  description: nullableString,
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type WebhookSubscription = z.infer<typeof WebhookSubscription>;

/** `POST /webhooks/subscriptions` → 201: the only response that carries the signing secret. */
export const WebhookSubscriptionCreated = WebhookSubscription.extend({
  secret: z.string().startsWith('whsec_'),
});
export type WebhookSubscriptionCreated = z.infer<typeof WebhookSubscriptionCreated>;

/** List wrapper is a gap: a bare array or `{subscriptions|items|data}` is accepted. */
export const WebhookSubscriptionList = z
  .union([
    z.array(WebhookSubscription),
    z.looseObject({ subscriptions: z.array(WebhookSubscription) }),
    z.looseObject({ items: z.array(WebhookSubscription) }),
    z.looseObject({ data: z.array(WebhookSubscription) }),
  ])
  // Loose objects carry an index signature, so narrowing by `in` loses the element type: say it here.
  .transform((v): WebhookSubscription[] => {
    if (Array.isArray(v)) return v;
    if ('subscriptions' in v) return v.subscriptions as WebhookSubscription[];
    if ('items' in v) return v.items as WebhookSubscription[];
    return v.data;
  });
export type WebhookSubscriptionList = z.infer<typeof WebhookSubscriptionList>;

/** `GET .../deliveries` → 200. */
export const WebhookDeliveries = z.looseObject({
  attempts: z.array(
    z.looseObject({
      id: z.string(),
      status: z.string(),
      createdAt: z.string(),
      responseStatus: z.number().int().nullable().optional(),
      eventId: z.string(),
    }),
  ),
  total: z.number().int(),
});
export type WebhookDeliveries = z.infer<typeof WebhookDeliveries>;

/** `POST /sandbox/events/fire` → 200. */
export const FireEventResponse = z.looseObject({ dispatched: z.number().int() });
export type FireEventResponse = z.infer<typeof FireEventResponse>;

/** The two webhook event types. */
export const WEBHOOK_EVENT_TYPES = ['asset.processing.completed', 'asset.processing.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
