#!/usr/bin/env node
// The `mediamagic-autosubmit` command (package.json `bin`). The CLI itself is TypeScript compiled into dist/
// by `npm run build`; this launcher is committed so the bin exists before the first build. npx resolves a
// project's bin on its first call and caches the answer: called while dist/ was missing (a second terminal
// while `npm start` is still building), it used to cache "no such command" for good. Here it says to build
// first instead, and works as soon as the build has finished.
import { existsSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'dist', 'cli', 'main.js');
/** The CLI's own exit code for a configuration error (cli/lib/exitCodes.ts): the project is not set up yet. */
const NOT_BUILT = 3;

if (!existsSync(main)) {
  process.stderr.write(
    `error: mediamagic-autosubmit is not built yet (${path.relative(process.cwd(), main) || main} is missing)\n` +
      `hint: run \`npm run build\` in ${root} (\`npm start\` builds first), then run this command again\n`,
  );
  process.exit(NOT_BUILT);
}
try {
  await import(pathToFileURL(main).href);
} catch (error) {
  // A build in progress (dist/ is emptied first, then written) can leave main.js without its imports.
  if (error && typeof error === 'object' && 'code' in error && error.code === 'MODULE_NOT_FOUND') {
    process.stderr.write(
      `error: mediamagic-autosubmit's build in ${root} is incomplete (${String(error.message).split('\n')[0]})\n` +
        'hint: wait for `npm run build` to finish (or run it), then run this command again\n',
    );
    process.exit(NOT_BUILT);
  }
  throw error;
}
