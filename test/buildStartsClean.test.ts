import { execSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  globSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  main: string;
  scripts: { build: string };
};

/**
 * `npm run build` exactly as package.json says, in a scratch app root holding one function source, a
 * tsconfig.build.json that compiles just it, and the repository's build helpers — so the real build
 * command runs without touching the working tree's dist/ (other suites' builds use their own roots).
 */
describe('npm run build starts from a clean dist/', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mm-build-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('removes a compiled file whose source is gone (it would be deployed and registered twice), keeps the staged package', () => {
    mkdirSync(path.join(root, 'functions'));
    mkdirSync(path.join(root, 'scripts'));
    writeFileSync(path.join(root, 'functions/submitRenamed.ts'), 'export const renamed = 1;\n');
    writeFileSync(
      path.join(root, 'tsconfig.build.json'),
      JSON.stringify({
        compilerOptions: { outDir: 'dist', rootDir: '.', module: 'nodenext', types: [], skipLibCheck: true },
        include: ['functions'],
      }),
    );
    copyFileSync(path.join(repo, 'package.json'), path.join(root, 'package.json'));
    copyFileSync(path.join(repo, 'scripts/cleanDist.mjs'), path.join(root, 'scripts/cleanDist.mjs'));
    symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    // What the previous build left: the function's old name, and a staged deployment package.
    mkdirSync(path.join(root, 'dist/functions'), { recursive: true });
    writeFileSync(path.join(root, 'dist/functions/submit.js'), '// stale\n');
    mkdirSync(path.join(root, 'dist/azure-package'));
    writeFileSync(path.join(root, 'dist/azure-package/host.json'), '{}');

    // As npm runs a script: through the shell, with node_modules/.bin on PATH.
    execSync(pkg.scripts.build, {
      cwd: root,
      env: {
        PATH: [
          path.join(root, 'node_modules/.bin'),
          path.dirname(process.execPath),
          process.env.PATH ?? '',
        ].join(path.delimiter),
      },
      stdio: 'pipe',
    });

    expect(globSync(pkg.main, { cwd: root })).toEqual(['dist/functions/submitRenamed.js']);
    expect(existsSync(path.join(root, 'dist/azure-package/host.json'))).toBe(true);
  }, 120_000);
});
