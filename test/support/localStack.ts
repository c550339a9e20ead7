/**
 * `npm start`'s built entry point run as a separate process, the way the end-to-end tests drive it, and
 * the probes they use to check what it left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';

/** What `STACK_READY` announces. */
export interface StackInfo {
  storage: string;
  apiUrl: string;
  /** Masked: the key itself is only in `keysFile`. */
  apiKey: string;
  keysFile: string;
  hostUrl: string;
  webhookUrl: string;
  sourceContainer: string;
  /** Every functions process: `host` alone, or `queue-1` … `timers`, `http` with `--instances`. */
  hosts: { role: string; pid: number }[];
}

/**
 * Starts `dist/scripts/start.js` under `root` on free ports with `args` added, in a process group of its
 * own (so a test can send Ctrl-C to the whole group as a terminal does), and resolves with what it printed.
 */
export function startStack(
  root: string,
  args: readonly string[] = [],
): Promise<{ child: ChildProcess; info: StackInfo; output: () => string }> {
  const child = spawn(
    process.execPath,
    [path.join(root, 'dist/scripts/start.js'), '--free-ports', '--no-settings-file', ...args],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start:\n${output}`)), 90_000);
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /STACK_READY (\{.*\})/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(m[1]) as StackInfo, output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`stack exited with ${String(code)}:\n${output}`)));
  });
}

/** Sends SIGINT to every process of the group `child` leads, as Ctrl-C in its terminal does. */
export function pressCtrlC(child: ChildProcess): void {
  if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
}

/** Whether any process of the process group `pid` leads is still running. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the process `pid` is still running. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts connections at `url`'s host and port. */
export function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `probe` every half second until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
