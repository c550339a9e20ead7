/**
 * A TypeScript project's import graph, file to file, as the compiler resolves it: every import, type
 * import, re-export, dynamic `import()` and `require()` of one of the project's own files. Packages and
 * Node built-ins are left out: only our own files can take part in a cycle.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Each file of the project (absolute path) → the project files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Reads the files `tsconfigPath` includes and resolves their imports with its compiler options. */
export function readImportGraph(tsconfigPath: string): ImportGraph {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfigPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!config) throw new Error(`cannot read ${tsconfigPath}`);
  const files = new Set(config.fileNames.map((file) => path.resolve(file)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    // A scan, not a parse: it finds the specifiers (dynamic and require() too) without building a program.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      const resolved = ts.resolveModuleName(fileName, file, config.options, ts.sys).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) continue;
      const target = path.resolve(resolved.resolvedFileName);
      if (files.has(target)) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}
