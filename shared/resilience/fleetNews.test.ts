import { describe, expect, it } from 'vitest';
import { flushMicrotasks, ManualClock } from '../../test/support/fakeClock.js';
import { BucketGate, type Acquire } from './bucketGate.js';
import { CircuitBreaker } from './circuitBreaker.js';
import {
  believeFleetTime,
  FLEET_BREAKER_MAX_AHEAD_MS,
  FLEET_PAUSE_MAX_AHEAD_MS,
  mergeFleetNews,
} from './fleetNews.js';
import { MemoryFleetNews } from '../../test/support/fleetFakes.js';

function take(gate: BucketGate, deadlineMs = Number.MAX_SAFE_INTEGER): { result?: Acquire } {
  const ticket: { result?: Acquire } = {};
  void gate.take(deadlineMs).then((r) => (ticket.result = r));
  return ticket;
}

describe('mergeFleetNews', () => {
  const now = 1_000_000;

  it('keeps the later pause per bucket, whichever side holds it', () => {
    const a = { pauses: { upload: now + 5_000, sandbox: now + 1_000 }, breakerOpenUntil: 0, cuts: {} };
    const b = {
      pauses: { upload: now + 2_000, submission_read: now + 3_000 },
      breakerOpenUntil: 0,
      cuts: {},
    };
    const expected = { upload: now + 5_000, sandbox: now + 1_000, submission_read: now + 3_000 };
    expect(mergeFleetNews(a, b, now).pauses).toEqual(expected);
    expect(mergeFleetNews(b, a, now).pauses).toEqual(expected);
  });

  it('keeps the later breaker open-until and drops everything already past', () => {
    const merged = mergeFleetNews(
      { pauses: { upload: now - 1 }, breakerOpenUntil: now + 10, cuts: {} },
      { pauses: { sandbox: now }, breakerOpenUntil: now + 60_000, cuts: {} },
      now,
    );
    expect(merged).toEqual({ pauses: {}, breakerOpenUntil: now + 60_000, cuts: {} });
    expect(mergeFleetNews(merged, merged, now + 60_000)).toEqual({
      pauses: {},
      breakerOpenUntil: 0,
      cuts: {},
    });
  });

  it('drops times from a clock too far ahead, so they cannot outrank the true ones', () => {
    const skewed = {
      pauses: { upload: now + 3_600_000 },
      breakerOpenUntil: now + FLEET_BREAKER_MAX_AHEAD_MS + 1,
      cuts: {},
    };
    const honest = { pauses: { upload: now + 5_000 }, breakerOpenUntil: now + 30_000, cuts: {} };
    expect(mergeFleetNews(skewed, honest, now)).toEqual(honest);
  });
});

describe('believeFleetTime (the clock-skew rule)', () => {
  const now = 5_000_000;
  it('uses a time within the cap as is, a few seconds of skew included', () => {
    expect(believeFleetTime(now + 8_000, now, FLEET_PAUSE_MAX_AHEAD_MS)).toBe(now + 8_000);
  });
  it('ignores a time further ahead than the cap', () => {
    expect(believeFleetTime(now + FLEET_PAUSE_MAX_AHEAD_MS, now, FLEET_PAUSE_MAX_AHEAD_MS)).toBe(
      now + FLEET_PAUSE_MAX_AHEAD_MS,
    );
    expect(believeFleetTime(now + FLEET_PAUSE_MAX_AHEAD_MS + 1, now, FLEET_PAUSE_MAX_AHEAD_MS)).toBe(0);
    expect(believeFleetTime(now + 3_600_000, now, FLEET_BREAKER_MAX_AHEAD_MS)).toBe(0);
  });
});

describe('a gate with fleet news', () => {
  it('sends nothing before a pause another process published, then resumes', async () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleetNews();
    const gate = new BucketGate('submission_read', {}, clock, undefined, fleet);
    const t0 = clock.now();
    fleet.pauses.submission_read = t0 + 5_000;
    const first = take(gate);
    await flushMicrotasks();
    expect(first.result).toBeUndefined();
    await clock.advance(4_999);
    expect(first.result).toBeUndefined();
    await clock.advance(1);
    expect(first.result).toEqual({ ok: true, sendAt: t0 + 5_000 });
    // The pacer learned nothing from news: no 429 counted, no pace, no pause of its own.
    const stats = gate.stats();
    expect(stats.rateLimited).toBe(0);
    expect(stats.ratePerSecond).toBeUndefined();
    expect(stats.pausedUntil).toBeLessThanOrEqual(t0);
    expect(fleet.published).toEqual([]);
  });

  it('hands a caller off when the fleet pause ends after its deadline', async () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleetNews();
    const gate = new BucketGate('upload', {}, clock, undefined, fleet);
    const t0 = clock.now();
    fleet.pauses.upload = t0 + 5_000;
    const ticket = take(gate, t0 + 1_000);
    await flushMicrotasks();
    expect(ticket.result).toEqual({ ok: false, retryAt: t0 + 5_000 });
  });

  it('ignores other buckets’ pauses and a pause from a clock far ahead', async () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleetNews();
    const gate = new BucketGate('upload', {}, clock, undefined, fleet);
    const t0 = clock.now();
    fleet.pauses.sandbox = t0 + 60_000;
    const first = take(gate);
    await flushMicrotasks();
    expect(first.result).toEqual({ ok: true, sendAt: t0 });
    gate.settle({ kind: 'accepted' });
    fleet.pauses.upload = t0 + 24 * 3_600_000;
    const second = take(gate);
    await flushMicrotasks();
    expect(second.result).toEqual({ ok: true, sendAt: t0 });
  });

  it('publishes the pause of its own 429', async () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleetNews();
    const gate = new BucketGate('submission_write', {}, clock, undefined, fleet);
    const t0 = clock.now();
    take(gate);
    await flushMicrotasks();
    gate.settle({ kind: 'rate-limited', retryAfterMs: 5_000 });
    expect(fleet.published).toEqual([{ kind: 'pause', bucket: 'submission_write', until: t0 + 5_000 }]);
  });
});

describe('a breaker with fleet news', () => {
  it('fails fast while another process’s open-until lies ahead, then admits one probe', async () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleetNews();
    const breaker = new CircuitBreaker({}, clock, fleet);
    const t0 = clock.now();
    expect(breaker.tryAcquire()).toEqual({ ok: true, probe: false });
    fleet.openUntil = t0 + 7_000;
    expect(breaker.tryAcquire()).toEqual({ ok: false, retryAt: t0 + 7_000 });
    expect(breaker.state).toBe('open');
    await clock.advance(7_000);
    expect(breaker.tryAcquire()).toEqual({ ok: true, probe: true });
    expect(breaker.tryAcquire().ok).toBe(false);
    breaker.recordSuccess(true);
    expect(breaker.state).toBe('closed');
    expect(fleet.published).toEqual([]);
  });

  it('publishes its own opening', () => {
    const clock = new ManualClock();
    const fleet = new MemoryFleetNews();
    const breaker = new CircuitBreaker({ consecutiveFailures: 2, openMs: 5_000 }, clock, fleet);
    breaker.recordFailure(false);
    breaker.recordFailure(false);
    expect(fleet.published).toEqual([{ kind: 'open', until: clock.now() + 5_000 }]);
  });
});
