import { describe, expect, it } from 'vitest';
import { isInterruptible } from '../../cli/dispatch.js';
import { EXIT } from '../../cli/lib/exitCodes.js';
import { CLEAR_SCREEN } from '../../cli/lib/watch.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import { silentLogger } from '../../shared/logger.js';
import { moveRecord } from '../../shared/pipeline/moveRecord.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

const HEADER = /— every 1 s, \S+ \(Ctrl-C to stop\) —/g;

describe('status --watch', () => {
  const stack = useStack();

  /**
   * Runs `args` until `stopAfter` refreshes were printed, calling `between` once after the first; the
   * abort signal stands in for Ctrl-C.
   */
  const watchFor = async (
    args: readonly string[],
    stopAfter: number,
    options: { tty?: boolean; between?: () => Promise<void> } = {},
  ) => {
    const controller = new AbortController();
    let refreshes = 0;
    let between: Promise<void> | undefined;
    const run = await cli(args, stack.current.env, {
      signal: controller.signal,
      tty: options.tty ?? false,
      onStdout: (text) => {
        if (!/— every \d+ s, /.test(text)) return;
        refreshes++;
        if (refreshes === 1 && options.between) between = options.between();
        if (refreshes >= stopAfter) controller.abort();
      },
    });
    await between;
    return { run, refreshes };
  };

  it('re-prints the report every interval, shows a change between refreshes, and exits 0 on Ctrl-C', async () => {
    await stack.current.upload('w/clip.mp4', sampleMedia('video/mp4'), 'video/mp4');
    expect((await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'w/clip.mp4')).kind).toBe(
      'submitted',
    );
    const started = Date.now();

    const { run, refreshes } = await watchFor(['status', '--watch', '--interval', '1'], 3, {
      between: async () => {
        const moved = await stack.current.deps.ledger.update(ledgerKey('uploads', 'w/clip.mp4'), (r) =>
          moveRecord(r, 'complete', 'all assets complete', isoTimestamp(Date.now())),
        );
        expect(moved.kind).toBe('updated');
      },
    });

    expect(run.code).toBe(EXIT.ok);
    expect(refreshes).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000); // two waits of the 1 s interval
    const reports = run.stdout.split(HEADER).slice(1);
    expect(reports).toHaveLength(3);
    expect(reports[0]).toMatch(/ {2}submitted +1\n/);
    expect(reports[0]).toMatch(/ {2}complete +0\n/);
    expect(reports[2]).toMatch(/ {2}submitted +0\n/);
    expect(reports[2]).toMatch(/ {2}complete +1\n/);
    // The headline: the bar fills as the file becomes terminal, and the later refreshes measure the pace.
    expect(reports[0]).toMatch(/Progress \[\.{30}\] 0\/1 files terminal \(0 %\)/);
    expect(reports[0]).toContain('Finishing — files/min (from the next refresh on)');
    expect(reports[2]).toMatch(/Progress \[#{30}\] 1\/1 files terminal \(100 %\)/);
    expect(reports[2]).toMatch(/Finishing \d+\.\d files\/min over the last \d+ s/);
    // Not a terminal: plain reports, no escape codes.
    expect(run.stdout).not.toContain('\x1b');
  });

  it('on a terminal each refresh clears the screen first; --blob watches one file', async () => {
    const { run } = await watchFor(['status', '--watch', '--interval', '1', '--blob', 'w/clip.mp4'], 2, {
      tty: true,
    });

    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout.split(CLEAR_SCREEN)).toHaveLength(3);
    expect(run.stdout).toContain('w/clip.mp4  (container uploads)');
  });

  it('the first refresh failing ends the watch with its exit code (4: no such record)', async () => {
    const run = await cli(['status', '--watch', '--blob', 'w/nope.mp4'], stack.current.env, {
      signal: new AbortController().signal,
    });
    expect(run.code).toBe(EXIT.notFound);
  });

  it('usage errors: --watch with --json, a bad --interval, --interval without --watch', async () => {
    const json = await cli(['status', '--watch', '--json'], {});
    expect(json.code).toBe(EXIT.usage);
    expect(json.stderr).toContain('--watch is for a person at a terminal');
    for (const interval of ['0', '1.5', 'soon', '3601']) {
      const bad = await cli(['status', '--watch', '--interval', interval], {});
      expect(bad.code).toBe(EXIT.usage);
      expect(bad.stderr).toContain(`--interval must be a whole number from 1 to 3600 (got "${interval}")`);
    }
    expect((await cli(['status', '--interval', '5'], {})).code).toBe(EXIT.usage);
  });

  it('Ctrl-C stops status --watch cleanly (the first Ctrl-C does not kill the process)', () => {
    expect(isInterruptible(['status', '--watch'])).toBe(true);
    expect(isInterruptible(['status'])).toBe(false);
  });
});
