import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { LookAgain, LOOK_AGAIN_EVERY_MS } from './lookAgain.js';
import type { PollDeps } from './pollDeps.js';
import { DueKeys } from './pollLanes.js';
import { RunWindow } from './runWindow.js';

/** A clock that only moves when told; nothing here sleeps. */
function fixedClock(start: number): Clock & { at: number } {
  const clock = {
    at: start,
    now: () => clock.at,
    sleep: () => Promise.reject(new Error('LookAgain never sleeps')),
  };
  return clock;
}

function setUp(found: () => Promise<string[]>) {
  const clock = fixedClock(1_000_000);
  const warnings: string[] = [];
  const logger: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
  const queries: number[] = [];
  const deps = {
    clock,
    logger,
    poll: { batchSize: 2 } as PollDeps['poll'],
    ledger: {
      findDue: (_now: string, limit: number) => {
        queries.push(limit);
        return found();
      },
    } as unknown as PollDeps['ledger'],
  };
  const due = new DueKeys(['a'], 1);
  const end = clock.at + 20_000;
  const window = new RunWindow(() => clock.at, due, end, end);
  return { clock, warnings, queries, due, lookAgain: new LookAgain(deps, due, window) };
}

describe('LookAgain: a run looks again for due records when its work moves on', () => {
  it('waits for a finished record, then adds only the keys the run has not had', async () => {
    const { clock, queries, due, lookAgain } = setUp(() => Promise.resolve(['a', 'b', 'c']));
    let settled = false;
    const looking = lookAgain.look().then((more) => ((settled = true), more));
    await Promise.resolve();
    expect(settled).toBe(false); // nobody finished anything yet
    clock.at += LOOK_AGAIN_EVERY_MS;
    lookAgain.workDone();
    expect(await looking).toBe(true);
    expect(queries).toEqual([2 + 1]); // the batch, past the one key the run had
    expect(due.take()?.key).toBe('a');
    expect(due.take()?.key).toBe('b');
    expect(due.take()?.key).toBe('c');
    expect(due.found).toBe(3);
  });

  it('does not look again within a second of the last look', async () => {
    const { clock, queries, lookAgain } = setUp(() => Promise.resolve([]));
    const looking = lookAgain.look();
    clock.at += LOOK_AGAIN_EVERY_MS - 1;
    lookAgain.workDone();
    expect(await looking).toBe(true);
    expect(queries).toEqual([]);
  });

  it('stops near the end of the budget, and for good once a look failed (logged once)', async () => {
    const { clock, warnings, lookAgain } = setUp(() => Promise.reject(new Error('throttled')));
    const looking = lookAgain.look();
    clock.at += LOOK_AGAIN_EVERY_MS;
    lookAgain.workDone();
    expect(await looking).toBe(false);
    expect(await lookAgain.look()).toBe(false);
    expect(warnings).toEqual(['could not look again for due records this run; the next run will']);

    const late = setUp(() => Promise.resolve([]));
    late.clock.at += 19_000;
    expect(await late.lookAgain.look()).toBe(false);
  });

  it('looks at once when records were made due by other means, however recent the last look', async () => {
    const { clock, queries, due, lookAgain } = setUp(() => Promise.resolve(['a', 'linked']));
    expect(lookAgain.lookOwed).toBe(false);
    lookAgain.madeDue(); // orphans linked beside the run's work, before any worker waited
    expect(lookAgain.lookOwed).toBe(true);
    clock.at += 1; // well within a second of the run's start
    expect(await lookAgain.look()).toBe(true); // no finished record needed either
    expect(lookAgain.lookOwed).toBe(false);
    expect(queries).toEqual([2 + 1]);
    expect(due.take()?.key).toBe('a');
    expect(due.take()?.key).toBe('linked');
  });
});
