import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { stopChild } from './stopChild.js';

/** A node child running `script`, resolved once it printed `ready`. */
async function child(script: string): Promise<ChildProcess> {
  const started = spawn(process.execPath, ['-e', `${script}; console.log('ready')`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(started.stdout, 'data');
  return started;
}

describe('stopChild', () => {
  it('asks with SIGTERM and resolves once the child has exited', async () => {
    const running = await child('setInterval(() => {}, 1000)');
    await stopChild(running, 10_000);
    expect(running.signalCode).toBe('SIGTERM');
  });

  it('forces a child that ignores SIGTERM with SIGKILL after the grace', async () => {
    const stubborn = await child("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)");
    const started = Date.now();
    await stopChild(stubborn, 200);
    expect(stubborn.signalCode).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('resolves at once for a child that has already exited', async () => {
    const done = await child('');
    if (done.exitCode === null) await once(done, 'exit');
    await stopChild(done, 10_000);
    expect(done.exitCode).toBe(0);
  });
});
