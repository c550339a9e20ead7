/**
 * The MediaMagic webhook delivery payload, as MediaMagic documents it: a Standard Webhooks envelope
 * `{ id, type, timestamp, data }` whose `data` is snake_case and names one asset of one submission.
 *
 * The published docs leave gaps (the full `data` key list, the `timestamp` format), so the schema is loose:
 * unknown fields are allowed, optional text fields may also be `null`, and `timestamp` may be a string or a
 * number. Ids are bounded (see MAX_ID_LENGTH).
 */
import { z } from 'zod';

/** The two event types MediaMagic sends; events are per asset. */
export const WEBHOOK_EVENT_TYPES = ['asset.processing.completed', 'asset.processing.failed'] as const;

/** One of {@link WEBHOOK_EVENT_TYPES}. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Longer ids than any the API issues (UUIDs); the bound keeps a payload and a record small. It is counted
 * before encoding, so it cannot keep a pointer or orphan blob name within Azure's limit on its own:
 * ../ledger/idBlobName.ts does (docs/ledger.md, "Names built from ids").
 */
const MAX_ID_LENGTH = 256;

const id = z.string().trim().min(1).max(MAX_ID_LENGTH);
/** An optional text field; `null` is read as absent so code has one "absent". */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

/** The `data` object of a delivery. */
export const WebhookEventDataSchema = z.looseObject({
  submission_id: id,
  asset_id: id,
  status: optionalText,
  workspace_id: optionalText,
  error_message: optionalText,
});

/** A whole delivery payload. */
export const WebhookEventSchema = z.looseObject({
  id,
  type: z.enum(WEBHOOK_EVENT_TYPES),
  timestamp: z.union([z.string(), z.number()]),
  data: WebhookEventDataSchema,
});

/** A delivery payload that passed {@link WebhookEventSchema}. */
export type WebhookEvent = z.output<typeof WebhookEventSchema>;

/** The outcome of {@link parseWebhookEvent}; `message` names the problem and is safe to send back. */
export type ParseWebhookEventResult =
  | { readonly ok: true; readonly event: WebhookEvent }
  | { readonly ok: false; readonly kind: 'not-json' | 'invalid-event'; readonly message: string };

/** Decodes (strict UTF-8), parses and validates a (verified) raw body. Never throws. */
export function parseWebhookEvent(rawBody: Uint8Array): ParseWebhookEventResult {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody)) as unknown;
  } catch {
    return { ok: false, kind: 'not-json', message: 'The body is not valid UTF-8 JSON' };
  }
  const parsed = WebhookEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  const message = `The body is not a MediaMagic webhook event: ${z.prettifyError(parsed.error)}`;
  return { ok: false, kind: 'invalid-event', message };
}
