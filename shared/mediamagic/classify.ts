/**
 * Classification of every MediaMagic outcome on two axes (docs/design.md, decision 6): what it means —
 * status + body, by docs/design.md, "MediaMagic's error table" — and whether the request reached the server
 * (transport errors).
 *
 * Pure: no I/O, no clock of its own (the caller passes `nowMs` for Retry-After).
 */
import {
  RETRYABLE_STATUSES,
  type ConflictReason,
  type FieldError,
  type ForbiddenReason,
  type HttpFailure,
  type NetworkFailure,
  type NotFoundReason,
  type TimeoutFailure,
  type UnauthorizedReason,
} from './failure.js';
import { parseRetryAfter } from '../resilience/retryAfter.js';

/** What {@link classifyHttpError} needs to know about a non-2xx response. */
export interface ErrorResponse {
  readonly status: number;
  /** Header lookup; names are matched case-insensitively by the caller's header object. */
  readonly header: (name: string) => string | undefined;
  /** The raw body text (possibly empty, not JSON, or an HTML page from a gateway). */
  readonly bodyText: string;
}

/** The fields any of the four documented error body shapes may carry. */
interface ErrorBody {
  detail?: unknown;
  docs_url?: unknown;
  fields?: unknown;
  error_code?: unknown;
  message?: unknown;
  bucket?: unknown;
  error?: unknown;
}

/**
 * Classifies a non-2xx response. Reads all four documented body shapes — `{detail, docs_url?}`,
 * 422 `{fields}`, 402 `{error_code, message, bucket}`, 429 `{error}` — and degrades to a description of
 * the body when it is empty, not JSON, or an HTML page from a gateway. Only 429, 500 and 502 are retryable.
 */
export function classifyHttpError(response: ErrorResponse, nowMs: number): HttpFailure {
  const { status } = response;
  const body = parseErrorBody(response.bodyText);
  const detail = pickDetail(status, body, response.bodyText);
  const docsUrl = typeof body?.docs_url === 'string' ? body.docs_url : undefined;
  const base = {
    reach: 'received' as const,
    retryable: RETRYABLE_STATUSES.has(status),
    detail,
    ...(docsUrl ? { docsUrl } : {}),
  };
  const msg = (what: string): string => `MediaMagic answered ${status} (${what}): ${detail}`;

  switch (status) {
    case 400:
      return { ...base, kind: 'bad-request', status, message: msg('bad request') };
    case 401: {
      const reason = unauthorizedReason(detail);
      return { ...base, kind: 'unauthorized', status, reason, message: msg(`API key problem: ${reason}`) };
    }
    case 402: {
      const bucket = typeof body?.bucket === 'string' ? body.bucket : undefined;
      const errorCode = typeof body?.error_code === 'string' ? body.error_code : undefined;
      return {
        ...base,
        kind: 'plan-not-authorized',
        status,
        ...(bucket ? { bucket } : {}),
        ...(errorCode ? { errorCode } : {}),
        message: msg(`plan does not include ${bucket ?? 'this capability'}`),
      };
    }
    case 403: {
      const reason = forbiddenReason(detail);
      return { ...base, kind: 'forbidden', status, reason, message: msg(`forbidden: ${reason}`) };
    }
    case 404: {
      const reason = notFoundReason(detail);
      return { ...base, kind: 'not-found', status, reason, message: msg(`not found: ${reason}`) };
    }
    case 409: {
      const reason = conflictReason(detail);
      const blobPath = /blobPath '([^']*)'/.exec(detail)?.[1];
      return {
        ...base,
        kind: 'conflict',
        status,
        reason,
        ...(blobPath !== undefined ? { blobPath } : {}),
        message: msg(`conflict: ${reason}`),
      };
    }
    case 413:
      return { ...base, kind: 'too-large', status, message: msg('too large') };
    case 415:
      return { ...base, kind: 'unsupported-type', status, message: msg('unsupported content type') };
    case 422: {
      const fields = normaliseFields(body);
      const listed = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
      return {
        ...base,
        kind: 'validation',
        status,
        fields,
        message: `MediaMagic answered 422 (request validation failed): ${listed || detail}`,
      };
    }
    case 429: {
      const retryAfterMs = parseRetryAfter(response.header('retry-after'), nowMs, response.header('date'));
      return {
        ...base,
        kind: 'rate-limited',
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        message: msg(
          retryAfterMs !== undefined ? `rate limited, retry after ${retryAfterMs} ms` : 'rate limited',
        ),
      };
    }
    case 500:
      return { ...base, kind: 'server-error', status, message: msg('server error') };
    case 502:
      return { ...base, kind: 'bad-gateway', status, message: msg('bad gateway') };
    default:
      return { ...base, kind: 'unexpected-status', status, message: msg('unexpected status') };
  }
}

function parseErrorBody(text: string): ErrorBody | undefined {
  if (!text.trim()) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The API's own words, whichever shape carried them; else a description of what came back. */
function pickDetail(status: number, body: ErrorBody | undefined, raw: string): string {
  for (const candidate of [body?.detail, body?.message, body?.error]) {
    if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
  }
  if (body && Array.isArray(body.detail)) return 'Request validation failed';
  if (body) return `HTTP ${status} with a JSON body in no documented shape`;
  if (!raw.trim()) return `HTTP ${status} with an empty body`;
  if (/^\s*<(!doctype|html|head|body)/i.test(raw)) {
    const title = /<title>([^<]{1,120})<\/title>/i.exec(raw)?.[1]?.trim();
    return `HTTP ${status} with an HTML page (a gateway or proxy answered${title ? `: "${title}"` : ''})`;
  }
  return `HTTP ${status} with a non-JSON body: ${raw.trim().slice(0, 120)}`;
}

function unauthorizedReason(detail: string): UnauthorizedReason {
  const d = detail.toLowerCase();
  if (d.includes('missing')) return 'missing-key';
  if (d.includes('expired')) return 'expired-key';
  if (d.includes('revoked')) return 'revoked-key';
  if (d.includes('invalid')) return 'invalid-key';
  return 'unknown';
}

function forbiddenReason(detail: string): ForbiddenReason {
  const d = detail.toLowerCase();
  if (d.includes('blob path')) return 'invalid-blob-path';
  if (d.includes('filename')) return 'invalid-filename';
  if (d.includes('sandbox')) return 'sandbox-only';
  if (d.includes('workspace')) return 'other-workspace';
  return 'unknown';
}

function notFoundReason(detail: string): NotFoundReason {
  // Issues/topics answer 404 while the asset is still processing; that is "later", not "never".
  return /(pending|not (yet )?finished|still processing|processing not)/i.test(detail)
    ? 'pending'
    : 'missing';
}

function conflictReason(detail: string): ConflictReason {
  const d = detail.toLowerCase();
  if (d.includes('already submitted')) return 'already-submitted';
  if (d.includes('in progress') || d.includes('in flight') || d.includes('already running')) {
    return 'retry-in-progress';
  }
  if (d.includes('retry') || d.includes('retryable') || d.includes('failed state') || d.includes('maximum')) {
    return 'not-retryable';
  }
  return 'unknown';
}

/**
 * The 422 envelope's field names are a documented gap, so accept the shapes a FastAPI service plausibly
 * sends: `fields: [{field|loc|name, message|msg}]`, `fields: {name: message}`, or FastAPI's default
 * `detail: [{loc, msg}]`.
 */
function normaliseFields(body: ErrorBody | undefined): FieldError[] {
  const source = Array.isArray(body?.fields)
    ? body.fields
    : Array.isArray(body?.detail)
      ? body.detail
      : undefined;
  if (source) return source.map(toFieldError);
  if (body?.fields && typeof body.fields === 'object') {
    return Object.entries(body.fields as Record<string, unknown>).map(([field, message]) => ({
      field,
      message: typeof message === 'string' ? message : JSON.stringify(message),
    }));
  }
  return [];
}

function toFieldError(entry: unknown): FieldError {
  if (typeof entry === 'string') return { field: '(body)', message: entry };
  if (!entry || typeof entry !== 'object') return { field: '(body)', message: JSON.stringify(entry) };
  const e = entry as Record<string, unknown>;
  const rawField = e.field ?? e.loc ?? e.name ?? e.path;
  const field = Array.isArray(rawField)
    ? rawField.filter((p) => p !== 'body').join('.')
    : typeof rawField === 'string'
      ? rawField
      : '(body)';
  const rawMessage = e.message ?? e.msg ?? e.error ?? e.detail;
  return { field: field || '(body)', message: typeof rawMessage === 'string' ? rawMessage : 'invalid' };
}

/** Transport error codes raised before any byte of the request could reach the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Classifies a transport-level error (undici or Node) by whether the request may have reached the server.
 * Connect-phase failures are `not-sent` (safe to resend even a POST); anything after the request was
 * written — resets, closed sockets, headers or body timeouts — is `maybe-sent`.
 */
export function classifyTransportError(error: unknown): NetworkFailure | TimeoutFailure {
  const { code, message, bytesWritten } = describeError(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return timeout('connect', code, 'not-sent', `connecting to MediaMagic timed out: ${message}`);
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return timeout('headers', code, 'maybe-sent', `MediaMagic did not send response headers in time`);
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return timeout('body', code, 'maybe-sent', `MediaMagic stopped sending the response body`);
  }
  // undici reports how much of the request went out; zero bytes written means nothing reached the server.
  const reach = NOT_SENT_CODES.has(code) || bytesWritten === 0 ? 'not-sent' : 'maybe-sent';
  return {
    kind: 'network',
    code,
    reach,
    retryable: true,
    message: `network error talking to MediaMagic (${code}, ${reach === 'not-sent' ? 'request not sent' : 'request may have been sent'}): ${message}`,
  };
}

function timeout(
  phase: TimeoutFailure['phase'],
  code: string,
  reach: TimeoutFailure['reach'],
  message: string,
): TimeoutFailure {
  return { kind: 'timeout', phase, code, reach, retryable: true, message };
}

/** Digs the stable code out of undici's wrappers (`fetch failed` → cause, AggregateError → first error). */
function describeError(error: unknown): { code: string; message: string; bytesWritten?: number } {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
      socket?: { bytesWritten?: unknown };
    };
    if (typeof e.code === 'string' && e.code !== 'ERR_ASSERTION') {
      const bytesWritten = typeof e.socket?.bytesWritten === 'number' ? e.socket.bytesWritten : undefined;
      return {
        code: e.code,
        message: typeof e.message === 'string' ? e.message : e.code,
        ...(bytesWritten !== undefined ? { bytesWritten } : {}),
      };
    }
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'UNKNOWN', message };
}
