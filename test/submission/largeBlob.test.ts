import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

const SIZE = 256 * 1024 * 1024;

/** A stream of `size` bytes starting with a real MP4 header, produced lazily so the test never holds it. */
function lazyMp4(size: number): Readable {
  const chunk = 4 * 1024 * 1024;
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(chunk, size - sent);
      const buf = Buffer.alloc(n);
      if (sent === 0) buf.set(sampleMedia('video/mp4', 64), 0);
      sent += n;
      this.push(buf);
    },
  });
}

describe('copy mode streams nothing through the process', () => {
  const stack = useStack({ env: { INVOCATION_BUDGET_SECONDS: '120' } });

  it('a 256 MiB blob is copied server-side while heap and RSS grow by far less than its size', async () => {
    const { deps, eventFor, invocation, record, emulator } = stack.current;
    await deps.sourceContainer
      .getBlockBlobClient('big/master.mp4')
      .uploadStream(lazyMp4(SIZE), 4 * 1024 * 1024, 2, { blobHTTPHeaders: { blobContentType: 'video/mp4' } });
    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 10);

    const handle = makeSubmitOnBlobCreatedHandler(() => Promise.resolve(deps));
    const result = await handle(eventFor('big/master.mp4'), invocation('submitOnBlobCreated').context);
    clearInterval(sampler);

    expect(result.kind).toBe('submitted');
    const rec = await record('big/master.mp4');
    const copied = await deps.blobService
      .getContainerClient('assets')
      .getBlobClient(rec?.blobPath ?? '')
      .getProperties();
    expect(copied.contentLength).toBe(SIZE);
    expect(emulator.stats().submissionsByBlobPath[rec?.blobPath ?? '']).toBe(1);
    const rssGrowth = peakRss - before.rss;
    const heapGrowth = peakHeap - before.heapUsed;
    console.log(
      `256 MiB copy: RSS +${(rssGrowth / 2 ** 20).toFixed(1)} MiB, heap +${(heapGrowth / 2 ** 20).toFixed(1)} MiB (blob ${SIZE / 2 ** 20} MiB)`,
    );
    expect(rssGrowth).toBeLessThan(SIZE / 8);
    expect(heapGrowth).toBeLessThan(SIZE / 8);
  }, 120_000);
});
