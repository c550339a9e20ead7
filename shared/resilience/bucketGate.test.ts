import { describe, expect, it } from 'vitest';
import { flushMicrotasks, ManualClock } from '../../test/support/fakeClock.js';
import {
  BucketGate,
  BucketGates,
  type Acquire,
  type PacerOptions,
  type RefusalEvent,
  type TakeOptions,
} from './bucketGate.js';
import { HandShares, MemoryFleetNews } from '../../test/support/fleetFakes.js';

const FAR = Number.MAX_SAFE_INTEGER;

/** An API's buckets, as its client would name them. */
const BUCKETS = ['upload', 'submission_write', 'submission_read', 'webhook_read', 'sandbox'] as const;

/** A `take` whose outcome can be inspected before it settles. */
interface Ticket {
  readonly result: Acquire | undefined;
  readonly error: unknown;
}

function gate(options: Partial<PacerOptions> = {}): { clock: ManualClock; gate: BucketGate; t0: number } {
  const clock = new ManualClock();
  return { clock, gate: new BucketGate('submission_write', options, clock), t0: clock.now() };
}

function take(g: BucketGate, deadlineMs = FAR, options: TakeOptions = {}): Ticket {
  const ticket: { result: Acquire | undefined; error: unknown } = { result: undefined, error: undefined };
  g.take(deadlineMs, options).then(
    (result) => (ticket.result = result),
    (error: unknown) => (ticket.error = error),
  );
  return ticket;
}

/** Send times (relative to `t0`) of the tickets granted so far; `-` for those still waiting. */
function grants(tickets: readonly Ticket[], t0: number): (number | string)[] {
  return tickets.map((t) => (t.result?.ok ? t.result.sendAt - t0 : t.result ? 'refused' : '-'));
}

describe('BucketGate — options', () => {
  it('validates its options and names the bucket', () => {
    expect(() => new BucketGate('upload', { burst: 0 }, new ManualClock())).toThrow(
      /upload: burst must be a whole number >= 1, got 0/,
    );
  });
});

describe('BucketGate — the queue', () => {
  it('grants at once, without a timer, when the bucket is free', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 10 });
    const ticket = take(g);
    await flushMicrotasks();
    expect(ticket.result).toEqual({ ok: true, sendAt: t0 });
    expect(clock.pending).toBe(0);
  });

  it('grants waiters in arrival order at the pace', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 2 });
    const tickets = [take(g), take(g), take(g)];
    await flushMicrotasks();
    expect(grants(tickets, t0)).toEqual([0, '-', '-']);
    await clock.advance(500);
    expect(grants(tickets, t0)).toEqual([0, 500, '-']);
    await clock.advance(500);
    expect(grants(tickets, t0)).toEqual([0, 500, 1000]);
  });

  it('lets retries go ahead of first attempts', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 1 });
    const first = take(g);
    const fresh = take(g);
    const retry = take(g, FAR, { retry: true });
    await clock.advance(1000);
    expect(grants([first, retry, fresh], t0)).toEqual([0, 1000, '-']);
    await clock.advance(1000);
    expect(grants([first, retry, fresh], t0)).toEqual([0, 1000, 2000]);
  });

  it('counts what is queued and in flight', async () => {
    const { gate: g } = gate({ ratePerSecond: 1 });
    take(g);
    take(g);
    take(g);
    await flushMicrotasks();
    expect(g.stats()).toMatchObject({ reserved: 1, queued: 2, inFlight: 1 });
    g.settle({ kind: 'accepted' });
    expect(g.stats()).toMatchObject({ reserved: 1, queued: 2, inFlight: 0 });
  });
});

describe('BucketGate — a 429 holds the whole queue', () => {
  it('until Retry-After, then lets the re-synchronised refill go at once', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 20, burst: 4, burstHeadroom: 0 });
    const sent = [take(g), take(g), take(g), take(g)];
    await flushMicrotasks();
    expect(grants(sent, t0)).toEqual([0, 0, 0, 0]);
    for (let i = 0; i < 3; i += 1) g.settle({ kind: 'accepted' });
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    const waiting = Array.from({ length: 6 }, () => take(g));
    await clock.advance(999);
    expect(grants(waiting, t0)).toEqual(['-', '-', '-', '-', '-', '-']);
    await clock.advance(1);
    // The server is empty at the 429 and holds 4 tokens (its burst) a second later. Then the pace, kept at
    // 20/s: no send had waited for it, so the refusal did not test it.
    expect(grants(waiting, t0)).toEqual([1000, 1000, 1000, 1000, '-', '-']);
    await clock.advance(100);
    expect(grants(waiting, t0)).toEqual([1000, 1000, 1000, 1000, 1050, 1100]);
    // A refusal of a send that did wait for the pace cuts it: ×0.8, three answers measure nothing better.
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(g.ratePerSecond).toBe(16);
  });

  it('learns no pace from a 429 of a send that found the bucket free — until sends held back are refused', async () => {
    const { gate: g, clock } = gate();
    const tickets = Array.from({ length: 10 }, () => take(g)); // 8 sent at once (the window), 2 queued
    await flushMicrotasks();
    expect(tickets.filter((t) => t.result?.ok)).toHaveLength(8);
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(g.ratePerSecond).toBeUndefined(); // only paused
    for (let i = 0; i < 7; i += 1) g.settle({ kind: 'accepted' });
    await clock.advance(1000);
    expect(tickets.filter((t) => t.result?.ok)).toHaveLength(10); // the queued two, held back by the pause
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(g.ratePerSecond).toBeGreaterThan(0);
  });

  it('answers a caller at once when the pause outlasts its deadline, without taking a slot', async () => {
    const { gate: g, t0 } = gate();
    take(g);
    await flushMicrotasks();
    g.settle({ kind: 'rate-limited', retryAfterMs: 30_000 });
    const ticket = take(g, t0 + 10_000);
    await flushMicrotasks();
    expect(ticket.result).toEqual({ ok: false, retryAt: t0 + 30_000 });
    expect(g.stats()).toMatchObject({ reserved: 1, queued: 0 });
  });

  it('hands off waiters whose deadline a new pause has put out of reach, keeping the rest', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 100 });
    take(g);
    await flushMicrotasks();
    const near = take(g, t0 + 2000);
    const far = take(g, t0 + 60_000);
    g.settle({ kind: 'rate-limited', retryAfterMs: 5000 });
    await flushMicrotasks();
    expect(near.result).toEqual({ ok: false, retryAt: t0 + 5000 });
    expect(far.result).toBeUndefined();
    await clock.advance(5000);
    expect(far.result).toEqual({ ok: true, sendAt: t0 + 5000 });
  });
});

describe('BucketGate — deadlines and aborts', () => {
  it('refuses a caller whose turn would come after its deadline, and says when it would have come', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 1 });
    const first = take(g);
    const late = take(g, t0 + 999);
    const next = take(g, t0 + 1000);
    await flushMicrotasks();
    expect(first.result).toEqual({ ok: true, sendAt: t0 });
    expect(late.result).toEqual({ ok: false, retryAt: t0 + 1000 });
    // The refused caller did not hold a place: the next one still goes at t0 + 1000.
    await clock.advance(1000);
    expect(next.result).toEqual({ ok: true, sendAt: t0 + 1000 });
  });

  it('removes an aborted waiter and rejects with the reason; the next one moves up', async () => {
    const { gate: g, clock, t0 } = gate({ ratePerSecond: 1 });
    take(g);
    const abort = new AbortController();
    const aborted = take(g, FAR, { signal: abort.signal });
    const next = take(g);
    await flushMicrotasks();
    abort.abort(new Error('caller gave up'));
    await clock.advance(1000);
    expect(aborted.error).toEqual(new Error('caller gave up'));
    expect(aborted.result).toBeUndefined();
    expect(next.result).toEqual({ ok: true, sendAt: t0 + 1000 });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { gate: g } = gate();
    const abort = new AbortController();
    abort.abort(new Error('too late'));
    const ticket = take(g, FAR, { signal: abort.signal });
    await flushMicrotasks();
    expect(ticket.error).toEqual(new Error('too late'));
    expect(g.stats().reserved).toBe(0);
  });
});

describe('BucketGate — slow start', () => {
  it('holds sends past the window until an answer frees a place', async () => {
    const { gate: g, clock, t0 } = gate({ slowStartWindow: 2 });
    const tickets = [take(g), take(g), take(g)];
    await clock.advance(10_000);
    expect(grants(tickets, t0)).toEqual([0, 0, '-']);
    g.settle({ kind: 'failed' });
    await flushMicrotasks();
    expect(grants(tickets, t0)).toEqual([0, 0, 10_000]);
  });

  it('hands a caller off at its deadline when no answer freed a place by then', async () => {
    const { gate: g, clock, t0 } = gate({ slowStartWindow: 1 });
    take(g);
    const waiting = take(g, t0 + 3000);
    await clock.advance(3000);
    expect(waiting.result).toBeUndefined();
    await clock.advance(1);
    expect(waiting.result).toEqual({ ok: false, retryAt: t0 + 3001 });
  });
});

/** Fleet shares a test sets by hand, recording what the gate reports. */
function sharedGate(
  options: Partial<PacerOptions>,
  shares: HandShares,
): { clock: ManualClock; gate: BucketGate; t0: number } {
  const clock = new ManualClock();
  const g = new BucketGate('submission_write', options, clock, undefined, undefined, shares);
  return { clock, gate: g, t0: clock.now() };
}

describe('BucketGate — fleet shares', () => {
  it('paces a configured fleet rate at this process’s share of it', async () => {
    const shares = new HandShares();
    shares.current = 0.25; // four processes with work: 20/s for the fleet is 5/s here
    const { gate: g, clock, t0 } = sharedGate({ ratePerSecond: 20 }, shares);
    const tickets = Array.from({ length: 4 }, () => take(g));
    await clock.advance(1000);
    expect(grants(tickets, t0)).toEqual([0, 200, 400, 600]);
    expect(g.stats()).toMatchObject({ share: 0.25, ratePerSecond: 5 });
  });

  it('re-divides when the share changes: a process left, so this one sends faster', async () => {
    const shares = new HandShares();
    shares.current = 0.5;
    const { gate: g, clock, t0 } = sharedGate({ ratePerSecond: 10 }, shares);
    const first = [take(g), take(g)];
    await clock.advance(200);
    expect(grants(first, t0)).toEqual([0, 200]);
    g.settle({ kind: 'accepted' });
    g.settle({ kind: 'accepted' });
    shares.current = 1;
    const later = [take(g), take(g), take(g)];
    await clock.advance(1000);
    // From 5/s to 10/s: the next sends are 100 ms apart.
    expect(grants(later, t0)).toEqual([400, 500, 600]);
    expect(g.ratePerSecond).toBe(10);
  });

  it('reports each send with whether it waited and the pace as a fleet rate', async () => {
    const shares = new HandShares();
    shares.current = 0.5;
    const { gate: g, clock } = sharedGate({ ratePerSecond: 10 }, shares);
    take(g);
    take(g);
    await clock.advance(500);
    expect(shares.notes).toEqual([
      { bucket: 'submission_write', waited: false, fleetRate: 10 },
      { bucket: 'submission_write', waited: true, fleetRate: 10 },
    ]);
  });

  it('tells the roster of each refused send, so that what it reports is what got through', async () => {
    const shares = new HandShares();
    const { gate: g } = sharedGate({}, shares);
    take(g);
    take(g);
    await flushMicrotasks();
    g.settle({ kind: 'accepted' });
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(shares.notes).toHaveLength(2);
    expect(shares.refusedNotes).toEqual(['submission_write']);
  });

  it('starts an unpaced newcomer at its part of the pace the fleet learned, not in slow start', async () => {
    const shares = new HandShares();
    shares.current = 0.5;
    shares.learned = 8;
    const { gate: g, clock, t0 } = sharedGate({}, shares);
    const tickets = Array.from({ length: 3 }, () => take(g));
    await clock.advance(1000);
    expect(g.ratePerSecond).toBe(4);
    expect(grants(tickets, t0)).toEqual([0, 250, 500]);
  });

  it('keeps a learned pace as a fleet rate: a share that halves halves the pace, and back', async () => {
    const shares = new HandShares();
    shares.learned = 12;
    const { gate: g, clock } = sharedGate({}, shares);
    take(g);
    await clock.advance(10);
    expect(g.ratePerSecond).toBe(12);
    shares.current = 0.5;
    take(g);
    await clock.advance(10);
    expect(g.ratePerSecond).toBe(6);
    shares.current = 1;
    take(g);
    await clock.advance(10);
    expect(g.ratePerSecond).toBe(12);
  });
});

describe('BucketGate — a first rate learned before the roster showed the others', () => {
  /** Slow start: 8 sent, 2 queued; a 429 pauses; 7 accepted; the two held back go and meet a 429. */
  async function learnFirstRate(g: BucketGate, clock: ManualClock): Promise<number> {
    Array.from({ length: 10 }, () => take(g));
    await flushMicrotasks();
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    for (let i = 0; i < 7; i += 1) g.settle({ kind: 'accepted' });
    await clock.advance(1000);
    g.settle({ kind: 'rate-limited', retryAfterMs: 1000 });
    const rate = g.ratePerSecond;
    if (rate === undefined) throw new Error('no first rate learned');
    return rate;
  }

  it('is re-read as this process’s part of what the fleet sent when the roster next shows the others', async () => {
    const shares = new HandShares(); // alone, as far as the roster knows yet
    const { gate: g, clock } = sharedGate({}, shares);
    const own = await learnFirstRate(g, clock);
    // The next roster read: another process had work all along, and sent 9/s.
    shares.current = 0.5;
    shares.others = 9;
    take(g);
    await flushMicrotasks();
    expect(g.ratePerSecond).toBeCloseTo(0.5 * (own + 9), 6); // not own × 0.5, the fleet's rate halved
    await clock.advance(1000);
    expect(shares.notes.at(-1)?.fleetRate).toBeCloseTo(own + 9, 6); // what it tells the fleet
  });

  it('is only scaled with the share when the others appear more than two heartbeats later', async () => {
    const shares = new HandShares();
    const { gate: g, clock } = sharedGate({}, shares);
    const own = await learnFirstRate(g, clock);
    await clock.advance(10_001);
    shares.current = 0.5;
    shares.others = 9;
    take(g);
    await flushMicrotasks();
    // They joined a fleet this process had measured alone: their sends are not part of its reading.
    expect(g.ratePerSecond).toBeCloseTo(0.5 * own, 6);
  });

  it('is not re-read when the roster already showed the others: the first rate was the fleet’s part then', async () => {
    const shares = new HandShares();
    shares.current = 0.5;
    shares.others = 4;
    const { gate: g, clock } = sharedGate({}, shares);
    const part = await learnFirstRate(g, clock);
    shares.others = 20;
    take(g);
    await flushMicrotasks();
    expect(g.ratePerSecond).toBe(part);
  });
});

/** A gate with both fleet ports: news (pauses, cuts) and shares (the roster's division). */
function fleetGate(options: Partial<PacerOptions> = {}): {
  clock: ManualClock;
  gate: BucketGate;
  news: MemoryFleetNews;
  shares: HandShares;
  t0: number;
} {
  const clock = new ManualClock();
  const news = new MemoryFleetNews();
  const shares = new HandShares();
  shares.current = 0.25;
  shares.others = 15;
  const g = new BucketGate('submission_write', options, clock, undefined, news, shares);
  return { clock, gate: g, news, shares, t0: clock.now() };
}

/** Takes `n` sends one after the other, each settled accepted as soon as it is granted. */
async function sendAccepted(g: BucketGate, clock: ManualClock, n: number, stepMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ticket = take(g);
    while (ticket.result === undefined) await clock.advance(stepMs);
    g.settle({ kind: 'accepted' });
  }
}

describe('BucketGate — one fleet rate (fleet news and shares together)', () => {
  it('publishes a measured cut of its own with the pause, as a fleet rate (its pace ÷ its share)', async () => {
    const { gate: g, clock, news, t0 } = fleetGate();
    news.cuts.submission_write = { at: t0, rate: 20 }; // the fleet learned 20/s: 5/s here
    // Held-back sends that met 429s as well as 201s: the next cut is the server's own figure, not a guess.
    for (let round = 0; round < 4; round += 1) {
      await sendAccepted(g, clock, 5, 10);
      const ticket = take(g);
      while (ticket.result === undefined) await clock.advance(10);
      g.settle({ kind: 'rate-limited', retryAfterMs: 1_000 });
      await clock.advance(1_500);
    }
    const published = news.published.filter((p) => p.cut !== undefined);
    expect(published.length).toBeGreaterThan(0);
    const latest = published.at(-1);
    expect(latest).toMatchObject({ kind: 'pause', bucket: 'submission_write' });
    expect(latest?.cut?.rate).toBeGreaterThan(0);
    expect(latest?.cut?.rate).toBeLessThanOrEqual(20);
  });

  it('publishes a guessed cut as a pause only: it is regained within seconds, and may be a refusal from elsewhere', async () => {
    const { gate: g, clock, news, t0 } = fleetGate();
    news.cuts.submission_write = { at: t0, rate: 20 };
    await sendAccepted(g, clock, 30, 10); // every held-back send accepted
    take(g);
    take(g);
    await clock.advance(400); // the second waited for the pace: a 429 now tests it
    g.settle({ kind: 'rate-limited', retryAfterMs: 1_000 });
    expect(g.stats().rateLimited).toBe(1);
    expect(news.published).toEqual([
      { kind: 'pause', bucket: 'submission_write', until: clock.now() + 1_000 },
    ]);
  });

  it('applies another process’s cut once, at its share, and reads its own 429s of that congestion as the same episode', async () => {
    const { gate: g, clock, news, t0 } = fleetGate();
    news.cuts.submission_write = { at: t0, rate: 40 };
    await sendAccepted(g, clock, 5, 10);
    expect(g.ratePerSecond).toBeCloseTo(10, 0);
    news.cuts.submission_write = { at: clock.now(), rate: 34 };
    take(g);
    take(g);
    await clock.advance(200);
    expect(g.ratePerSecond).toBe(8.5);
    // Its own 429 a moment later belongs to the congestion the cut came from: it pauses, it cuts no further.
    g.settle({ kind: 'rate-limited', retryAfterMs: 1_000 });
    expect(g.ratePerSecond).toBe(8.5);
    expect(news.published.every((p) => p.cut === undefined)).toBe(true);
    // Read again at the next send, the same cut changes nothing.
    g.settle({ kind: 'accepted' });
    await clock.advance(2_000);
    expect(g.ratePerSecond).toBeGreaterThanOrEqual(8.5);
  });

  it('keeps a pace already at or below a published cut', async () => {
    const { gate: g, clock, news, t0 } = fleetGate();
    news.cuts.submission_write = { at: t0, rate: 16 };
    await sendAccepted(g, clock, 3, 10);
    const pace = g.ratePerSecond ?? 0;
    expect(pace).toBeCloseTo(4, 1);
    news.cuts.submission_write = { at: clock.now(), rate: 30 };
    await sendAccepted(g, clock, 1, 10);
    expect(g.ratePerSecond).toBeGreaterThanOrEqual(pace);
  });

  it('alone on the bucket, as far as the roster knows: publishes nothing and heeds no published pause', async () => {
    const { gate: g, clock, news, shares, t0 } = fleetGate();
    shares.others = 0;
    news.pauses.submission_write = t0 + 60_000;
    const first = take(g);
    await flushMicrotasks();
    expect(first.result).toEqual({ ok: true, sendAt: t0 });
    g.settle({ kind: 'rate-limited', retryAfterMs: 1_000 });
    await clock.advance(1_000);
    expect(news.published).toEqual([]);
  });

  it('credits no recovery for the time a published pause held its queue', async () => {
    const run = async (pauseMs: number): Promise<number | undefined> => {
      const { gate: g, clock, news, t0 } = fleetGate();
      news.cuts.submission_write = { at: t0, rate: 40 };
      await sendAccepted(g, clock, 20, 10); // held back by the pace of 10/s
      news.pauses.submission_write = clock.now() + pauseMs;
      await sendAccepted(g, clock, 2, 10);
      return g.ratePerSecond;
    };
    const withoutPause = await run(0);
    const afterPause = await run(5_000);
    // Five seconds of probing at 2 %/s would have added a tenth; the pause added (almost) nothing.
    expect(afterPause).toBeLessThan((withoutPause ?? 0) * 1.02);
  });
});

describe('BucketGates', () => {
  it('creates one gate per bucket and returns the same one to every caller', () => {
    const gates = new BucketGates(BUCKETS, {}, new ManualClock());
    expect(gates.get('upload')).toBe(gates.get('upload'));
    expect(gates.get('upload')).not.toBe(gates.get('sandbox'));
    expect(gates.get('sandbox').bucket).toBe('sandbox');
  });

  it('keeps buckets independent: a 429 in one pauses only that one', async () => {
    const clock = new ManualClock();
    const gates = new BucketGates(BUCKETS, {}, clock);
    take(gates.get('submission_write'));
    await flushMicrotasks();
    gates.get('submission_write').settle({ kind: 'rate-limited', retryAfterMs: 5000 });
    expect(gates.get('submission_write').pausedUntil).toBe(clock.now() + 5000);
    const other = take(gates.get('submission_read'));
    await flushMicrotasks();
    expect(other.result).toEqual({ ok: true, sendAt: clock.now() });
  });

  it('applies per-bucket configuration', () => {
    const gates = new BucketGates(BUCKETS, { upload: { ratePerSecond: 4 } }, new ManualClock());
    expect(gates.get('upload').ratePerSecond).toBe(4);
    expect(gates.get('webhook_read').ratePerSecond).toBeUndefined();
  });

  it('tells the observer of every 429, with how it was read, the pace before and after, and the queue', async () => {
    const clock = new ManualClock();
    const events: RefusalEvent[] = [];
    const gates = new BucketGates(BUCKETS, { submission_read: { ratePerSecond: 10 } }, clock, (e) =>
      events.push(e),
    );
    const read = gates.get('submission_read');
    take(read);
    take(read); // waits 100 ms for the pace
    const waiting = take(read);
    await clock.advance(100);
    read.settle({ kind: 'rate-limited', retryAfterMs: 2000 });
    read.settle({ kind: 'rate-limited', retryAfterMs: 2000 }); // in flight with the first: same episode
    gates.get('upload').settle({ kind: 'rate-limited', retryAfterMs: undefined }); // nothing held back
    expect(events).toEqual([
      {
        bucket: 'submission_read',
        reading: 'new-episode',
        rateBefore: 10,
        rateAfter: 8,
        recentAcceptedPerSecond: 0,
        pausedForMs: 2000,
        queued: 1,
      },
      expect.objectContaining({
        bucket: 'submission_read',
        reading: 'same-episode',
        rateBefore: 8,
        rateAfter: 8,
      }),
      expect.objectContaining({
        bucket: 'upload',
        reading: 'not-held-back',
        rateBefore: undefined,
        rateAfter: undefined,
        pausedForMs: 1000,
      }),
    ]);
    const snapshot = gates.snapshot();
    expect(Object.keys(snapshot)).toEqual(['submission_read', 'upload']);
    expect(snapshot.submission_read).toMatchObject({ ratePerSecond: 8, rateLimited: 2, queued: 1 });
    expect(snapshot.upload).toMatchObject({ rateLimited: 1, queued: 0 });
    expect(waiting.result).toBeUndefined();
  });

  it('keeps settling when the observer throws', async () => {
    const clock = new ManualClock();
    const g = new BucketGate('upload', { ratePerSecond: 10 }, clock, () => {
      throw new Error('log sink down');
    });
    take(g);
    await flushMicrotasks();
    expect(() => g.settle({ kind: 'rate-limited', retryAfterMs: 1000 })).not.toThrow();
    expect(g.pausedUntil).toBe(clock.now() + 1000);
  });

  it('validates every bucket at construction, not at first use', () => {
    expect(() => new BucketGates(BUCKETS, { sandbox: { burst: 0 } }, new ManualClock())).toThrow(
      /sandbox: burst must be/,
    );
  });

  it('rejects an unknown bucket name', () => {
    const config = { uploads: { burst: 2 } } as unknown as Partial<
      Record<(typeof BUCKETS)[number], Partial<PacerOptions>>
    >;
    expect(() => new BucketGates(BUCKETS, config, new ManualClock())).toThrow(RangeError);
    expect(() => new BucketGates(BUCKETS, config, new ManualClock())).toThrow(/unknown bucket "uploads"/);
  });
});
