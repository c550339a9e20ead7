/**
 * How a bucket's fleet rate is divided among the processes with work on it (docs/pacing.md, "Fleet
 * pacing"): max-min fair, by what each process said it used over its latest heartbeat period. A pure
 * function of the roster, so every process that reads the same roster computes the same division and
 * takes its own part: the parts add up to the whole without anyone coordinating more than that.
 */
import type { BucketDemand } from './fleetShares.js';

/** One process's entry in the roster for one bucket. */
export interface MemberDemand extends BucketDemand {
  /** The process's roster id. */
  readonly id: string;
}

/**
 * A process that was not held back is given what it used plus half again: room to grow before its next
 * heartbeat says it wants more (a process that then finds itself held back reports it, and gets an equal
 * part of what the others leave, within one heartbeat).
 */
export const UNSATURATED_HEADROOM = 1.5;

/**
 * The least part of an equal share a process with work is given (5 %), so that one which used nothing in
 * its latest period can still send while its next heartbeat is due.
 */
export const MIN_PART_OF_EQUAL_SHARE = 0.05;

/**
 * Each member's share of the fleet rate, in (0, 1], adding up to 1:
 * - no fleet rate known (slow start): equal shares — the slow-start windows add up to one process's;
 * - otherwise water-filling: members that were not held back are given their use × {@link
 *   UNSATURATED_HEADROOM} (at least {@link MIN_PART_OF_EQUAL_SHARE} of an equal share) when that is below
 *   an equal part of what is left, and the held-back ones split the rest equally; whatever nobody needs is
 *   spread equally over all, so a sudden rise in demand finds room at once.
 */
export function fairShares(
  members: readonly MemberDemand[],
  fleetRate: number | undefined,
): ReadonlyMap<string, number> {
  const shares = new Map<string, number>();
  if (members.length === 0) return shares;
  if (fleetRate === undefined || !(fleetRate > 0)) {
    for (const member of members) shares.set(member.id, 1 / members.length);
    return shares;
  }
  const floor = (MIN_PART_OF_EQUAL_SHARE * fleetRate) / members.length;
  const wants = members
    .map((member) => ({
      id: member.id,
      want: member.heldBack
        ? Number.POSITIVE_INFINITY
        : Math.max(floor, member.sendsPerSecond * UNSATURATED_HEADROOM),
    }))
    // Smallest first; ties by id, so that every process orders the roster the same way.
    .sort((a, b) => a.want - b.want || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let left = fleetRate;
  const given = new Map<string, number>();
  wants.forEach(({ id, want }, i) => {
    const part = Math.min(want, left / (wants.length - i));
    given.set(id, part);
    left -= part;
  });
  const spread = left / members.length;
  for (const [id, part] of given) shares.set(id, Math.min(1, (part + spread) / fleetRate));
  return shares;
}

/**
 * The fleet rate a set of processes believes in: the median of the rates they reported — undefined when fewer
 * than half of them have one. The median, so that one process with a stale or wild belief does not move
 * the fleet; half, so that when a fleet starts together the first process to leave slow start (its share
 * read off a roster that did not yet list everyone: one learned 6.5/s for a 20/s fleet of seven) does not
 * hand its reading to all the others, who learn their own instead.
 */
export function believedFleetRate(demands: readonly BucketDemand[]): number | undefined {
  const rates = demands.map((d) => d.fleetRate).filter((r): r is number => r !== undefined);
  if (rates.length === 0 || rates.length * 2 < demands.length) return undefined;
  const sorted = rates.sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
