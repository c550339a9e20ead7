import { describe, expect, it } from 'vitest';
import {
  judgeHandOver,
  ledgerWriteAllowance,
  MIN_LEDGER_WRITE_MS,
  type HandOverEvidence,
  type HostLife,
} from '../../bench/soak/handOver.js';

/** A soak's hosts: #1 killed at 30 s, #2 (started after it) killed at 80 s, #3 still running. */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const hosts: HostLife[] = [
  { startedAt: T0, killedAt: T0 + 30_000, exitedAt: T0 + 30_010 },
  { startedAt: T0 + 31_000, killedAt: T0 + 80_000, exitedAt: T0 + 80_010 },
  { startedAt: T0 + 81_000 },
];
/** Every webhook about the submission dropped: only the creation response could have told the app. */
const dropped = { total: 1, reached: 0, states: ['dropped'] };
const answered = (at: number): HandOverEvidence => ({
  lostInTransit: false,
  answeredAt: at,
  deliveries: dropped,
});
const LEDGER_WRITE_MS = 1_500;

describe('judgeHandOver (was the soak operator\u2019s `link` needed?)', () => {
  it('accepts a hand-over whose 201 reached a host killed right after, before it could write the ledger', () => {
    const verdict = judgeHandOver(answered(T0 + 29_800), hosts, LEDGER_WRITE_MS);
    expect(verdict.needed).toBe(true);
    expect(verdict.why).toMatch(/SIGKILLed 200 ms later/);
  });

  it('accepts a 201 handed over while the killed host was dying (after SIGKILL, before its exit)', () => {
    expect(judgeHandOver(answered(T0 + 80_005), hosts, LEDGER_WRITE_MS).needed).toBe(true);
  });

  it('flags a hand-over whose 201 reached a host that lived on and should have recorded it', () => {
    // Answered to host #2 at 40 s; the host ran normally for 40 s more before its kill.
    const verdict = judgeHandOver(answered(T0 + 40_000), hosts, LEDGER_WRITE_MS);
    expect(verdict).toEqual({ needed: false, why: expect.stringMatching(/not lost/) as unknown });
  });

  it('flags a hand-over whose 201 reached a host that was never killed', () => {
    expect(judgeHandOver(answered(T0 + 90_000), hosts, LEDGER_WRITE_MS).needed).toBe(false);
  });

  it('flags a 201 answered just outside the ledger-write allowance before a kill', () => {
    expect(judgeHandOver(answered(T0 + 30_000 - LEDGER_WRITE_MS - 1), hosts, LEDGER_WRITE_MS).needed).toBe(
      false,
    );
    expect(judgeHandOver(answered(T0 + 30_000 - LEDGER_WRITE_MS), hosts, LEDGER_WRITE_MS).needed).toBe(true);
  });

  it('does not blame a kill for a 201 answered to an earlier host\u2019s successor', () => {
    // Host #2 started at 31 s and lived on: host #1's kill at 30 s has nothing to do with a 201 at 31.2 s.
    expect(judgeHandOver(answered(T0 + 31_200), hosts, LEDGER_WRITE_MS).needed).toBe(false);
  });

  it('accepts a response lost in transit, with no webhook reaching the app', () => {
    expect(judgeHandOver({ lostInTransit: true, deliveries: dropped }, hosts, LEDGER_WRITE_MS)).toEqual({
      needed: true,
      why: 'creation response lost in transit; 1 webhook deliveries, all dropped',
    });
  });

  it('flags any hand-over a webhook could have prevented, however the response was lost', () => {
    const reached = { total: 2, reached: 1, states: ['dropped', 'succeeded'] };
    expect(judgeHandOver({ lostInTransit: true, deliveries: reached }, hosts, LEDGER_WRITE_MS)).toEqual({
      needed: false,
      why: '1 of 2 webhook deliveries about it reached the app',
    });
    expect(
      judgeHandOver({ ...answered(T0 + 29_800), deliveries: reached }, hosts, LEDGER_WRITE_MS).needed,
    ).toBe(false);
  });

  it('flags a hand-over when MediaMagic knows of neither answering nor losing the creation', () => {
    expect(judgeHandOver({ lostInTransit: false, deliveries: dropped }, hosts, LEDGER_WRITE_MS).needed).toBe(
      false,
    );
  });
});

describe('judgeHandOver in the Flex shape (several hosts running at once)', () => {
  /** Two queue processes and the timers: queue-1 killed at 30 s and restarted; the others never killed. */
  const fleet: HostLife[] = [
    { startedAt: T0, killedAt: T0 + 30_000, exitedAt: T0 + 30_010 },
    { startedAt: T0 + 31_000 },
    { startedAt: T0 },
    { startedAt: T0 },
  ];

  it('accepts a 201 answered while one of the running hosts was killed right after', () => {
    // Any of three processes may have held it; one of them died 200 ms later, before a ledger write.
    const verdict = judgeHandOver(answered(T0 + 29_800), fleet, LEDGER_WRITE_MS);
    expect(verdict).toEqual({
      needed: true,
      why: expect.stringMatching(/SIGKILLed 200 ms later/) as unknown,
    });
  });

  it('flags a 201 answered while no running host was killed within the allowance', () => {
    const verdict = judgeHandOver(answered(T0 + 20_000), fleet, LEDGER_WRITE_MS);
    expect(verdict).toEqual({
      needed: false,
      why: expect.stringMatching(/none of the 3 hosts running then was killed within 1500 ms/) as unknown,
    });
    expect(judgeHandOver(answered(T0 + 60_000), fleet, LEDGER_WRITE_MS).needed).toBe(false);
  });
});

describe('ledgerWriteAllowance', () => {
  it('is the slowest 201 → ledger delay the run showed', () => {
    expect(ledgerWriteAllowance([120, 2_400, 800])).toBe(2_400);
  });

  it('is never below the floor, even for a run of fast writes or none', () => {
    expect(ledgerWriteAllowance([5, 30])).toBe(MIN_LEDGER_WRITE_MS);
    expect(ledgerWriteAllowance([])).toBe(MIN_LEDGER_WRITE_MS);
  });
});
