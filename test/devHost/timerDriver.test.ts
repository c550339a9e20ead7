import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RegisteredFunction } from '../../scripts/devHost/loadApp.js';
import { startTimerDriver, type TimerDriver } from '../../scripts/devHost/timerDriver.js';

/** A promise the test settles when it chooses. */
function gate(): { readonly promise: Promise<void>; readonly open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('dev host timer driver (fake clock)', () => {
  const START = Date.UTC(2024, 4, 6, 12, 0, 0, 300); // Monday 2024-05-06 12:00:00.300 UTC
  let driver: TimerDriver | undefined;
  let lines: string[];
  const log = (name: string, level: string, message: string): void => {
    lines.push(`${name} ${level}: ${message}`);
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: START });
    lines = [];
  });
  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
    vi.useRealTimers();
  });

  /** A timer function whose runs are recorded as the UTC time each started. */
  function timerFunction(
    run: () => Promise<void> = () => Promise.resolve(),
    name = 'pollSubmissions',
  ): {
    fn: RegisteredFunction;
    runs: string[];
  } {
    const runs: string[] = [];
    const fn: RegisteredFunction = {
      name,
      trigger: { type: 'timerTrigger', direction: 'in', schedule: `%${name}%` },
      handler: async () => {
        runs.push(new Date().toISOString().slice(11, 23));
        await run();
      },
    };
    return { fn, runs };
  }

  it('fires at the start of each second the schedule names, the current one included', async () => {
    const { fn, runs } = timerFunction();
    driver = startTimerDriver(fn, '*/2 * * * * *', log);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toEqual(['12:00:00.300', '12:00:02.000', '12:00:04.000']);
    expect(lines).toEqual([]);
  });

  it('runs schedules written with names, as POLL_SCHEDULE accepts them', async () => {
    const { fn, runs } = timerFunction();
    driver = startTimerDriver(fn, '0 0 13 * * mon-fri', log);
    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(runs).toEqual(['13:00:00.000']);
  });

  it('skips a tick while the previous run is still going, and logs it', async () => {
    const slow = gate();
    let calls = 0;
    const { fn, runs } = timerFunction(() => (++calls === 1 ? slow.promise : Promise.resolve()));
    driver = startTimerDriver(fn, '* * * * * *', log);
    await vi.advanceTimersByTimeAsync(2_500); // ticks at :00.3, :01, :02 — the first still running
    expect(runs).toEqual(['12:00:00.300']);
    expect(lines).toEqual([
      'pollSubmissions warning: previous run still going; tick skipped',
      'pollSubmissions warning: previous run still going; tick skipped',
    ]);
    slow.open();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual(['12:00:00.300', '12:00:03.000']);
  });

  it('runs the sweep timer beside the polling timer: a long sweep never holds up polling', async () => {
    const slowSweep = gate();
    const poll = timerFunction();
    const sweep = timerFunction(() => slowSweep.promise, 'sweepSource');
    driver = startTimerDriver(poll.fn, '*/1 * * * * *', log);
    const sweepDriver = startTimerDriver(sweep.fn, '0 17 * * * *', log);
    await vi.advanceTimersByTimeAsync(17 * 60_000 + 3_000); // past 12:17:00, the sweep still running
    expect(sweep.runs).toEqual(['12:17:00.000']);
    expect(poll.runs.slice(-4)).toEqual(['12:17:00.000', '12:17:01.000', '12:17:02.000', '12:17:03.000']);
    expect(lines).toEqual([]);
    slowSweep.open();
    await sweepDriver.stop();
  });

  it('logs a run that fails and keeps firing', async () => {
    const { fn, runs } = timerFunction(() => Promise.reject(new Error('boom')));
    driver = startTimerDriver(fn, '*/1 * * * * *', log);
    await vi.advanceTimersByTimeAsync(1_500); // :00.3 and :01
    expect(runs).toHaveLength(2);
    expect(lines).toEqual([
      'pollSubmissions error: run failed: boom',
      'pollSubmissions error: run failed: boom',
    ]);
  });

  it('stop() waits for the run in progress and fires no more', async () => {
    const slow = gate();
    const { fn, runs } = timerFunction(() => slow.promise);
    const running = startTimerDriver(fn, '* * * * * *', log);
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    slow.open();
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toHaveLength(1);
  });

  it('refuses a schedule the config would refuse, naming the bad field', () => {
    const { fn } = timerFunction();
    expect(() => startTimerDriver(fn, '0 0 24 * * *', log)).toThrow(
      /^schedule "0 0 24 \* \* \*" must be a six-field NCRONTAB expression .*; its hour field "24" is not valid$/,
    );
    expect(() => startTimerDriver(fn, '*/5 * * * *', log)).toThrow(/; it has 5 fields$/);
  });

  it('logs a schedule that never fires, once', async () => {
    const { fn, runs } = timerFunction();
    driver = startTimerDriver(fn, '0 0 0 30 feb *', log);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual([]);
    expect(lines).toEqual(['pollSubmissions warning: schedule "0 0 0 30 feb *" never fires']);
  });
});
