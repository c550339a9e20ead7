/**
 * Benchmark 4 — cold start and package size. A cold Functions worker pays, before the first invocation,
 * for importing the app's entry files; Flex Consumption also downloads the package on every cold start.
 *
 * - Import time: N fresh processes per side (bench/coldStartChild.ts), alternating sides so a noisy
 *   neighbour hurts both alike; median and p90. Ours = the compiled entry files (`dist/functions/*.js`,
 *   package.json `main`) with a stand-in `@azure/functions-core`; baseline = `@azure/storage-blob` alone.
 * - First invocations: in the same processes, the first call of each registered function, without
 *   settings — what the entry files defer (the composition root, the pipeline) is paid there instead.
 * - Package size: what `infra/scripts/stage-package.mjs` ships — dist/ without tests, benchmarks, the
 *   emulator, dev scripts and source maps, plus host.json/package.json/package-lock.json, plus the
 *   production dependency closure — computed here from the installed node_modules (each production package
 *   reachable from package.json `dependencies`, resolved the way Node resolves it, counted once), without
 *   running npm. "zipped" is the sum of each file's raw-deflate size (what a zip stores, headers aside).
 *   The baseline column is the same for `@azure/storage-blob` alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { runBenchChild } from './benchChild.js';
import { figure, median, mib, num, percentile, type BenchSection, type PlainTable } from './report.js';
import { progress, REPO_ROOT } from './stack.js';

/** Inputs of the cold-start benchmark. */
export interface ColdStartOptions {
  readonly runs: number;
  readonly quick: boolean;
}

/** Full run: 21 processes per side. */
export const FULL_COLD_START: ColdStartOptions = { runs: 21, quick: false };
/** Quick run: 7 per side. */
export const QUICK_COLD_START: ColdStartOptions = { runs: 7, quick: true };

/** What one child reported. */
interface ChildResult {
  readonly importMs: number;
  readonly sinceStartMs: number;
  readonly registered: number;
  /** `functions` only: the first invocation of every function, one after another. */
  readonly firstCallsMs: number;
}

/** Size of a set of files. */
interface Footprint {
  readonly files: number;
  readonly bytes: number;
  readonly deflated: number;
}

/** Runs the imports and measures the package. */
export async function runColdStart(options: ColdStartOptions): Promise<BenchSection> {
  const ours: ChildResult[] = [];
  const floor: ChildResult[] = [];
  const withTelemetry: ChildResult[] = [];
  // One warm-up each (fills the OS file cache, as a worker's image would be): not counted.
  await runChild('functions');
  await runChild('storage-blob');
  await runChild('functions-telemetry');
  for (let i = 0; i < options.runs; i++) {
    ours.push(await runChild('functions'));
    floor.push(await runChild('storage-blob'));
    withTelemetry.push(await runChild('functions-telemetry'));
  }
  progress('cold-start', `${options.runs} runs per side done; per-dependency breakdown`);
  const breakdown = await dependencyImportTimes(Math.max(3, Math.ceil(options.runs / 3)));
  progress('cold-start', 'measuring the package');
  const app = packageFootprint();
  const blobOnly = dependencyFootprint(['@azure/storage-blob']);
  return section(options, ours, floor, withTelemetry, app, blobOnly, breakdown);
}

/** Median import time of each production dependency alone, each in its own fresh processes. */
async function dependencyImportTimes(runs: number): Promise<PlainTable> {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const rows: [string, number][] = [];
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push((await runChild(`module:${name}`)).importMs);
    rows.push([name, median(times)]);
  }
  rows.sort(([, a], [, b]) => b - a);
  return {
    caption: `Import time of each production dependency alone (median of ${runs} fresh processes; they share sub-dependencies, so the rows do not add up):`,
    headers: ['Package', 'Median import'],
    rows: rows.map(([name, ms]) => [name, `${num(ms, 0)} ms`]),
  };
}

function runChild(mode: string): Promise<ChildResult> {
  return runBenchChild<ChildResult>('coldStartChild.js', [mode, REPO_ROOT], 'COLD_START');
}

/** The deployment package as stage-package.mjs builds it, measured in place. */
function packageFootprint(): { dist: Footprint; modules: Footprint; packages: number } {
  const excluded = new Set(['test', 'bench', 'emulator', 'scripts', 'devkit', 'azure-package']);
  const distFiles: string[] = ['host.json', 'package.json', 'package-lock.json']
    .map((f) => path.join(REPO_ROOT, f))
    .filter((f) => existsSync(f));
  for (const entry of readdirSync(path.join(REPO_ROOT, 'dist'))) {
    if (excluded.has(entry)) continue;
    distFiles.push(...walk(path.join(REPO_ROOT, 'dist', entry), (f) => !f.endsWith('.map')));
  }
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const deps = dependencyFootprint(Object.keys(pkg.dependencies ?? {}));
  return { dist: measure(distFiles), modules: deps.modules, packages: deps.packages };
}

/**
 * The installed closure of `roots` (their dependencies, recursively, as Node would resolve them from each
 * package's folder), every package folder counted once, nested node_modules counted as their own packages.
 */
function dependencyFootprint(roots: readonly string[]): { modules: Footprint; packages: number } {
  const seen = new Set<string>();
  const visit = (name: string, fromDir: string): void => {
    const dir = resolvePackageDir(name, fromDir);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
      visit(dep, dir);
  };
  for (const root of roots) visit(root, REPO_ROOT);
  const files = [...seen].flatMap((dir) => walk(dir, () => true, true));
  return { modules: measure(files), packages: seen.size };
}

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent's. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Every file under `dir` passing `keep`; with `skipNodeModules`, nested node_modules are left out. */
function walk(dir: string, keep: (file: string) => boolean, skipNodeModules = false): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (skipNodeModules && entry.name === 'node_modules') continue;
      out.push(...walk(full, keep, skipNodeModules));
    } else if (entry.isFile() && keep(full)) {
      out.push(full);
    }
  }
  return out;
}

function measure(files: readonly string[]): Footprint {
  let bytes = 0;
  let deflated = 0;
  for (const file of files) {
    bytes += statSync(file).size;
    deflated += deflateRawSync(readFileSync(file)).length;
  }
  return { files: files.length, bytes, deflated };
}

function section(
  options: ColdStartOptions,
  ours: readonly ChildResult[],
  floor: readonly ChildResult[],
  withTelemetry: readonly ChildResult[],
  app: { dist: Footprint; modules: Footprint; packages: number },
  blobOnly: { modules: Footprint; packages: number },
  breakdown: PlainTable,
): BenchSection {
  const ms = (v: number): string => `${num(v, 0)} ms`;
  const importMs = (rs: readonly ChildResult[]): number[] => rs.map((r) => r.importMs);
  const startMs = (rs: readonly ChildResult[]): number[] => rs.map((r) => r.sinceStartMs);
  const total = app.dist.bytes + app.modules.bytes;
  const totalZip = app.dist.deflated + app.modules.deflated;
  return {
    id: 'cold-start',
    title: 'Cold start and package size',
    mode: options.quick ? 'quick' : 'full',
    comparison: {
      sides: ['Ours: dist/functions/*.js', 'Baseline: @azure/storage-blob alone'],
      rows: [
        {
          metric: `median import time (${options.runs} fresh processes)`,
          target: { text: '< 300 ms', met: (v) => v < 300 },
          figures: [ours, floor].map((rs) => figure(median(importMs(rs)), ms)),
          judged: [true, false],
        },
        {
          metric: 'p90 import time',
          figures: [ours, floor].map((rs) => figure(percentile(importMs(rs), 90), ms)),
        },
        {
          metric: 'median process start → imports done (Node bootstrap included)',
          figures: [ours, floor].map((rs) => figure(median(startMs(rs)), ms)),
        },
        {
          metric: 'median first invocation of every function (deferred imports; stops at the settings check)',
          figures: [figure(median(ours.map((r) => r.firstCallsMs)), ms), undefined],
        },
        {
          metric: 'median imports + first invocations',
          figures: [figure(median(ours.map((r) => r.importMs + r.firstCallsMs)), ms), undefined],
        },
        {
          metric:
            'median import time with telemetry on (APPLICATIONINSIGHTS_CONNECTION_STRING set: the distro loads)',
          figures: [figure(median(importMs(withTelemetry)), ms), undefined],
        },
        {
          metric: 'median imports + first invocations, telemetry on',
          figures: [figure(median(withTelemetry.map((r) => r.importMs + r.firstCallsMs)), ms), undefined],
        },
        {
          metric: 'functions registered',
          figures: [figure(ours[0]?.registered ?? 0, (v) => num(v)), undefined],
        },
        {
          metric: 'deployed package, unpacked (zipped ≈)',
          figures: [
            { value: total, text: `${mib(total)} (${mib(totalZip)})` },
            {
              value: blobOnly.modules.bytes,
              text: `${mib(blobOnly.modules.bytes)} (${mib(blobOnly.modules.deflated)})`,
            },
          ],
        },
        {
          metric: 'of which app code (dist/ without tests, bench, emulator, scripts, maps)',
          figures: [
            { value: app.dist.bytes, text: `${mib(app.dist.bytes, 2)} in ${num(app.dist.files)} files` },
            undefined,
          ],
        },
        {
          metric: 'of which production node_modules',
          figures: [
            {
              value: app.modules.bytes,
              text: `${mib(app.modules.bytes)} in ${num(app.packages)} packages`,
            },
            {
              value: blobOnly.modules.bytes,
              text: `${mib(blobOnly.modules.bytes)} in ${num(blobOnly.packages)} packages`,
            },
          ],
        },
      ],
    },
    breakdowns: [breakdown],
    notes: [
      `Import time = from the first line of a fresh process's script to the last require returning, measured ` +
        `in the child (bench/coldStartChild.ts) with performance.now(); one warm-up run per side first, then ` +
        `${options.runs} runs per side, alternating. The entry files import only @azure/functions and the ` +
        'settings module; the composition root, the pipeline and the storage SDK load on the first ' +
        'invocation (shared/app/lazyAppDeps.ts), and @azure/identity only under a managed identity.',
      'Telemetry on: the same entry files with APPLICATIONINSIGHTS_CONNECTION_STRING set to a closed ' +
        'loopback port, so the Azure Monitor distro and the Functions instrumentation load and start as in ' +
        'Azure (docs/operations.md) and nothing leaves the machine; the target applies to telemetry off.',
      'First invocation: in the same process right after the imports, each registered function is called ' +
        'once without settings, one after another; each loads what it deferred, then stops at the settings ' +
        'check (the run fails if one stops anywhere else). Building the clients and the first storage calls ' +
        'come on top in a real first invocation, as they did before the imports were deferred.',
      'Package size: computed from the installed node_modules (the production dependency closure of ' +
        'package.json `dependencies`, as Node resolves it) and dist/ as infra/scripts/stage-package.mjs ' +
        'filters it; "zipped" sums each file\'s raw-deflate size.',
    ],
  };
}
