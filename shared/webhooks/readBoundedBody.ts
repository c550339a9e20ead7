/**
 * The webhook receiver's one bounded body read (docs/design.md, decision 9): chunk by chunk with a running
 * total, stopping as soon as the total passes the limit. A `content-length` check alone bounds nothing
 * when the body is chunked or the header lies, and `arrayBuffer()` reads the whole body before the size
 * can be checked.
 */
import type { ReadableStream } from 'node:stream/web';

/** The whole body, or how far the read got before it passed the limit (the rest is never pulled). */
export type BoundedBody =
  { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly bytesRead: number };

/**
 * Reads `body` (`HttpRequest.body`, a web ReadableStream; `null` = empty) up to `limit` bytes. Once the
 * running total passes the limit it cancels the stream, so the sender's remaining chunks are neither
 * pulled nor buffered.
 */
export async function readBoundedBody(
  body: ReadableStream<unknown> | null,
  limit: number,
): Promise<BoundedBody> {
  if (body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      await reader.cancel();
      throw new TypeError('the request body stream yielded something other than bytes');
    }
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return { ok: false, bytesRead: total };
    }
    chunks.push(value);
  }
  return { ok: true, bytes: concat(chunks, total) };
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
