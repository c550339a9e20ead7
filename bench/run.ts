/**
 * `npm run bench`: runs the four benchmarks one after another, prints each table as it completes and
 * writes it into docs/benchmarks.md (machine, Node version and date included).
 *
 * Usage: node dist/bench/run.js [--quick] [--only cold-start,economy,memory,goodput,pacer-tuning,fleet] [--no-write]
 * - `--quick`: smaller inputs (300 blobs instead of 2,000, a 256 MiB blob instead of 1 GiB, …), minutes
 *   instead of a quarter of an hour; the tables say `--quick run`.
 * - `--only`: a comma-separated subset. `pacer-tuning` (evidence for the pacer's defaults) and `fleet` (many
 *   app processes on one API key, about half an hour in full) run only when named here.
 * - `--no-write`: print only; leave docs/benchmarks.md alone.
 *
 * Needs `npm run build` first (the children run compiled files). Exits non-zero when a benchmark fails to
 * run — not when a figure misses its target: a MISS is a finding, reported in the table.
 */
import { parseArgs } from 'node:util';
import { FULL_COLD_START, QUICK_COLD_START, runColdStart } from './coldStart.js';
import { FULL_ECONOMY, QUICK_ECONOMY, runEconomy } from './economy.js';
import { FULL_FLEET, QUICK_FLEET, runFleet } from './fleet.js';
import { FULL_GOODPUT, QUICK_GOODPUT, runGoodput } from './goodput.js';
import { FULL_MEMORY, QUICK_MEMORY, runMemory } from './memory.js';
import { runPacerTuning } from './pacerTuning.js';
import { printSection, runContext, writeSection, type BenchSection } from './report.js';

/** The benchmarks in running order: the short, noise-sensitive ones first. */
const BENCHMARKS: Readonly<Record<string, (quick: boolean) => Promise<BenchSection>>> = {
  'cold-start': (quick) => runColdStart(quick ? QUICK_COLD_START : FULL_COLD_START),
  economy: (quick) => runEconomy(quick ? QUICK_ECONOMY : FULL_ECONOMY),
  memory: (quick) => runMemory(quick ? QUICK_MEMORY : FULL_MEMORY),
  goodput: (quick) => runGoodput(quick ? QUICK_GOODPUT : FULL_GOODPUT),
};

/** Run only when named with `--only`. */
const EXTRAS: Readonly<Record<string, (quick: boolean) => Promise<BenchSection>>> = {
  'pacer-tuning': (quick) =>
    runPacerTuning({ ...(quick ? QUICK_GOODPUT : FULL_GOODPUT), files: quick ? 300 : 1000 }),
  fleet: (quick) => runFleet(quick ? QUICK_FLEET : FULL_FLEET),
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const all = { ...BENCHMARKS, ...EXTRAS };
  const names = values.only ? values.only.split(',').map((n) => n.trim()) : Object.keys(BENCHMARKS);
  const unknown = names.filter((n) => !(n in all));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}`);

  let failed = 0;
  for (const name of names) {
    const run = all[name] as (quick: boolean) => Promise<BenchSection>;
    try {
      const section = await run(values.quick);
      // Stamped per section: each one says when and where its own figures were taken.
      const context = runContext();
      printSection(section, context);
      if (!values['no-write']) writeSection(section, context);
    } catch (error) {
      failed++;
      console.error(
        `bench ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
  if (!values['no-write']) console.log('figures written to docs/benchmarks.md');
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
