/**
 * Runs one of a benchmark's measuring children (a compiled `bench/*Child.js`) as a fresh process and reads
 * the one `MARKER {json}` line it prints. A fresh process per measurement, so that one run's module cache
 * and heap never colour the next.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './stack.js';

/**
 * Runs `node dist/bench/<script> ...args` with only PATH and `env` in its environment and resolves with the
 * JSON after `marker`; rejects with the child's whole output when it fails or prints no such line.
 */
export function runBenchChild<T>(
  script: string,
  args: readonly string[],
  marker: string,
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/bench', script), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const result = new RegExp(`^${marker} (\\{.*\\})$`, 'm');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // `close`, not `exit`: it comes after the output streams are drained, so the last line is never missed.
    child.once('close', (code) => {
      const line = result.exec(output)?.[1];
      if (code === 0 && line) resolve(JSON.parse(line) as T);
      else reject(new Error(`${script} ${args.join(' ')} exited ${String(code)}:\n${output}`));
    });
  });
}
