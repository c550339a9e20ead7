import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { importCycleReport } from './checkImportCycles.js';

/** A project with a tsconfig.json like ours and `files` (path → source); returns its tsconfig path. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'devkit-cycles-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const tsconfig = {
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    include: ['src'],
  };
  writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  }
  return path.join(root, 'tsconfig.json');
}

describe('importCycleReport', () => {
  it('reports nothing when imports only point one way', () => {
    const tsconfig = project({
      'src/a.ts': "import { b } from './b.js';\nimport { readFileSync } from 'node:fs';\nexport const a = b;",
      'src/b.ts': "import { c } from './lib/c.js';\nexport const b = c;",
      'src/lib/c.ts': 'export const c = 1;',
    });
    expect(importCycleReport(tsconfig)).toEqual([]);
  });

  it('reports a cycle through a type-only import, a re-export and a dynamic import', () => {
    const tsconfig = project({
      'src/a.ts': "import type { B } from './b.js';\nexport type A = B;",
      'src/b.ts': "export { c as B } from './lib/c.js';",
      'src/lib/c.ts': "export const c = () => import('../a.js');",
    });
    expect(importCycleReport(tsconfig)).toEqual([
      ['src/a.ts', 'src/b.ts', 'src/lib/c.ts', 'src/a.ts'].map((file) => path.normalize(file)).join(' → '),
    ]);
  });

  it('finds none in this repository', () => {
    expect(importCycleReport(path.join(process.cwd(), 'tsconfig.json'))).toEqual([]);
  });
});
