// Loads the app's entry files the way the Azure Functions Node worker does (package.json `main` glob, each
// match required in order) with a fake `@azure/functions-core`, and prints the captured registrations as
// JSON. Why this captures what the host would see: docs/design.md, "Platform facts the design rests on".
// Usage: node test/support/loadLikeWorker.cjs <appRoot>
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const appRoot = path.resolve(process.argv[2] || '.');
const registrations = [];
const fakeCore = {
  version: 'fake',
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerFunction(metadata, callback) {
    registrations.push({ metadata, handlerType: typeof callback });
    return { dispose() {} };
  },
  registerHook() {
    return { dispose() {} };
  },
  log() {},
};
const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === '@azure/functions-core') return fakeCore;
  return originalLoad.call(this, request, parent, isMain);
};

const pkg = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8'));
const files = fs.globSync(pkg.main, { cwd: appRoot }).sort();
const out = { main: pkg.main, files, registrations: [], errors: [] };
for (const file of files) {
  try {
    require(path.join(appRoot, file));
  } catch (error) {
    out.errors.push({ file, message: error instanceof Error ? error.message : String(error) });
  }
}
out.registrations = registrations;
process.stdout.write(JSON.stringify(out));
