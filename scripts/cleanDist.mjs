// `npm run build`'s first step: empties dist/ so the build starts clean. tsc only adds and overwrites, so a
// function renamed or deleted in the sources would otherwise leave its old compiled file behind, matched by
// package.json `main` (dist/functions/*.js): deployed, and registered again beside its new name — which
// makes the worker refuse to load the app.
//
// Plain JavaScript, run before anything is compiled, on any OS with Node 22 (`node scripts/cleanDist.mjs`).
// It keeps dist/azure-package/, the deployment folder infra/scripts/stage-package.mjs stages (and empties
// itself before staging), so the staged package survives whichever order azd runs its own build and the
// staging hook in.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const dist = path.resolve(process.cwd(), 'dist');
const kept = new Set(['azure-package']);
const entries = fs.existsSync(dist) ? fs.readdirSync(dist) : [];
for (const entry of entries) {
  if (!kept.has(entry)) fs.rmSync(path.join(dist, entry), { recursive: true, force: true });
}
