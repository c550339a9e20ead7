#!/usr/bin/env node
/**
 * The `mediamagic-autosubmit` executable (package.json `bin`). Wires the real process to {@link runCli}:
 * streams, environment, working directory, Ctrl-C, and the exit code — set after stdout and stderr are
 * flushed, so piped output is never cut short. Ctrl-C ends a short command at once; for `backfill`,
 * `emulator`, `status --watch` and `resubmit --all-failed` it is an abort signal they stop cleanly on, and
 * a second Ctrl-C exits at once.
 */
import { isInterruptible, runCli } from './dispatch.js';
import { EXIT } from './lib/exitCodes.js';

function main(): void {
  const args = process.argv.slice(2);
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted || !isInterruptible(args)) process.exit(EXIT.interrupted);
    process.stderr.write('\nStopping… (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that went away (`| head`) is not an error worth a stack trace.
  process.stdout.on('error', () => process.exit(EXIT.ok));

  runCli(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }).then(exit, (error: unknown) => {
    // runCli never throws; this is the last line of defence against a bug in it.
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    exit(EXIT.unexpected);
  });
}

/** Exits once both streams have flushed; keep-alive sockets of the storage SDK would otherwise hold the process. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main();
