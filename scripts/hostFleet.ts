/**
 * `npm start -- --instances N`: the functions in the shape Flex Consumption runs them (docs/design.md,
 * "Platform facts the design rests on") — the queue trigger in N dev-host processes, the timers in one
 * process of their own, the HTTP webhook receiver in another. Each is a whole dev host started with
 * `--only`, so every process loads the whole app as each Flex instance does.
 *
 * Every line a process prints is prefixed with its label (`[queue-2] …`) so a reader can tell them apart.
 * The fleet is ready once every process has printed its ready line; it is the caller's to stop it when any
 * process exits on its own, since a stack missing a share of its functions would look healthy and not be.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { stopChild } from '../devkit/stopChild.js';
import type { HostRole } from './devHost/hostRoles.js';

/** One process of the fleet. */
export interface FleetMember {
  /** What its output lines are prefixed with: `queue-1`, `timers`, `http`. */
  readonly label: string;
  readonly role: HostRole;
}

/** The processes `--instances` starts: N queue-trigger processes, then the timers, then HTTP. */
export function fleetPlan(instances: number): FleetMember[] {
  return [
    ...Array.from({ length: instances }, (_, i): FleetMember => ({ label: `queue-${i + 1}`, role: 'queue' })),
    { label: 'timers', role: 'timers' },
    { label: 'http', role: 'http' },
  ];
}

/** A process that exited, and how. */
export interface FleetExit {
  readonly label: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started fleet. */
export interface HostFleet {
  readonly members: readonly (FleetMember & { readonly child: ChildProcess })[];
  /** Resolves once every process printed `DEV_HOST_READY`; rejects when one exits first or all take too long. */
  readonly ready: Promise<void>;
  /** Resolves with the first process to exit, for whatever reason (it never rejects). */
  readonly exited: Promise<FleetExit>;
  /** Stops every process at once (SIGTERM, SIGKILL after a grace) and waits for them all. */
  stop(): Promise<void>;
}

/** What {@link startHostFleet} needs. */
export interface HostFleetOptions {
  /** The built app's root: `dist/scripts/devHost/main.js` is under it. */
  readonly appRoot: string;
  /** The HTTP process's port. */
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  /** Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** Where prefixed lines go; default the parent's stdout and stderr. */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

/** Spawns every member of `plan` at once. */
export function startHostFleet(plan: readonly FleetMember[], options: HostFleetOptions): HostFleet {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const members = plan.map((member) => {
    const args = [path.join(options.appRoot, 'dist/scripts/devHost/main.js'), '--only', member.role];
    if (member.role === 'http') args.push('--port', String(options.port));
    const child = spawn(process.execPath, args, {
      cwd: options.appRoot,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ...member, child };
  });

  const exited = new Promise<FleetExit>((resolve) => {
    for (const { label, child } of members)
      child.once('exit', (code, signal) => resolve({ label, code, signal }));
  });
  const ready = Promise.all(
    members.map(
      ({ label, child }) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`the ${label} process did not start within 60 s`)),
            options.readyTimeoutMs ?? 60_000,
          );
          eachLine(child.stdout, (line) => {
            out(`[${label}] ${line}`);
            if (line.startsWith('DEV_HOST_READY')) {
              clearTimeout(timer);
              resolve();
            }
          });
          eachLine(child.stderr, (line) => err(`[${label}] ${line}`));
          child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the ${label} process exited with code ${String(code)} before it was ready`));
          });
        }),
    ),
  ).then(() => undefined);
  // A caller that stops waiting (another member failed first) must not see this as unhandled.
  ready.catch(() => undefined);

  return {
    members,
    ready,
    exited,
    stop: async () => {
      await Promise.all(members.map(({ child }) => stopChild(child, 10_000)));
    },
  };
}

function eachLine(stream: Readable | null, onLine: (line: string) => void): void {
  if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}
