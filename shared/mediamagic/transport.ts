/**
 * One HTTP exchange with MediaMagic over undici, with explicit connect/headers/body timeouts and
 * keep-alive. Never throws: transport errors come back classified by whether the request reached the server.
 */
import { Agent, type Dispatcher } from 'undici';
import { classifyTransportError } from './classify.js';
import type { Failure } from './failure.js';

/** Timeouts for one exchange, in milliseconds. */
export interface TransportTimeouts {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
}

/** Defaults: short enough for a function invocation, long enough for a slow API under load. */
export const DEFAULT_TIMEOUTS: TransportTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

/** Largest response body we read into memory (results are JSON documents, not media). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** A response as read off the wire. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
}

/** One request. `path` includes the query string. */
export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Caps the headers timeout so an attempt does not outlive the invocation's deadline. */
  readonly maxWaitMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Builds the keep-alive agent. HTTP/1.1 only on purpose: undici 8 turns HTTP/2 on by default, and we want
 * the connection behaviour (and its failure modes) to be the ones we classify and test.
 */
export function createAgent(timeouts: TransportTimeouts = DEFAULT_TIMEOUTS): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    connectTimeout: timeouts.connectMs,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
    connections: 32,
    allowH2: false,
  });
}

/** Sends one request and reads the whole (bounded) body. */
export async function exchange(
  dispatcher: Dispatcher,
  origin: string,
  timeouts: TransportTimeouts,
  request: RawRequest,
): Promise<{ ok: true; value: RawResponse } | { ok: false; failure: Failure }> {
  const headersTimeout = Math.max(1, Math.min(timeouts.headersMs, request.maxWaitMs ?? Infinity));
  try {
    const response = await dispatcher.request({
      origin,
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      headersTimeout,
      bodyTimeout: timeouts.bodyMs,
      signal: request.signal ?? null,
    });
    const bodyText = await readBounded(response.body);
    return {
      ok: true,
      value: { status: response.statusCode, headers: flattenHeaders(response.headers), bodyText },
    };
  } catch (error) {
    if (request.signal?.aborted) {
      return {
        ok: false,
        failure: {
          kind: 'aborted',
          reach: 'maybe-sent',
          retryable: false,
          message: 'the call was aborted by its caller',
        },
      };
    }
    return { ok: false, failure: classifyTransportError(error) };
  }
}

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw Object.assign(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`), {
        code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE',
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
