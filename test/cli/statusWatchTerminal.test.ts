/**
 * `status --watch` as a person sees it: the built CLI on a real pseudo-terminal (script(1) from util-linux),
 * files moving underneath, the screen redrawn in place, and Ctrl-C typed at the terminal ending it with 0.
 * Skipped, saying so, where script(1) is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAR_SCREEN } from '../../cli/lib/watch.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { silentLogger } from '../../shared/logger.js';
import { moveRecord } from '../../shared/pipeline/moveRecord.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { buildCli } from '../support/builtCli.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { emptyCwd } from './support.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasScript) console.warn('status --watch terminal test skipped: script(1) (util-linux) is not installed');

describe.skipIf(!hasScript)('status --watch on a pseudo-terminal', () => {
  const stack = useStack();
  let root = '';
  let main = '';
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'mm-cli-pty-'));
    main = buildCli(root);
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('redraws in place as a file completes, and Ctrl-C at the terminal ends it with exit 0', async () => {
    await stack.current.upload('pty/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    expect((await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'pty/clip.mp4')).kind).toBe(
      'submitted',
    );
    // script runs the command on a new pseudo-terminal; what we write to its stdin is typed at that terminal.
    // `exec`: the CLI replaces script's shell, so the exit code script reports is the CLI's own (a shell left
    // waiting would take the terminal's SIGINT too and report 130 whatever the CLI did).
    const command = `exec '${process.execPath}' '${main}' status --watch --interval 1`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: emptyCwd(),
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...stack.current.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (what: RegExp): Promise<void> => {
      for (let i = 0; i < 300 && !what.test(screen); i++) await new Promise((r) => setTimeout(r, 100));
      expect(screen, `the terminal never showed ${String(what)}`).toMatch(what);
    };

    await waitFor(/0\/1 files terminal/);
    const moved = await stack.current.deps.ledger.update(ledgerKey('uploads', 'pty/clip.mp4'), (r) =>
      moveRecord(r, 'complete', 'all assets complete', isoTimestamp(Date.now())),
    );
    expect(moved.kind).toBe('updated');
    await waitFor(/1\/1 files terminal \(100 %\)/);
    child.stdin.write('\x03'); // Ctrl-C, typed at the terminal: the line discipline sends SIGINT

    expect(await exited).toBe(0);
    expect(screen).toContain('Stopping…');
    // Each refresh redrew the screen rather than scrolling: one clear per report.
    expect(screen.split(CLEAR_SCREEN).length - 1).toBeGreaterThanOrEqual(2);
    expect(screen).not.toContain(stack.current.env.MEDIAMAGIC_API_KEY);
  }, 120_000);
});
