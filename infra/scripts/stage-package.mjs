// azd `prepackage` hook (azure.yaml): stages the deployment package in dist/azure-package/.
//
// Why: azd zips the service folder as it is, node_modules included (remoteBuild is off because .funcignore
// drops the TypeScript sources a remote build would compile). The checkout's node_modules holds ~400 MB
// of dev tools (Azurite, TypeScript, Vitest…); Flex downloads the package on every cold start, so we ship
// only what the host runs: the compiled JS, host.json, package.json and production dependencies.
//
// Runs on any OS with Node 22 (`node infra/scripts/stage-package.mjs`); needs the npm registry.
import { execFileSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const stage = path.join(root, 'dist', 'azure-package');
const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });

// azd runs this hook after `npm install` but before its own `npm run build`, so build here.
npm(['run', 'build'], root);

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
for (const file of ['host.json', 'package.json', 'package-lock.json']) {
  fs.copyFileSync(path.join(root, file), path.join(stage, file));
}

// The compiled output, minus what .funcignore keeps out of the package (its `dist/<folder>` lines: tests,
// benchmarks, the emulator, dev scripts), source maps, and this staging folder itself.
const excluded = new Set(['azure-package']);
for (const line of fs.readFileSync(path.join(root, '.funcignore'), 'utf8').split(/\r?\n/)) {
  const match = /^\/?dist\/([^/*]+)\/?$/.exec(line.trim());
  if (match) excluded.add(match[1]);
}
// Folder by folder: fs.cpSync refuses to copy dist/ into its own subfolder.
for (const entry of fs.readdirSync(path.join(root, 'dist'))) {
  if (excluded.has(entry)) continue;
  fs.cpSync(path.join(root, 'dist', entry), path.join(stage, 'dist', entry), {
    recursive: true,
    filter: (source) => !source.endsWith('.map'),
  });
}

// Production dependencies exactly as locked; no install scripts (none of them needs one).
npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], stage);

// The worker loads package.json `main`; an empty match is the classic "0 functions found" after deploy.
const { main } = JSON.parse(fs.readFileSync(path.join(stage, 'package.json'), 'utf8'));
const entries = fs.globSync(main, { cwd: stage });
if (entries.length === 0) {
  console.error(`stage-package: "${main}" matches no file in ${stage}; the app would register no functions.`);
  process.exit(1);
}
console.log(`stage-package: ${entries.length} entry file(s) staged in ${path.relative(root, stage)}`);
