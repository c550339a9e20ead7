/**
 * The four error body shapes MediaMagic uses, chosen by status as the contract documents them:
 *
 * - domain errors (most 4xx/5xx, including 401): `{detail, docs_url?}`
 * - validation (422): `{detail: "Request validation failed", fields: [{field, message}]}` — the real
 *   envelope's field names are a documented gap; this shape is the emulator's choice and matches what
 *   MediaMagic's error-handling guide tells clients to read (`fields`), see docs/emulator.md
 * - plan gating (402): `{error_code: "tier_not_authorized_for_integrations_api", message, bucket}`
 * - rate limiting (429): `{error}` plus a `Retry-After` header in whole seconds
 *
 * Handlers throw {@link ApiError}; the server turns it into a response, so every early exit in a handler
 * produces a correctly shaped body without each handler re-implementing it.
 */
import type { Bucket } from '../shared/mediamagic/buckets.js';

/** One entry of the 422 `fields` array. `field` is a dotted path such as `assets.0.blobPath`. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** An HTTP error with a fully formed body; thrown by handlers and rendered by the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Readonly<Record<string, unknown>>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** Docs links the real service attaches to some domain errors (the contract shows this one for 409). */
export const DOCS_URL = {
  assets: 'https://docs.mediamagic.app/concepts/assets',
  uploads: 'https://docs.mediamagic.app/concepts/uploads',
} as const;

/** A domain error: `{detail}` or `{detail, docs_url}`. */
export function domainError(status: number, detail: string, docsUrl?: string): ApiError {
  return new ApiError(status, docsUrl ? { detail, docs_url: docsUrl } : { detail });
}

/** The 422 validation envelope. */
export function validationError(fields: readonly FieldIssue[]): ApiError {
  return new ApiError(422, { detail: 'Request validation failed', fields });
}

/** The 402 plan-gating body naming the bucket that was gated. Not transient, so no Retry-After. */
export function tierError(bucket: Bucket): ApiError {
  return new ApiError(402, {
    error_code: 'tier_not_authorized_for_integrations_api',
    message: 'Your plan does not include access to the Integrations API.',
    bucket,
  });
}

/**
 * Per-bucket wording of the 429 `error`. Only the `submission_write` text is documented; the others
 * follow the same pattern (a documented gap).
 */
const RATE_LIMIT_NOUNS: Readonly<Record<Bucket, string>> = {
  upload: 'uploads',
  submission_write: 'submission writes',
  submission_read: 'submission reads',
  webhook_write: 'webhook writes',
  webhook_read: 'webhook reads',
  sandbox: 'sandbox requests',
};

/** The 429 body and its `Retry-After` header (integer seconds, at least 1). */
export function rateLimitError(bucket: Bucket, retryAfterSeconds: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ApiError(
    429,
    { error: `Rate limit exceeded: too many ${RATE_LIMIT_NOUNS[bucket]}` },
    { 'retry-after': String(seconds) },
  );
}

/** A 404 domain error. */
export const notFound = (detail: string): ApiError => domainError(404, detail);
/** A 403 domain error. */
export const forbidden = (detail: string): ApiError => domainError(403, detail);
/** A 409 domain error. */
export const conflict = (detail: string, docsUrl?: string): ApiError => domainError(409, detail, docsUrl);
