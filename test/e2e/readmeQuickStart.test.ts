/**
 * The README's quick start, run as a new user runs it: `npm start` in one terminal of a fresh checkout (no
 * dist/ yet), and `npx mediamagic-autosubmit …` in a second terminal of the same folder — including a call
 * made while the first build is still running, which once made npx cache the project without its bin so
 * that every later `npx mediamagic-autosubmit` in that folder answered "not found".
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleMedia } from '../support/media.js';

const repo = process.cwd();

/** A fresh checkout: the tracked files only (no dist/), with the repository's node_modules linked in. */
function freshCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-checkout-'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repo, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(path.join(repo, f)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    execFileSync('cp', ['-p', path.join(repo, file), path.join(dir, file)]);
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Whether any process of the process group `pid` leads is still running. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the README's quick start, in two terminals", () => {
  const project = freshCheckout();
  // npx keeps what it resolved in npm's cache: a cache of our own, so this test starts from what a new user
  // has and leaves the user's cache alone. Offline: nothing here may come from the registry.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    npm_config_cache: path.join(project, '.npm-cache'),
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
  };
  let stack: ChildProcess | undefined;
  afterAll(() => {
    if (stack?.pid !== undefined && groupAlive(stack.pid)) process.kill(-stack.pid, 'SIGKILL');
    rmSync(project, { recursive: true, force: true });
  });

  /** `npx mediamagic-autosubmit …` typed in the project folder. */
  const npx = (...args: string[]) =>
    spawnSync('npx', ['mediamagic-autosubmit', ...args], { cwd: project, env, encoding: 'utf8' });

  it('a CLI call during the first build says to wait for it; once the stack is up the same npx command works', async () => {
    // Terminal 1: `npm start` (with --free-ports, so the test never collides with a stack already running).
    stack = spawn('npm', ['start', '--', '--free-ports'], {
      cwd: project,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    stack.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    stack.stderr?.on('data', (c: Buffer) => (output += c.toString()));

    // Terminal 2, at once: the build has not produced dist/ yet.
    expect(existsSync(path.join(project, 'dist/cli/main.js'))).toBe(false);
    const early = npx('status');
    expect(early.stderr).toMatch(/not built yet|build .* is incomplete/);
    expect(early.stderr).toContain('npm run build');
    expect(early.status).toBe(3);

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${output}`)), 200_000);
      stack?.stdout?.on('data', () => {
        if (output.includes('STACK_READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      stack?.once('exit', (code) => reject(new Error(`npm start exited with ${String(code)}:\n${output}`)));
    });

    // The same command in the same folder now works: npx did not cache "no such command".
    const video = path.join(mkdtempSync(path.join(tmpdir(), 'mm-files-')), 'video.mp4');
    writeFileSync(video, sampleMedia('video/mp4'));
    const upload = npx('upload', video);
    expect(upload.stderr + upload.stdout).not.toContain('not found');
    expect(upload.status, upload.stderr).toBe(0);

    const until = Date.now() + 90_000;
    let counts: Record<string, number> = {};
    while (Date.now() < until) {
      const status = npx('status', '--json');
      expect(status.status === 0 || status.status === 7, status.stderr).toBe(true);
      counts = (JSON.parse(status.stdout) as { counts: Record<string, number> }).counts;
      if (counts.complete === 1) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(counts.complete).toBe(1);

    // Ctrl-C in terminal 1 (the terminal signals the whole foreground process group) stops everything: npm
    // itself ends on the signal, and no process of the stack is left behind.
    const group = stack.pid as number;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      stack?.once('exit', (code, signal) => resolve([code, signal])),
    );
    process.kill(-group, 'SIGINT');
    const [code, signal] = await exited;
    expect(code === 0 || signal === 'SIGINT', `exit ${String(code)} / ${String(signal)}`).toBe(true);
    const gone = Date.now() + 20_000;
    while (groupAlive(group) && Date.now() < gone) await new Promise((r) => setTimeout(r, 250));
    expect(groupAlive(group), 'a process of the stack outlived Ctrl-C').toBe(false);
  }, 300_000);
});
