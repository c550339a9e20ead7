import { describe, expect, it } from 'vitest';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { isoTimestamp } from '../../shared/ledger/record.js';
import type { ReconciliationIndex } from '../../shared/ledger/reconciliationIndex.js';
import { pollDue } from '../../shared/pipeline/pollDue.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { movableClock } from '../support/fakeClock.js';
import { useStack } from '../support/stack.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * An orphaned webhook whose look throws (storage refuses the pointer read) must neither be dropped at once
 * nor looked at on every timer run forever: it waits with a growing backoff, the rest of the queue and the
 * records are still worked, and once its 24 h are up it is settled (removed) with a log line saying why.
 */
describe('an orphan whose look throws', () => {
  const stack = useStack();

  it('is kept with a growing backoff, not retried every run, and settled with a log after 24 h', async () => {
    const clock = movableClock(Date.now());
    const index: ReconciliationIndex = stack.current.deps.reconciliation;
    await index.recordOrphan({
      submissionId: 'sub_throws',
      assetId: 'ast_1',
      eventType: 'asset.processing.completed',
      receivedAt: isoTimestamp(clock.at),
      eventId: 'evt_1',
    });
    const logger = new MemoryLogger();
    const real = stack.current.deps.pollDeps(logger);
    let looks = 0;
    const ledger = new Proxy<Ledger>(real.ledger, {
      get(target, prop) {
        if (prop === 'findBySubmission') {
          return () => {
            looks++;
            return Promise.reject(new Error('503 ServerBusy: the ledger container is unavailable'));
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const deps = { ...real, ledger, clock };

    await pollDue(deps);
    expect(looks).toBe(1);
    expect(await index.listOrphans(10)).toEqual([expect.objectContaining({ submissionId: 'sub_throws' })]);
    expect(logger.lines.some((l) => l.props?.['submissionId'] === 'sub_throws')).toBe(true);

    // The next runs, moments later: the orphan waits out its backoff instead of being looked at again.
    clock.at += 5_000;
    await pollDue(deps);
    clock.at += 5_000;
    await pollDue(deps);
    expect(looks).toBe(1);

    // Each wait is longer than the one before, up to a ceiling, and the orphan is looked at again once
    // it is over: minute by minute through the first two hours.
    const gaps: number[] = [];
    let lastLook = clock.at - 10_000;
    for (let minute = 0; minute < 120; minute++) {
      const before = looks;
      clock.at += MINUTE;
      await pollDue(deps);
      if (looks > before) {
        gaps.push(clock.at - lastLook);
        lastLook = clock.at;
      }
    }
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(gaps.length).toBeLessThan(12);
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? Infinity);
    expect(gaps[2]).toBeGreaterThan(gaps[1] ?? Infinity);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(31 * MINUTE);
    // Still kept at 23 h, and still looked at.
    clock.at += 21 * HOUR;
    const before = looks;
    await pollDue(deps);
    expect(looks).toBe(before + 1);
    expect(await index.listOrphans(10)).toHaveLength(1);

    // Past its 24 h: the next look that fails settles it, with a line naming it and why.
    clock.at += 2 * HOUR;
    await pollDue(deps);
    expect(await index.listOrphans(10)).toEqual([]);
    const settled = logger.lines.find(
      (l) => l.props?.['submissionId'] === 'sub_throws' && /24 h/.test(l.message),
    );
    expect(settled?.level).toBe('warn');
    expect(settled?.message).toContain('dropped');
    expect(settled?.props?.['error']).toContain('503 ServerBusy');
  }, 120_000);
});
