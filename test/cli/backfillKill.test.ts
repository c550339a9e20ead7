import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillSummary } from '../../cli/lib/backfillRun.js';
import { EXIT } from '../../cli/lib/exitCodes.js';
import { buildAppDeps } from '../../shared/app/appDeps.js';
import { systemClock } from '../../shared/clock.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { silentLogger } from '../../shared/logger.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { buildCli } from '../support/builtCli.js';
import { cli, emptyCwd, expectNoSecrets } from './support.js';

/** Runs the built CLI and sends it `signal` once `killAfter` files were reported submitted. */
function runAndKill(
  main: string,
  args: readonly string[],
  env: Record<string, string>,
  killAfter: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: emptyCwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    let submitted = 0;
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr += text;
      submitted += text.match(/\] submitted /g)?.length ?? 0;
      if (submitted >= killAfter && !sent) sent = child.kill(signal);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
}

describe('backfill killed halfway (a real SIGKILL of the built CLI) resumes without submitting anything twice', () => {
  // Two submissions a second: slow enough to kill the run halfway, as MediaMagic's rate limits would.
  const stack = useStack({ emulator: { rates: { submission_write: { ratePerSecond: 2, burst: 1 } } } });
  let root = '';
  let main = '';

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'mm-cli-build-'));
    main = buildCli(root);
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the built executable runs (--version, shebang entry point)', () => {
    const out = execFileSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('kill after 4 of 12, re-run, let the timer re-drive abandoned claims: every blob submitted exactly once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `legacy/clip-${String(i).padStart(2, '0')}.png`);
    for (const name of names) await stack.current.upload(name, sampleMedia('image/png'), 'image/png');

    const killed = await runAndKill(main, ['backfill', '--concurrency', '2'], stack.current.env, 4);

    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toBe(''); // killed before its summary
    expectNoSecrets(killed.stderr, stack.current.env);
    const before = await Promise.all(names.map((n) => stack.current.record(n)));
    const seenBeforeRerun = before.filter((r) => r !== undefined).length;
    expect(seenBeforeRerun).toBeGreaterThanOrEqual(4);
    expect(seenBeforeRerun).toBeLessThan(12);
    // Usually one record is left `claimed`: the file that was mid-copy when the process died.

    // Resume: the re-run skips everything the killed run claimed and submits the rest.
    const rerun = await cli(['backfill', '--json'], stack.current.env);
    expect(rerun.code).toBe(EXIT.ok);
    const summary = rerun.json<BackfillSummary>();
    expect(summary.alreadyKnown).toBe(seenBeforeRerun);
    expect(summary.submitted + summary.pending).toBe(12 - seenBeforeRerun);

    // Claims the killed run left mid-flight are a lease (2 × 20 s budget + 60 s here): the timer re-drives
    // them once it expires. Three minutes ahead passes the lease while the copy's read SAS, which starts five
    // minutes before "now" to tolerate clock skew, is still valid for the real storage clock.
    const later = await buildAppDeps(loadConfig(stack.current.env), {
      clientLogger: silentLogger,
      clock: { now: () => Date.now() + 3 * 60_000, sleep: (ms, signal) => systemClock.sleep(ms, signal) },
    });
    try {
      await pollDue(later.pollDeps(silentLogger));
      await pollDue(later.pollDeps(silentLogger));
    } finally {
      await later.close();
    }

    const stats = stack.current.emulator.stats();
    for (const name of names) {
      const record = await stack.current.record(name);
      expect(['submitted', 'submitted-unconfirmed', 'retry-pending', 'complete'], name).toContain(
        record?.state,
      );
      expect(stats.submissionsByBlobPath[record?.blobPath ?? ''], name).toBe(1);
    }
    expect(stats.duplicateBlobPaths).toEqual([]);
    expect(stats.submissions.created).toBe(12);
  }, 120_000);

  it('Ctrl-C (SIGINT) stops taking new blobs, lets those in flight finish, prints the summary and exits 130', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `sigint/clip-${i}.png`);
    for (const name of names) await stack.current.upload(name, sampleMedia('image/png'), 'image/png');

    const stopped = await runAndKill(
      main,
      ['backfill', '--prefix', 'sigint/', '--json'],
      stack.current.env,
      2,
      'SIGINT',
    );

    expect(stopped.code).toBe(EXIT.interrupted);
    expect(stopped.stderr).toContain('Stopping…');
    const summary = JSON.parse(stopped.stdout) as BackfillSummary;
    expect(summary.interrupted).toBe(true);
    expect(summary.notStarted).toBeGreaterThan(0);
    // Nothing was left half-done: every blob it started is submitted, the rest untouched.
    const records = await Promise.all(names.map((n) => stack.current.record(n)));
    expect(records.filter((r) => r !== undefined).every((r) => r?.state === 'submitted')).toBe(true);
    expect(records.filter((r) => r === undefined)).toHaveLength(summary.notStarted);
  }, 60_000);
});
