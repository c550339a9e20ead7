/**
 * `node dist/devkit/printRegistrations.js <appRoot>`: loads the built app at `appRoot` like the worker
 * (devkit/loadLikeWorker.ts) in a fresh process and prints, as one JSON object, package.json `main`, the
 * files it matched, each registration's metadata and handler type, how many appTerminate hooks it registered,
 * and each entry file that threw. The
 * registration test reads it: a fresh process, with only the environment it is given, is what the worker
 * starts from.
 */
import path from 'node:path';
import { loadLikeWorker } from './loadLikeWorker.js';

const loaded = loadLikeWorker(path.resolve(process.argv[2] ?? '.'), { keepGoing: true });
process.stdout.write(
  JSON.stringify({
    main: loaded.main,
    files: loaded.files,
    registrations: loaded.registrations.map((r) => ({ metadata: r.metadata, handlerType: typeof r.handler })),
    terminateHooks: loaded.terminateHooks.length,
    errors: loaded.errors,
  }),
);
