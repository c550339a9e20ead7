/**
 * The fleet benchmark's app processes: dev hosts (`dist/scripts/devHost/main.js --only <role>`, started
 * through scripts/hostFleet.ts one at a time so they can join and leave), each with its output in a log
 * file and the times it finished a queue message, which is how the kill picks a process that is sending.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { startHostFleet, type HostFleet } from '../../scripts/hostFleet.js';
import type { HostRole } from '../../scripts/devHost/hostRoles.js';
import { freePort } from '../../devkit/freePort.js';

/** The line the app's queue function logs when an invocation ends (functions/submitOnBlobCreated.ts). */
const COMPLETION = /submitOnBlobCreated information: submitOnBlobCreated: /;

/** One app process. */
export interface HostProcess {
  readonly label: string;
  readonly role: HostRole;
  readonly pid: number | undefined;
  /** Epoch ms of each queue invocation it finished. */
  readonly completions: number[];
  /** Set once it exited (on its own or by us). */
  exitedAt: number | undefined;
  /** What we did to it. */
  fate: 'running' | 'left' | 'killed';
}

/** Starts, stops and kills the app processes of one run. */
export class HostProcesses {
  readonly #fleets = new Map<string, HostFleet>();
  readonly #logs: WriteStream[] = [];
  readonly processes: HostProcess[] = [];

  constructor(
    private readonly appRoot: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  /** Starts one process and resolves once it is ready (DEV_HOST_READY). */
  async start(label: string, role: HostRole): Promise<HostProcess> {
    const log = createWriteStream(path.join(this.logDir, `${label}.log`));
    this.#logs.push(log);
    // Lines can still arrive after the process exited and the file was closed: those are dropped.
    const write = (line: string): void => {
      if (!log.writableEnded) log.write(`${line}\n`);
    };
    const completions: number[] = [];
    const fleet = startHostFleet([{ label, role }], {
      appRoot: this.appRoot,
      // Only the HTTP role listens; none of ours does, but the plan wants a port.
      port: await freePort(),
      env: this.env,
      out: (line) => {
        if (COMPLETION.test(line)) completions.push(Date.now());
        write(line);
      },
      err: write,
    });
    const member = fleet.members[0];
    if (!member) throw new Error('the host plan had no member');
    const host: HostProcess = {
      label,
      role,
      pid: member.child.pid,
      completions,
      exitedAt: undefined,
      fate: 'running',
    };
    member.child.once('exit', () => (host.exitedAt = Date.now()));
    this.#fleets.set(label, fleet);
    this.processes.push(host);
    await fleet.ready;
    return host;
  }

  /** SIGTERM (SIGKILL after the grace), as a scale-in does; resolves once it exited. */
  async leave(label: string): Promise<void> {
    const host = this.processes.find((p) => p.label === label);
    if (host) host.fate = 'left';
    await this.#fleets.get(label)?.stop();
  }

  /** SIGKILL: no shutdown, in-flight invocations die mid-step. Resolves once it exited. */
  async kill(label: string): Promise<void> {
    const host = this.processes.find((p) => p.label === label);
    const child = this.#fleets.get(label)?.members[0]?.child;
    if (!host || !child || host.exitedAt !== undefined) return;
    host.fate = 'killed';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** The queue processes still running and not on their way out. */
  liveQueue(): HostProcess[] {
    return this.processes.filter(
      (p) => p.role === 'queue' && p.fate === 'running' && p.exitedAt === undefined,
    );
  }

  /** Stops every process (SIGTERM, SIGKILL after the grace) and closes the log files. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#fleets.values()].map((fleet) => fleet.stop()));
    // Taken out first, so a second call (the caller's `finally`) does not end a stream twice.
    const logs = this.#logs.splice(0);
    await Promise.all(logs.map((log) => new Promise<void>((resolve) => log.end(() => resolve()))));
  }

  /** Last resort on interrupt: SIGKILL to every process still running, no waiting. */
  killNow(): void {
    for (const fleet of this.#fleets.values())
      for (const { child } of fleet.members) if (child.exitCode === null) child.kill('SIGKILL');
  }
}
