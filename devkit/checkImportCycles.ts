/**
 * `node dist/devkit/checkImportCycles.js [tsconfig.json]` (`npm run check:imports`; CI runs it after the
 * build): exits 1, printing each cycle, when any of the project's files imports itself through others.
 * ESLint checks which way imports point (LAYERS in eslint.config.mjs); this checks that they never loop.
 */
import path from 'node:path';
import { findCycles } from './findCycles.js';
import { readImportGraph } from './importGraph.js';

/** The cycles in the project `tsconfigPath` describes, one line each, files relative to its folder. */
export function importCycleReport(tsconfigPath: string): string[] {
  const root = path.dirname(path.resolve(tsconfigPath));
  const graph = readImportGraph(tsconfigPath);
  return findCycles(graph).map((cycle) => cycle.map((file) => path.relative(root, file)).join(' → '));
}

if (require.main === module) {
  const tsconfig = process.argv[2] ?? 'tsconfig.json';
  const cycles = importCycleReport(tsconfig);
  if (cycles.length === 0) {
    console.log(`check:imports: no import cycles among the files ${tsconfig} includes`);
  } else {
    console.error(`check:imports: ${cycles.length} import cycle(s); break each one:`);
    for (const cycle of cycles) console.error(`  ${cycle}`);
    process.exitCode = 1;
  }
}
