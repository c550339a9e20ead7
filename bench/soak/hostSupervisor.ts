/**
 * The soak's function host processes: started, killed (SIGKILL) and restarted one at a time, each run's
 * output kept in files for the verdict to scan.
 *
 * Two shapes (`--instances`, bench/soak/options.ts):
 * - one process, `dist/scripts/devHost/main.js`, driving every function — the soak before Flex;
 * - the shape Flex Consumption runs the app in (scripts/hostFleet.ts's plan, docs/design.md "Platform facts
 *   the design rests on"): N dev hosts with `--only queue` sharing the queue, one with `--only timers`, one
 *   with `--only http` serving the webhook receiver on the port the subscription names. Each is a member of
 *   its own, so a kill takes down one of them while the others carry on, as one Flex instance dies alone.
 *
 * Which member a kill hits is drawn from the run's seed: a queue member most of the time, the timers or the
 * HTTP process sometimes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { stopChild } from '../../devkit/stopChild.js';
import { seededRandom } from '../../emulator/random.js';
import type { HostRole } from '../../scripts/devHost/hostRoles.js';
import { fleetPlan } from '../../scripts/hostFleet.js';
import { progress, sleep } from '../stack.js';

/** One process of the soak's host: `host` (every function) or a fleet member (`queue-2`, `timers`, `http`). */
export interface HostMember {
  readonly label: string;
  /** The one share of the triggers it drives (`--only`); absent for the single host driving all of them. */
  readonly role?: HostRole;
}

/** The processes for `instances`: the single host for 1, else Flex's shape (N queue, timers, http). */
export function hostPlan(instances: number): HostMember[] {
  return instances === 1 ? [{ label: 'host' }] : fleetPlan(instances);
}

/** One run of one host process. */
export interface HostRun {
  /** The member it ran as. */
  readonly label: string;
  readonly role?: HostRole;
  readonly child: ChildProcess;
  /** Files its stdout and stderr went to. */
  readonly out: string;
  readonly err: string;
  /** Set when we killed it on purpose. */
  killedByUs: boolean;
  /** When it was spawned, and when we sent SIGKILL (ms since the epoch): the verdict's evidence of a kill. */
  readonly startedAt: number;
  killedAt?: number;
  /** How it ended, and when the exit was seen. */
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
}

/** Share of kills aimed at a queue member (any of them alike); the rest split between timers and HTTP. */
const QUEUE_KILL_SHARE = 0.6;

/** Starts, kills and restarts the host's processes, keeping each run's output in files. */
export class HostSupervisor {
  /** Every host process so far, in the order they were started. */
  readonly runs: HostRun[] = [];
  /** How many times {@link killAndRestart} killed a process. */
  kills = 0;
  readonly #current = new Map<string, HostRun>();
  readonly #random: () => number;

  constructor(
    private readonly env: Record<string, string>,
    private readonly port: number,
    private readonly logDir: string,
    private readonly appRoot: string,
    readonly members: readonly HostMember[],
    seed: number,
  ) {
    // Its own stream, so the file mix and the emulator's faults draw what they drew before.
    this.#random = seededRandom(seed + 2);
  }

  /** Spawns every member and resolves once each printed DEV_HOST_READY. */
  async start(): Promise<void> {
    await Promise.all(this.members.map((member) => this.startMember(member)));
  }

  /**
   * SIGKILL to one member — no shutdown hooks, in-flight invocations die mid-step — then a fresh process in
   * its place. Resolves to the member's label.
   */
  async killAndRestart(why: string): Promise<string> {
    const member = this.pickVictim();
    const run = this.#current.get(member.label);
    if (!run || run.exit) return member.label;
    run.killedByUs = true;
    run.killedAt = Date.now();
    const exited = new Promise<void>((resolve) => run.child.once('exit', () => resolve()));
    run.child.kill('SIGKILL');
    await exited;
    this.kills++;
    progress('soak', `${this.describe(run)} killed (SIGKILL): ${why}`);
    await sleep(1000);
    await this.startMember(member);
    return member.label;
  }

  /** SIGKILL to every running member, no waiting (interrupt handling). */
  killNow(): void {
    for (const run of this.#current.values()) if (!run.exit) run.child.kill('SIGKILL');
  }

  /** Graceful stop of every running member (SIGTERM, as at the end of a deployment slot). */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.#current.values()].filter((run) => !run.exit).map((run) => stopChild(run.child, 15_000)),
    );
  }

  /** A queue member {@link QUEUE_KILL_SHARE} of the time, else the timers or the HTTP process alike. */
  private pickVictim(): HostMember {
    const only = this.members[0];
    if (this.members.length === 1 && only) return only;
    const queue = this.members.filter((m) => m.role === 'queue');
    const others = this.members.filter((m) => m.role !== 'queue');
    const draw = this.#random();
    const pool = draw < QUEUE_KILL_SHARE || others.length === 0 ? queue : others;
    const share =
      draw < QUEUE_KILL_SHARE ? draw / QUEUE_KILL_SHARE : (draw - QUEUE_KILL_SHARE) / (1 - QUEUE_KILL_SHARE);
    return pool[Math.min(pool.length - 1, Math.floor(share * pool.length))] ?? (only as HostMember);
  }

  private async startMember(member: HostMember): Promise<void> {
    const n = this.runs.filter((r) => r.label === member.label).length + 1;
    const base = member.role ? `${member.label}-${n}` : `host-${n}`;
    const out = path.join(this.logDir, `${base}.out.log`);
    const err = path.join(this.logDir, `${base}.err.log`);
    const args = [path.join(this.appRoot, 'dist/scripts/devHost/main.js')];
    if (member.role) args.push('--only', member.role);
    // Only the process serving HTTP opens the port the webhook subscription points at.
    if (!member.role || member.role === 'http') args.push('--port', String(this.port));
    const startedAt = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: this.appRoot,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: HostRun = {
      label: member.label,
      ...(member.role ? { role: member.role } : {}),
      child,
      out,
      err,
      killedByUs: false,
      startedAt,
    };
    this.runs.push(run);
    this.#current.set(member.label, run);
    child.stdout?.pipe(createWriteStream(out));
    child.stderr?.pipe(createWriteStream(err));
    child.once('exit', (code, signal) => (run.exit = { code, signal, at: Date.now() }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.describe(run)} did not start within 60 s`)),
        60_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('DEV_HOST_READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`${this.describe(run)} exited before it was ready; see ${err}`));
      });
    });
    progress('soak', `${this.describe(run)} ready (pid ${child.pid ?? '?'})`);
  }

  /** `host #3`, or `queue-2 #2` for the second run of fleet member queue-2. */
  private describe(run: HostRun): string {
    const n = this.runs.filter((r) => r.label === run.label).indexOf(run) + 1;
    return `${run.label} #${n}`;
  }
}
