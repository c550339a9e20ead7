/**
 * The HTTP side of the webhook receiver: refuse what is not a signed MediaMagic event, apply what is, and
 * answer fast. Checks run cheapest-first — method → content type → size → signature → schema → apply — so
 * an unauthenticated caller costs us no more than a header read and one bounded body read, and nothing
 * reaches the JSON parser or the ledger before its signature is verified.
 *
 * Answers are chosen for the sender's retry logic: 2xx means "do not redeliver" (applied, duplicate, or
 * accepted for reconciliation), 5xx means "redeliver" (our storage failed or stayed contended), and a 401
 * is the same for every signature problem so a forger learns nothing.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { contextLogger } from '../contextLogger.js';
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ReconciliationIndex } from '../ledger/reconciliationIndex.js';
import { Redactor, type Logger } from '../logger.js';
import { applyWebhookEvent, type ApplyWebhookResult } from './applyWebhookEvent.js';
import { readBoundedBody } from './readBoundedBody.js';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from './verifySignature.js';
import { parseWebhookEvent } from './webhookEvent.js';

/** What the handler needs; built by the composition root (`shared/app/webhookDeps.ts`) or by tests. */
export interface ReceiveWebhookDeps {
  readonly ledger: Ledger;
  /** Accepted signing secrets, `whsec_<base64>` each; empty = every delivery is refused. */
  readonly secrets: readonly string[];
  readonly maxBodyBytes: number;
  readonly clock: Clock;
  /** Where lines go; default: the invocation's own log (`context.log/warn/error`). */
  readonly logger?: Logger;
  /** Scrubs every line; default: one that knows the webhook secrets. */
  readonly redactor?: Redactor;
  /** Keeps events about unknown submissions for reconciliation. */
  readonly orphans?: Pick<ReconciliationIndex, 'recordOrphan'>;
}

/** An HTTP trigger handler, as `app.http` takes it. */
export type ReceiveWebhookHandler = (
  request: HttpRequest,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

/** The one answer to every signature problem. */
export const INVALID_SIGNATURE_BODY = { detail: 'Invalid webhook signature' } as const;

/** Builds the handler over its dependencies. */
export function makeReceiveWebhookHandler(deps: ReceiveWebhookDeps): ReceiveWebhookHandler {
  const redactor = deps.redactor ?? new Redactor(deps.secrets);
  return async (request, context) => {
    const logger = redactor.wrap(deps.logger ?? contextLogger(context));
    try {
      return await receive(deps, request, logger);
    } catch (error) {
      // Unexpected by definition (storage down, a bug): 500 makes MediaMagic redeliver later.
      logger.error('webhook failed; asking for redelivery', describeError(error));
      return answer(500, { detail: 'The webhook could not be processed; please redeliver' });
    }
  };
}

async function receive(
  deps: ReceiveWebhookDeps,
  request: HttpRequest,
  logger: Logger,
): Promise<HttpResponseInit> {
  if (request.method !== 'POST') {
    logger.info('webhook refused: method not allowed', { method: request.method });
    return answer(405, { detail: 'Only POST is allowed' }, { Allow: 'POST' });
  }
  const contentType = request.headers.get('content-type');
  if (!isJsonContentType(contentType)) {
    logger.info('webhook refused: not JSON', { contentType });
    return answer(415, { detail: 'The body must be application/json' });
  }
  const declared = declaredLength(request.headers.get('content-length'));
  if (declared !== undefined && declared > deps.maxBodyBytes)
    return tooLarge(logger, declared, deps.maxBodyBytes);
  const read = await readBoundedBody(request.body, deps.maxBodyBytes);
  if (!read.ok) return tooLarge(logger, read.bytesRead, deps.maxBodyBytes);
  const rawBody = read.bytes;

  const verified = verifyWebhookSignature({
    headers: request.headers,
    rawBody,
    secrets: deps.secrets,
    nowMs: deps.clock.now(),
  });
  if (!verified.ok) {
    // The id header is not secret and lets a sender's delivery log be matched; the signature never logs.
    const props = { reason: verified.reason, webhookId: request.headers.get(WEBHOOK_HEADERS.id) };
    if (verified.reason === 'no-secrets')
      logger.error('webhook refused: no signing secret configured', props);
    else logger.warn('webhook refused: signature check failed', props);
    return answer(401, INVALID_SIGNATURE_BODY);
  }

  const parsed = parseWebhookEvent(rawBody);
  if (!parsed.ok) {
    logger.warn('webhook refused: verified body is not an event', {
      kind: parsed.kind,
      message: parsed.message,
      webhookId: verified.id,
    });
    return answer(400, { detail: parsed.message });
  }

  const result = await applyWebhookEvent(
    { ledger: deps.ledger, clock: deps.clock, logger, ...(deps.orphans ? { orphans: deps.orphans } : {}) },
    parsed.event,
  );
  return answerFor(result);
}

/** `application/json` or any `application/*+json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const mediaType = (header.split(';')[0] ?? '').trim().toLowerCase();
  return /^application\/(?:json|[a-z0-9!#$&^_.-]+\+json)$/.test(mediaType);
}

/** The `content-length` header as a number, or `undefined` when absent or not a plain decimal. */
function declaredLength(header: string | null): number | undefined {
  return header !== null && /^\s*\d+\s*$/.test(header) ? Number(header) : undefined;
}

/** `bytes`: declared, or read before the read stopped — not the body's size, which is never learnt. */
function tooLarge(logger: Logger, bytes: number, limit: number): HttpResponseInit {
  logger.warn('webhook refused: body too large', { bytes, limit });
  return answer(413, { detail: `The body exceeds ${limit} bytes` });
}

/** The sender's view of each outcome. */
function answerFor(result: ApplyWebhookResult): HttpResponseInit {
  switch (result.kind) {
    case 'applied':
      return answer(200, { status: 'applied' });
    case 'duplicate':
    case 'stale-generation':
      return answer(200, { status: 'duplicate' });
    case 'finished':
      return answer(200, { status: 'ignored' });
    case 'unknown-submission':
      return answer(202, { status: 'unknown-submission' });
    case 'not-yet-submitted':
      // The event overtook our own write of the submission id (milliseconds apart): ask for redelivery
      // rather than accept and drop it, so webhooks — not a later poll — finish the record.
      return answer(
        503,
        { detail: 'The submission is being recorded; please redeliver' },
        { 'Retry-After': '1' },
      );
    case 'contention':
      return answer(503, { detail: 'The record is busy; please redeliver' }, { 'Retry-After': '1' });
  }
}

function answer(status: number, jsonBody: object, headers?: Record<string, string>): HttpResponseInit {
  return { status, jsonBody, ...(headers ? { headers } : {}) };
}

/** What an unexpected error may tell the log: its name, code and message (the redactor scrubs secrets). */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const code = (error as { code?: unknown }).code;
  return { error: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
