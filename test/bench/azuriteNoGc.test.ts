import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const repo = process.cwd();
const DAY_MS = 24 * 3600_000;
const dir = mkdtempSync(path.join(tmpdir(), 'mm-nogc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The GC intervals a Node process started in the repository sees, with the preload or without it. */
function gcIntervals(preload: boolean): { blob: number; queue: number } {
  const args = [];
  if (preload) {
    // Compiled the way the build compiles it (CommonJS), because Azurite's child loads it with --require.
    const source = readFileSync(path.join(repo, 'bench/azuriteNoGc.ts'), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    const file = path.join(dir, 'azuriteNoGc.js');
    writeFileSync(file, outputText);
    args.push('--require', file);
  }
  const read =
    'const c = (s) => require(`azurite/dist/src/${s}/utils/constants`).DEFAULT_GC_INTERVAL_MS;' +
    "console.log(JSON.stringify({ blob: c('blob'), queue: c('queue') }));";
  const out = execFileSync(process.execPath, [...args, '-e', read], { cwd: repo, encoding: 'utf8' });
  return JSON.parse(out) as { blob: number; queue: number };
}

describe('the benchmarks’ Azurite preload', () => {
  it('moves both the blob and the queue extent GC to once a day (they stall every storage call while they run)', () => {
    expect(gcIntervals(true)).toEqual({ blob: DAY_MS, queue: DAY_MS });
  });

  it('changes what Azurite would otherwise use (every 10 minutes and every minute)', () => {
    expect(gcIntervals(false)).toEqual({ blob: 10 * 60_000, queue: 60_000 });
  });
});
