/**
 * A `--require` preload for the Azurite processes the benchmarks start (see `startBenchAzurite` in
 * bench/stack.ts): it moves Azurite's extent garbage collection — the blob service's (every 10 minutes) and
 * the queue service's (every minute) — to once a day.
 *
 * Why: in-memory Azurite 3.37 deletes unreferenced extents one by one through LokiJS `findAndRemove`, which
 * rebuilds the collection's indexes on every removal — quadratic in the number of extents — on Azurite's
 * only thread, so every storage call, the app's and ours, hangs while it runs. Blob: after ten minutes of the
 * soak's ledger writes that is tens of thousands of extents and the sweep held Azurite for many minutes
 * (seen: 8+ minutes at 100 % CPU in `deleteExtents` → `removeBatchByPositions` → `ensureAllIndexes`). Queue:
 * a minute after Azurite starts, the sweep of the messages a benchmark has consumed by then (about a
 * thousand in the fleet benchmark) froze every process of every fleet run for 2–3 s at once — no log line
 * from any app process, then a burst. Those are the emulator's stalls, not the pipeline's, so the benchmarks
 * keep them out of their figures; the garbage only costs Azurite memory.
 *
 * It must load before Azurite reads the constants: each GC manager takes `DEFAULT_GC_INTERVAL_MS` as a
 * default argument when its server is constructed, after preloads have run.
 */
import Module from 'node:module';
import path from 'node:path';

const DAY_MS = 24 * 3600_000;

// Resolved from the working directory, where Azurite itself is resolved from (devkit/azurite.ts).
const load = Module.createRequire(path.join(process.cwd(), 'package.json'));
for (const service of ['blob', 'queue']) {
  try {
    const constants = load(`azurite/dist/src/${service}/utils/constants`) as {
      DEFAULT_GC_INTERVAL_MS: number;
    };
    constants.DEFAULT_GC_INTERVAL_MS = DAY_MS;
  } catch {
    // A different Azurite layout: run with its own GC rather than not at all.
  }
}
