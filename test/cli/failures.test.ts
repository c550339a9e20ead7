import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import type { FailuresReport } from '../../cli/lib/failureList.js';
import type { StatusReport } from '../../cli/lib/statusReport.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import type { LedgerPatch } from '../../shared/ledger/transition.js';
import { silentLogger } from '../../shared/logger.js';
import { moveRecord } from '../../shared/pipeline/moveRecord.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

const HOUR = 3_600_000;

describe('failures', () => {
  const stack = useStack();

  const submit = async (name: string, mime: string, bytes = sampleMedia(mime)) => {
    await stack.current.upload(name, bytes, mime);
    return processSourceBlob(stack.current.deps.submitDeps(silentLogger), name);
  };
  /** Moves a record as a webhook or the timer would have, `agoMs` in the past (its history says when). */
  const moveAgo = async (name: string, to: LedgerState, agoMs: number, patch: LedgerPatch = {}) => {
    const result = await stack.current.deps.ledger.update(ledgerKey('uploads', name), (r) =>
      moveRecord(r, to, `moved ${agoMs / HOUR} h ago`, isoTimestamp(Date.now() - agoMs), patch),
    );
    expect(result.kind).toBe('updated');
  };

  it('no failures → exit 0 and says so', async () => {
    await submit('f/fine.mp4', 'video/mp4');
    const run = await cli(['failures'], stack.current.env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('No failures in container uploads.');
    const json = await cli(['failures', '--json'], stack.current.env);
    expect(json.json<FailuresReport>()).toMatchObject({ total: 0, failures: [], since: null, limit: null });
  });

  describe('with failures of different ages', () => {
    beforeAll(async () => {
      // rejected just now by the validator (through the real pipeline)
      expect((await submit('f/bad.mp4', 'video/mp4', sampleMedia('text/plain'))).kind).toBe('rejected');
      await submit('f/dead.mp4', 'video/mp4');
      await moveAgo('f/dead.mp4', 'dead-lettered', 3 * HOUR, {
        failure: { kind: 'asset-failed', detail: 'Transcoding failed', errorType: 'transcode_error' },
      });
      await submit('f/blocked.pdf', 'application/pdf');
      await moveAgo('f/blocked.pdf', 'blocked', 30 * 60_000, {
        failure: { kind: 'unauthorized', status: 401, detail: 'Invalid API key' },
      });
      await submit('f/stuck.mp3', 'audio/mpeg');
      await moveAgo('f/stuck.mp3', 'stuck', 8 * 24 * HOUR);
      await submit('f/done.png', 'image/png');
      await moveAgo('f/done.png', 'complete', HOUR);
    });

    it('--json: every failure newest first, with code, detail, when and the same advice as status', async () => {
      const run = await cli(['failures', '--json'], stack.current.env);

      expect(run.code).toBe(EXIT.partial);
      const report = run.json<FailuresReport>();
      expect(report.total).toBe(4);
      expect(report.failures.map((f) => `${f.state} ${f.blob}`)).toEqual([
        'rejected f/bad.mp4',
        'blocked f/blocked.pdf',
        'dead-lettered f/dead.mp4',
        'stuck f/stuck.mp3',
      ]);
      const dead = report.failures[2];
      expect(dead).toMatchObject({
        generation: 1,
        reason: {
          kind: 'asset-failed',
          status: null,
          detail: 'Transcoding failed',
          errorType: 'transcode_error',
        },
      });
      expect(Math.abs(Date.parse(dead?.failedAt ?? '') - (Date.now() - 3 * HOUR))).toBeLessThan(60_000);
      expect(report.failures[1]?.reason).toMatchObject({ kind: 'unauthorized', status: 401 });
      expect(report.failures[0]?.reason.detail).toContain('its bytes look like plain UTF-8 text');

      // The advice is status's own, word for word.
      const status = (await cli(['status', '--json'], stack.current.env)).json<StatusReport>();
      for (const f of report.failures) {
        expect(f.action).toBe(status.failures.find((s) => s.blob === f.blob)?.action);
      }
    });

    it('--since with a duration or an ISO time keeps only failures in the window', async () => {
      const recent = await cli(['failures', '--since', '2h', '--json'], stack.current.env);
      expect(recent.code).toBe(EXIT.partial);
      const report = recent.json<FailuresReport>();
      expect(report.failures.map((f) => f.blob)).toEqual(['f/bad.mp4', 'f/blocked.pdf']);
      expect(Math.abs(Date.parse(report.since ?? '') - (Date.now() - 2 * HOUR))).toBeLessThan(60_000);

      const week = await cli(['failures', '--since', '7d', '--json'], stack.current.env);
      expect(week.json<FailuresReport>().total).toBe(3);

      const fourHoursAgo = new Date(Date.now() - 4 * HOUR).toISOString();
      const iso = await cli(['failures', '--since', fourHoursAgo, '--json'], stack.current.env);
      expect(iso.json<FailuresReport>().failures.map((f) => f.blob)).toEqual([
        'f/bad.mp4',
        'f/blocked.pdf',
        'f/dead.mp4',
      ]);

      const future = await cli(['failures', '--since', '2999-01-01'], stack.current.env);
      expect(future.code).toBe(EXIT.ok);
      expect(future.stdout).toContain('No failures in container uploads since 2999-01-01T00:00:00.000Z');
    });

    it('--limit shows the newest n and still counts them all', async () => {
      const run = await cli(['failures', '--limit', '1', '--json'], stack.current.env);
      expect(run.json<FailuresReport>()).toMatchObject({ total: 4, limit: 1 });
      expect(run.json<FailuresReport>().failures.map((f) => f.blob)).toEqual(['f/bad.mp4']);
    });

    it('text: each failure with when, code, detail and what to do, then how to re-drive them', async () => {
      const run = await cli(['failures', '--since', '1h'], stack.current.env);

      expect(run.code).toBe(EXIT.partial);
      expect(run.stdout).toMatch(
        /Failures in container uploads since \S+ \(--since 1h\): 2 \(newest first\)/,
      );
      expect(run.stdout).toMatch(/\d{4}-\d\d-\d\dT\S+Z {2}blocked {7}f\/blocked\.pdf/);
      expect(run.stdout).toContain('unauthorized, HTTP 401: Invalid API key');
      expect(run.stdout).toContain(
        'what to do: fix the API key or the plan (the reason says which), then run `mediamagic-autosubmit resubmit f/blocked.pdf`',
      );
      expect(run.stdout).not.toContain('f/dead.mp4');
      expect(run.stdout).toContain('resubmit --all-failed --since 1h --dry-run');
    });
  });

  it.each([['yesterday'], ['2h30'], ['-2h'], ['0h'], ['2026-02-30'], ['2026-11-25T25:00Z'], ['']])(
    '--since %j is a usage error naming the value, before any setting is read',
    async (value) => {
      const run = await cli(['failures', `--since=${value}`], {});
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toContain(`--since must be an ISO-8601 time`);
      expect(run.stderr).toContain(`got "${value}"`);
    },
  );

  it('--limit must be a whole number ≥ 1 (2)', async () => {
    const run = await cli(['failures', '--limit', '0'], {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('--limit must be a whole number from 1');
  });
});
