/**
 * Builders shared by the webhook tests: ledger records in the states a webhook meets, event payloads, and
 * deliveries signed by the independent `standardwebhooks` reference library.
 */
import { randomBytes } from 'node:crypto';
import { HttpRequest, type HttpRequestInit } from '@azure/functions';
import { Webhook } from 'standardwebhooks';
import { newLedgerRecord } from '../../shared/ledger/newRecord.js';
import { isoTimestamp, type LedgerAsset, type LedgerRecord } from '../../shared/ledger/record.js';
import { transition } from '../../shared/ledger/transition.js';
import type { WebhookEventType } from '../../shared/webhooks/webhookEvent.js';

/** A fixed "now" for deterministic `due` assertions: 2026-11-25T12:00:00.000Z. */
export const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);
export const NOW_ISO = isoTimestamp(NOW_MS);
/** When the records were created and when their first poll is due (both before / after now). */
export const CREATED_ISO = isoTimestamp(NOW_MS - 10 * 60_000);
export const FIRST_POLL_ISO = isoTimestamp(NOW_MS + 30_000);

/** A fresh `whsec_` secret. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The asset entry the submitter writes for each asset of a new submission. */
export function submittedAsset(assetId: string, extra: Partial<LedgerAsset> = {}): LedgerAsset {
  return { assetId, status: 'submitted', retryCount: 0, localRetries: 0, ...extra };
}

/** A freshly claimed record for the source blob `uploads/<name>`. */
export function claimedRecord(name: string): LedgerRecord {
  return newLedgerRecord(
    { container: 'uploads', name },
    { sourceEtag: '"0x8D0"', contentType: 'video/mp4', contentLength: 1024, due: FIRST_POLL_ISO },
    CREATED_ISO,
  );
}

/** A record in `submitted` for `submissionId`, as the submission step leaves it. */
export function submittedRecord(
  name: string,
  submissionId: string,
  assets: readonly (string | LedgerAsset)[],
): LedgerRecord {
  const claimed = claimedRecord(name);
  const moved = transition(claimed, 'submitted', `submission ${submissionId} created`, CREATED_ISO, {
    submissionId,
    assets: assets.map((a) => (typeof a === 'string' ? submittedAsset(a) : a)),
    due: FIRST_POLL_ISO,
    pollIntervalMs: 30_000,
  });
  if (!moved.ok) throw new Error(moved.error.message);
  return moved.record;
}

/** An event payload as MediaMagic sends it (snake_case `data`). */
export interface EventSpec {
  readonly id: string;
  readonly type?: WebhookEventType;
  readonly submissionId: string;
  readonly assetId: string;
  readonly errorMessage?: string;
}

/** The delivery payload for `spec`. */
export function eventPayload(spec: EventSpec): {
  id: string;
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, string>;
} {
  const type = spec.type ?? 'asset.processing.completed';
  const failed = type === 'asset.processing.failed';
  return {
    id: spec.id,
    type,
    timestamp: NOW_ISO,
    data: {
      submission_id: spec.submissionId,
      asset_id: spec.assetId,
      workspace_id: 'ws_1',
      status: failed ? 'failed' : 'complete',
      ...(failed ? { error_message: spec.errorMessage ?? 'Transcoding failed' } : {}),
    },
  };
}

/** How to build one request; every field has a valid default. */
export interface DeliveryOptions {
  readonly secret: string;
  readonly body: string | Uint8Array;
  /** What is actually sent, when it should differ from what was signed (tampering). */
  readonly sentBody?: string | Uint8Array;
  readonly webhookId?: string;
  /** When the sender signed, epoch ms. Default {@link NOW_MS}. */
  readonly signedAtMs?: number;
  readonly method?: string;
  readonly contentType?: string | null;
  /** Extra headers, or `null` values to remove a default one. */
  readonly headers?: Record<string, string | null>;
}

/** A real `HttpRequest` carrying a delivery signed by the reference library, and the signature sent. */
export function signedRequest(options: DeliveryOptions): { request: HttpRequest; signature: string } {
  const webhookId = options.webhookId ?? `msg_${randomBytes(6).toString('hex')}`;
  const signedAtMs = options.signedAtMs ?? NOW_MS;
  const bytes =
    typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : Buffer.from(options.body);
  const signature = new Webhook(options.secret).sign(webhookId, new Date(signedAtMs), bytes);
  const headers: Record<string, string | null> = {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(signedAtMs / 1000)),
    'webhook-signature': signature,
    'content-type': options.contentType === undefined ? 'application/json' : options.contentType,
    ...options.headers,
  };
  const request = new HttpRequest({
    method: options.method ?? 'POST',
    url: 'http://localhost:7071/api/webhooks/mediamagic',
    headers: Object.fromEntries(
      Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== null),
    ),
    body: { bytes: options.sentBody === undefined ? bytes : toBuffer(options.sentBody) },
  });
  return { request, signature };
}

/**
 * `request` re-sent with a chunked body and no `content-length`: its body is a stream pulled one chunk
 * of `chunks` at a time (and no sooner), built the way the library builds a streamed request
 * (`nativeRequest`, as its `createStreamRequest` does), so a test sees exactly how far the handler reads.
 */
export function streamedRequest(request: HttpRequest, chunks: Iterator<Uint8Array>): HttpRequest {
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks.next();
        if (next.done === true) controller.close();
        else controller.enqueue(next.value);
      },
    },
    { highWaterMark: 0 },
  );
  const headers = new Headers(request.headers);
  headers.delete('content-length');
  const nativeRequest = new Request(request.url, { method: request.method, headers, body, duplex: 'half' });
  // `nativeRequest` is the library's internal init field for streamed requests; not in its public type.
  const init: HttpRequestInit & { nativeRequest: Request } = { nativeRequest };
  return new HttpRequest(init);
}

function toBuffer(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
}
