/**
 * What the host processes' exits and output say: crashes, errors that escaped the code meant to handle them,
 * and the warnings the host logged and handled.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HostRun } from './hostSupervisor.js';

/** Runs that ended other than by our SIGKILL or a clean exit. */
export function crashes(runs: readonly HostRun[]): string[] {
  return runs
    .filter((r) => r.exit && !r.killedByUs && r.exit.code !== 0)
    .map(
      (r) =>
        `host run ${path.basename(r.out)} exited code=${String(r.exit?.code)} signal=${String(r.exit?.signal)}`,
    );
}

/** Lines in any run's output that mean an error escaped the code that should have handled it. */
export function unhandledErrors(runs: readonly HostRun[]): string[] {
  const pattern =
    /Unhandled|unhandled rejection|uncaught|FATAL ERROR|triggerUncaughtException|dev host failed|^\s+at .+:\d+:\d+\)?$/m;
  return runs.flatMap((r) =>
    [r.err, r.out].flatMap((file) =>
      readLines(file)
        .filter((line) => pattern.test(line))
        .map((line) => `${path.basename(file)}: ${line.slice(0, 300)}`),
    ),
  );
}

/**
 * Warning- and error-level lines the host logged (handled: a retry, or the record stayed due), grouped by
 * message. Two shapes reach stderr: the client's JSON lines (`{"level":"warn","message":…}`) and the dev
 * host's `[time] fn error: message {props}`.
 */
export function loggedProblems(runs: readonly HostRun[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) {
    for (const line of readLines(r.err)) {
      const key = problemKey(line);
      if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** `warn: MediaMagic answered 500 …` — the level and message of one stderr line, without variable props. */
function problemKey(line: string): string | undefined {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as { level?: string; message?: string };
      return `${parsed.level ?? '?'}: ${parsed.message ?? ''}`.slice(0, 160);
    } catch {
      return line.slice(0, 160);
    }
  }
  const m = /^\[[^\]]+\] (\S+) (\w+): (.*?)(?:\s*\{.*)?$/.exec(line);
  return m ? `${m[2] ?? ''} (${m[1] ?? ''}): ${m[3] ?? ''}`.slice(0, 160) : line.slice(0, 160) || undefined;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
