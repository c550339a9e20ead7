import { describe, expect, it } from 'vitest';
import { busiest, churnPlan } from '../../bench/fleet/churn.js';
import { sourceStemOf, submittedFiles } from '../../bench/fleet/submittedFiles.js';
import { goodputShare, mainFlow, recoveryMs, rollingRate } from '../../bench/fleet/timeline.js';

/** Creates at `perSecond`, evenly spaced, from `from` (ms) for `seconds`. */
function steady(from: number, perSecond: number, seconds: number): number[] {
  const gap = 1000 / perSecond;
  return Array.from({ length: Math.round(perSecond * seconds) }, (_, i) => from + i * gap);
}

describe('fleet timeline', () => {
  it('counts creates in the half-open window (at − window, at]', () => {
    const times = [1000, 2000, 3000, 4000, 5000];
    expect(rollingRate(times, 5000, 2000)).toBe(1); // 4000 and 5000, not 3000
    expect(rollingRate(times, 5500, 5000)).toBe(1); // 1000 is out, 2000…5000 in: 4 / 5 s… minus 1000
    expect(rollingRate(times, 10_000, 1000)).toBe(0);
  });

  it('times the recovery from the end of the first full window after the kill that reaches the threshold', () => {
    // 20/s until the kill at 10 s, 10/s for 8 s (a share idle), then 20/s again.
    const times = [...steady(0, 20, 10), ...steady(10_000, 10, 8), ...steady(18_000, 20, 20)];
    const back = recoveryMs(times, 10_000, { windowMs: 5000, threshold: 18, stepMs: 100 });
    // 18/s over 5 s needs ≥ 90 creates: 20/s from 18 s gives (t − 18 s) × 20 + (remaining 10/s part) ≥ 90.
    expect(back).toBeDefined();
    expect(back as number).toBeGreaterThan(8_000);
    expect(back as number).toBeLessThanOrEqual(13_000);
    const at = 10_000 + (back as number);
    expect(rollingRate(times, at, 5000)).toBeGreaterThanOrEqual(18);
    expect(rollingRate(times, at - 100, 5000)).toBeLessThan(18);
  });

  it('never answers less than one window, and nothing when the rate never comes back', () => {
    const full = steady(0, 20, 30);
    expect(recoveryMs(full, 10_000, { windowMs: 5000, threshold: 18, stepMs: 100 })).toBe(5000);
    const halved = [...steady(0, 20, 10), ...steady(10_000, 10, 20)];
    expect(recoveryMs(halved, 10_000, { windowMs: 5000, threshold: 18, stepMs: 100 })).toBeUndefined();
    expect(recoveryMs([], 0, { windowMs: 5000, threshold: 18, stepMs: 100 })).toBeUndefined();
  });

  it('ends the main flow at a long pause late in the run, keeping an early stall inside it', () => {
    const early = [...steady(0, 20, 2), ...steady(20_000, 20, 3)]; // 40, a 18-s stall, then 60
    const tail = [200_000, 200_100];
    const flow = mainFlow([...early, ...tail], { files: 102, quietMs: 10_000, minShare: 0.85 });
    expect(flow).toMatchObject({ first: 0, count: 100, tail: 2, tailLast: 200_100 });
    expect(flow?.last).toBe(early.at(-1));
    const none = mainFlow(early, { files: 100, quietMs: 10_000, minShare: 0.85 });
    expect(none).toMatchObject({ count: 100, tail: 0, tailLast: undefined });
    expect(mainFlow([], { files: 1, quietMs: 1, minShare: 0 })).toBeUndefined();
  });

  it('counts goodput beyond the burst, per second of the span, divided by R', () => {
    expect(goodputShare({ first: 0, last: 10_000, count: 220 }, 20, 20)).toBe(1);
    expect(goodputShare({ first: 0, last: 10_000, count: 20 }, 20, 20)).toBe(0);
    expect(goodputShare({ first: 5, last: 5, count: 100 }, 20, 20)).toBe(0);
  });
});

describe('submitted files', () => {
  it('leads the emulator blob path back to the source stem', () => {
    expect(sourceStemOf('ws_1/fleet-00042--ab12cd34ef-g1.mp4')).toBe('fleet-00042');
    expect(sourceStemOf('ws_1/odd--name--ab12cd34ef-g2.mp4')).toBe('odd--name');
    expect(sourceStemOf('fleet-00007.mp4')).toBe('fleet-00007');
  });

  it('finds a file submitted under two generations as a duplicate, and a file with none as missing', () => {
    const tally = submittedFiles(['a', 'b', 'c'], {
      'ws/a--k-g1.mp4': 1,
      'ws/b--k-g1.mp4': 1,
      'ws/b--k-g2.mp4': 1,
    });
    expect(tally).toEqual({ submitted: 2, duplicated: ['b'], missing: ['c'] });
  });
});

describe('churn', () => {
  it('starts one short, joins, leaves, joins again and kills for sizes of three and more; none for one', () => {
    expect(churnPlan(1)).toEqual({ initial: 1, steps: [] });
    expect(churnPlan(8).initial).toBe(7);
    expect(churnPlan(3).steps.map((s) => [s.atShare, s.action])).toEqual([
      [0.25, 'join'],
      [0.5, 'leave'],
      [0.55, 'join'],
      [0.6, 'kill'],
    ]);
  });

  it('kills the process that finished the most files lately, only if it finished one in the last second', () => {
    const now = 100_000;
    const candidates = [
      { label: 'queue-1', completions: [now - 2500, now - 2000, now - 1500, now - 1200] },
      { label: 'queue-2', completions: [now - 900, now - 100] },
      { label: 'queue-3', completions: [now - 500] },
    ];
    expect(busiest(candidates, now)).toBe('queue-2');
    expect(busiest([{ label: 'queue-1', completions: [now - 1500] }], now)).toBeUndefined();
  });
});
