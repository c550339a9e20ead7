import { describe, expect, it } from 'vitest';
import { believedFleetRate, fairShares, MIN_PART_OF_EQUAL_SHARE, type MemberDemand } from './fairShares.js';

function member(id: string, heldBack: boolean, sendsPerSecond = 0, fleetRate?: number): MemberDemand {
  return { id, heldBack, sendsPerSecond, fleetRate };
}

function sum(shares: ReadonlyMap<string, number>): number {
  return [...shares.values()].reduce((a, b) => a + b, 0);
}

describe('fairShares', () => {
  it('gives nothing to nobody', () => {
    expect(fairShares([], 20).size).toBe(0);
  });

  it('divides equally while no fleet rate is known (slow start)', () => {
    const shares = fairShares([member('a', false, 1), member('b', true), member('c', true)], undefined);
    expect([...shares.values()]).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('divides equally among processes that all want more than their part', () => {
    const shares = fairShares([member('a', true, 5), member('b', true, 5), member('c', true, 10)], 20);
    for (const share of shares.values()) expect(share).toBeCloseTo(1 / 3, 10);
  });

  it('gives a process that was not held back its use and half again; the held-back ones split the rest', () => {
    // A timer process retrying 1 create/s beside three queue processes that want all they can get.
    const shares = fairShares(
      [member('timer', false, 1), member('q1', true), member('q2', true), member('q3', true)],
      20,
    );
    expect(shares.get('timer')).toBeCloseTo(1.5 / 20, 10);
    for (const q of ['q1', 'q2', 'q3']) expect(shares.get(q)).toBeCloseTo(18.5 / 3 / 20, 10);
    expect(sum(shares)).toBeCloseTo(1, 10);
  });

  it('caps a process that was not held back at an equal part when its use would be more', () => {
    const shares = fairShares([member('a', false, 30), member('b', true)], 20);
    expect(shares.get('a')).toBeCloseTo(0.5, 10);
    expect(shares.get('b')).toBeCloseTo(0.5, 10);
  });

  it('spreads what nobody needs over everyone, so the parts always add up to the whole', () => {
    const shares = fairShares([member('a', false, 2), member('b', false, 4)], 20);
    // a is given 3 and b 6; the 11 nobody asked for is split: a 8.5, b 11.5.
    expect(shares.get('a')).toBeCloseTo(8.5 / 20, 10);
    expect(shares.get('b')).toBeCloseTo(11.5 / 20, 10);
    expect(sum(shares)).toBeCloseTo(1, 10);
  });

  it('gives a process that used nothing at least a small part, so it can send before its next heartbeat', () => {
    const shares = fairShares([member('idle', false, 0), member('busy', true)], 20);
    expect(shares.get('idle')).toBeCloseTo((MIN_PART_OF_EQUAL_SHARE * 20) / 2 / 20, 10);
    expect(sum(shares)).toBeCloseTo(1, 10);
  });

  it('computes the same division whatever order the roster was listed in', () => {
    const roster = [member('c', true), member('a', false, 3), member('b', true), member('d', false, 3)];
    const one = fairShares(roster, 20);
    const other = fairShares([...roster].reverse(), 20);
    for (const [id, share] of one) expect(other.get(id)).toBe(share);
  });

  it('keeps every share in (0, 1] and the sum at 1 for any roster', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const n = 1 + (seed % 9);
      const roster = Array.from({ length: n }, (_, i) =>
        member(`m${i}`, (seed * (i + 3)) % 3 === 0, ((seed * 7 + i * 13) % 40) / 2),
      );
      const shares = fairShares(roster, 1 + (seed % 60));
      expect(sum(shares)).toBeCloseTo(1, 9);
      for (const share of shares.values()) {
        expect(share).toBeGreaterThan(0);
        expect(share).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('believedFleetRate', () => {
  it('is the median of the rates reported, so one wild belief does not move it', () => {
    expect(
      believedFleetRate([member('a', true, 1, 20), member('b', true, 1, 22), member('c', true, 1, 90)]),
    ).toBe(22);
    expect(believedFleetRate([member('a', true, 1, 20), member('b', true, 1, 24)])).toBe(22);
  });

  it('is unknown until at least half the processes report one: a first reading is not the fleet’s', () => {
    const slowStart = ['b', 'c', 'd', 'e'].map((id) => member(id, true, 2));
    expect(believedFleetRate([member('a', true, 2, 6.5), ...slowStart])).toBeUndefined();
    expect(
      believedFleetRate([member('a', true, 2, 6.5), member('f', true, 2, 21), ...slowStart.slice(2)]),
    ).toBe(13.75);
    expect(believedFleetRate(slowStart)).toBeUndefined();
  });
});
