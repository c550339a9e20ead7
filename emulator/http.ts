/**
 * Low-level HTTP plumbing: reading request bodies with a size cap, parsing JSON the way the real API
 * answers bad input (422 with `fields`, 413 when oversized), and writing replies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { domainError, validationError } from './errors.js';

/** What a handler answers; the server writes it (or, for a reset-after fault, drops it). */
export interface Reply {
  readonly status: number;
  /** JSON-serialisable body; omitted for 204. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The client went away before its body arrived; there is nobody left to answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super('client aborted the request');
    this.name = 'ClientAbortedError';
  }
}

/** A request body read up to a cap. */
export interface ReadBody {
  /** The bytes, or only the first `limit` of them when `tooLarge`. */
  readonly data: Buffer;
  /** True when the body was longer than the cap (the rest was read and discarded). */
  readonly tooLarge: boolean;
}

/**
 * Reads the body, keeping at most `limit` bytes. An oversized body is still drained to the end, so the
 * client can read the 413 instead of seeing its upload cut off mid-stream.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    // Gone before we started reading (a fault's latency outlasted the client): no event would ever come.
    if (req.destroyed) {
      reject(new ClientAbortedError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve({ data: Buffer.concat(chunks), tooLarge }));
    req.once('error', () => reject(new ClientAbortedError()));
    req.once('aborted', () => reject(new ClientAbortedError()));
    req.once('close', () => {
      if (!req.complete) reject(new ClientAbortedError());
    });
  });
}

/**
 * Reads and parses a JSON body. Wrong content type, empty or malformed JSON → 422 (FastAPI treats all of
 * them as body validation failures); over `limit` bytes → 413.
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw validationError([{ field: 'body', message: 'Content-Type must be application/json' }]);
  }
  const { data, tooLarge } = await readBody(req, limit);
  if (tooLarge) throw domainError(413, 'Request body too large');
  if (data.length === 0) throw validationError([{ field: 'body', message: 'Field required' }]);
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'malformed JSON';
    throw validationError([{ field: 'body', message: `JSON decode error: ${reason}` }]);
  }
}

/** Writes a reply as JSON (no body for 204). */
export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * Calls `lost` once if the reply never reaches the client: it had gone before the reply was ready (killed,
 * or it timed out and closed the connection), or the connection closed before the reply was handed over.
 * For a submission's creation this is the same loss as a `resetAfter` fault. Otherwise calls `delivered` once
 * the whole reply was handed to the connection.
 */
export function onUndelivered(res: ServerResponse, lost: () => void, delivered?: () => void): void {
  if (res.destroyed) {
    lost();
    return;
  }
  // 'finish': the whole reply was handed to the connection — the most the server can know was delivered.
  if (delivered) res.once('finish', delivered);
  res.once('close', () => {
    if (!res.writableFinished) lost();
  });
}
