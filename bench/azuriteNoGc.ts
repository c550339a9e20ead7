/**
 * A `--require` preload for the Azurite processes the benchmarks start (see `startBenchAzurite` in
 * bench/stack.ts): it moves Azurite's blob extent garbage collection from every 10 minutes to once a day.
 *
 * Why: in-memory Azurite 3.37 deletes unreferenced extents one by one through LokiJS `findAndRemove`, which
 * rebuilds the collection's indexes on every removal — quadratic in the number of extents. After ten minutes
 * of the soak's ledger writes that is tens of thousands of extents, and the sweep holds Azurite's only
 * thread for many minutes: every storage call, the app's and ours, hangs (seen: 8+ minutes at 100 % CPU in
 * `deleteExtents` → `removeBatchByPositions` → `ensureAllIndexes`). That is the emulator's stall, not the
 * pipeline's, so the benchmarks keep it out of their figures; the garbage only costs Azurite memory.
 *
 * It must load before Azurite reads the constant: the GC manager takes `DEFAULT_GC_INTERVAL_MS` as a default
 * argument when the blob server is constructed, after preloads have run.
 */
import Module from 'node:module';
import path from 'node:path';

const DAY_MS = 24 * 3600_000;

// Resolved from the working directory, where Azurite itself is resolved from (devkit/azurite.ts).
const load = Module.createRequire(path.join(process.cwd(), 'package.json'));
try {
  const constants = load('azurite/dist/src/blob/utils/constants') as { DEFAULT_GC_INTERVAL_MS: number };
  constants.DEFAULT_GC_INTERVAL_MS = DAY_MS;
} catch {
  // A different Azurite layout: run with its own GC rather than not at all.
}
