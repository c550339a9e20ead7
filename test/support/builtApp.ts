import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const repo = process.cwd();

/**
 * Compiles the app into a fresh temporary app root (dist/, package.json, host.json, the sample settings and
 * a link to node_modules) for tests that must run the built output as a separate process — the way the
 * Functions worker, `npm start` and the CLI run it — without touching the working tree's dist/.
 */
export function useBuiltApp(): { root: string } {
  const holder = { root: '' };
  beforeAll(() => {
    holder.root = mkdtempSync(path.join(tmpdir(), 'mm-app-'));
    execFileSync(
      process.execPath,
      [
        path.join(repo, 'node_modules/typescript/bin/tsc'),
        '-p',
        path.join(repo, 'tsconfig.build.json'),
        '--outDir',
        path.join(holder.root, 'dist'),
      ],
      { stdio: 'inherit' },
    );
    for (const file of ['package.json', 'host.json', 'local.settings.sample.json']) {
      copyFileSync(path.join(repo, file), path.join(holder.root, file));
    }
    symlinkSync(path.join(repo, 'node_modules'), path.join(holder.root, 'node_modules'), 'dir');
  }, 180_000);
  afterAll(() => rmSync(holder.root, { recursive: true, force: true }));
  return holder;
}
