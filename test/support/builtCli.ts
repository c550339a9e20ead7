import { execFileSync } from 'node:child_process';
import { copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const repo = process.cwd();

/** Compiles the CLI (and only what it imports) into `root/dist`, installed like a package would be. */
export function buildCli(root: string): string {
  const tsconfig = path.join(root, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(repo, 'tsconfig.build.json'),
      compilerOptions: {
        outDir: path.join(root, 'dist'),
        rootDir: repo,
        typeRoots: [path.join(repo, 'node_modules/@types')],
      },
      include: [path.join(repo, 'cli')],
      exclude: [path.join(repo, '**/*.test.ts')],
    }),
  );
  execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
    stdio: 'inherit',
  });
  copyFileSync(path.join(repo, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return path.join(root, 'dist/cli/main.js');
}
