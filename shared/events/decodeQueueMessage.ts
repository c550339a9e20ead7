/**
 * Turns a queue message, in whatever form the Functions host hands it over, into a JSON value.
 *
 * The host base64-decodes messages and parses JSON before calling the handler, but only when the queue's
 * `messageEncoding` and the content line up; Event Grid writes base64, tests and the local bridge may
 * write plain JSON, and a message may arrive as a parsed object, a string or bytes. All are accepted.
 */

/** Why a message could not be decoded. */
export type DecodeFailureCode = 'empty' | 'not-utf8' | 'not-json';

/** The outcome of {@link decodeQueueMessage}. */
export type DecodedMessage =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly reason: string };

/** A string nested in JSON is decoded again, but only this deep (a double-encoded message). */
const MAX_NESTING = 2;

/** Decodes a parsed value, a JSON string, base64 of JSON, or UTF-8 bytes of either. Never throws. */
export function decodeQueueMessage(message: unknown): DecodedMessage {
  if (message instanceof Uint8Array) {
    const text = utf8(message);
    return text === undefined
      ? failure('not-utf8', 'the message bytes are not UTF-8 text')
      : decodeText(text, 0);
  }
  if (typeof message === 'string') return decodeText(message, 0);
  if (message === undefined || message === null) return failure('empty', 'the message is empty');
  return { ok: true, value: message };
}

function decodeText(text: string, depth: number): DecodedMessage {
  const trimmed = text.trim();
  if (trimmed === '') return failure('empty', 'the message is empty');
  // JSON first: base64 of a JSON object or array ("eyJ…", "W3s…") is never itself valid JSON.
  const parsed = parseJson(trimmed);
  if (parsed.ok) return unwrapNested(parsed.value, depth);
  if (looksLikeJson(trimmed)) return failure('not-json', `the message is not valid JSON (${parsed.detail})`);
  if (!isBase64(trimmed)) {
    return failure('not-json', `the message is neither JSON nor base64 (starts with ${preview(trimmed)})`);
  }
  const decoded = utf8(Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'))?.trim();
  if (decoded === undefined) return failure('not-utf8', 'the base64 message does not decode to UTF-8 text');
  const inner = parseJson(decoded);
  if (!inner.ok) {
    return failure(
      'not-json',
      `the base64 message decodes to text that is not JSON (starts with ${preview(decoded)})`,
    );
  }
  return unwrapNested(inner.value, depth);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

function unwrapNested(value: unknown, depth: number): DecodedMessage {
  if (typeof value === 'string' && depth < MAX_NESTING) return decodeText(value, depth + 1);
  return { ok: true, value };
}

/** Text that was meant as JSON (an object, array or string) rather than as base64. */
function looksLikeJson(text: string): boolean {
  return /^[[{"]/.test(text);
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Standard base64 (line breaks allowed), with the padding Event Grid writes. */
function isBase64(text: string): boolean {
  const compact = text.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function failure(code: DecodeFailureCode, reason: string): DecodedMessage {
  return { ok: false, code, reason };
}
