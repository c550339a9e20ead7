import { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from './readBoundedBody.js';

/** A stream of `chunks`, pulled one at a time; `pulled()` says how many were taken, `cancelled()` if it was cancelled. */
function source(chunks: readonly unknown[]) {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<unknown>(
    {
      pull(controller) {
        const next = chunks[pulled];
        if (pulled === chunks.length) return controller.close();
        pulled++;
        controller.enqueue(next);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

describe('readBoundedBody', () => {
  it('reads a null body as empty', async () => {
    expect(await readBoundedBody(null, 10)).toEqual({ ok: true, bytes: new Uint8Array(0) });
  });

  it('reassembles chunks up to exactly the limit', async () => {
    const { stream } = source([bytes(3, 1), bytes(0), bytes(7, 2)]);
    const read = await readBoundedBody(stream, 10);
    expect(read).toEqual({ ok: true, bytes: Uint8Array.from([1, 1, 1, 2, 2, 2, 2, 2, 2, 2]) });
  });

  it('stops at the first chunk past the limit and cancels the rest', async () => {
    const s = source([bytes(6), bytes(5), bytes(100), bytes(100)]);
    expect(await readBoundedBody(s.stream, 10)).toEqual({ ok: false, bytesRead: 11 });
    expect(s.pulled()).toBe(2);
    expect(s.cancelled()).toBe(true);
  });

  it('refuses a stream of something other than bytes', async () => {
    const s = source(['text']);
    await expect(readBoundedBody(s.stream, 10)).rejects.toThrow(TypeError);
    expect(s.cancelled()).toBe(true);
  });
});
