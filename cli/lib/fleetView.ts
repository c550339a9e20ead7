/**
 * `status`'s Fleet section: who shares the API key's rate right now (docs/pacing.md, "Fleet pacing"). Built
 * from one reading of the roster — the same blobs, read the same way, that every process divides the rate
 * by — so an operator sees the division the processes compute: per bucket, who has work there, who wanted
 * more, what they sent, the fleet rate they believe in, and each one's part. Pure: the command reads the
 * roster, this shapes and prints it.
 */
import { believedFleetRate, fairShares, type MemberDemand } from '../../shared/resilience/fairShares.js';
import type { FleetRoster } from '../../shared/storage/fleetRoster.js';

/** One live process's entry for one bucket, with the part of the fleet rate the division gives it. */
export interface FleetProcessShare {
  /** Its roster id (random per process start). */
  readonly id: string;
  /** Whether any of its sends over its latest heartbeat period waited for the pace: it wanted more. */
  readonly heldBack: boolean;
  readonly sendsPerSecond: number;
  /** The fleet rate it believes in; null while it is unpaced. */
  readonly fleetRate: number | null;
  /** Its share of the fleet rate, in (0, 1] (rounded to 4 places). */
  readonly share: number;
  /** `share` × the bucket's fleet rate; null while none is known (slow start: equal shares). */
  readonly ratePerSecond: number | null;
}

/** One bucket across the live processes that have work on it. */
export interface FleetBucketView {
  readonly processes: number;
  /** How many of them were held back (wanted more than their share). */
  readonly heldBack: number;
  /** Their sends per second, summed. */
  readonly sendsPerSecond: number;
  /** The median of the fleet rates they believe in; null when none has one. */
  readonly fleetRate: number | null;
  /** Largest share first. */
  readonly shares: FleetProcessShare[];
}

/** The roster as `status` read it. */
export interface FleetRosterView {
  /** The storage service's time of the listing: liveness is judged on its clock. */
  readonly asOf: string;
  /** Processes within the lease (they count in the division). */
  readonly live: number;
  /** Entries silent past the lease, not yet forgotten (a process that stopped sending, or died). */
  readonly gone: number;
  /** Entries within the lease whose metadata this version cannot read (not counted). */
  readonly unreadable: number;
  /** Per bucket, by name. */
  readonly buckets: Record<string, FleetBucketView>;
}

/** `status --json`'s `fleet`. */
export interface FleetSection {
  /** `FLEET_PACING` in the settings `status` ran with. */
  readonly pacing: boolean;
  /** `FLEET_NEWS` in the settings `status` ran with. */
  readonly news: boolean;
  readonly leaseSeconds: number;
  /** null when the roster could not be read (`rosterError` says why). */
  readonly roster: FleetRosterView | null;
  readonly rosterError: string | null;
}

/** The settings that decide whether a process joins the fleet. */
export interface FleetSettings {
  readonly pacing: boolean;
  readonly news: boolean;
}

/** Shapes one reading of the roster (or why it failed) into the section. */
export function buildFleetSection(
  settings: FleetSettings,
  leaseMs: number,
  read: FleetRoster | { readonly error: string },
): FleetSection {
  const base = { pacing: settings.pacing, news: settings.news, leaseSeconds: leaseMs / 1000 };
  if ('error' in read) return { ...base, roster: null, rosterError: read.error };
  const byBucket = new Map<string, MemberDemand[]>();
  let [live, gone, unreadable] = [0, 0, 0];
  for (const member of read.members) {
    if (!member.live) gone += 1;
    else if (!member.readable) unreadable += 1;
    else {
      live += 1;
      for (const [bucket, demand] of Object.entries(member.buckets)) {
        byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), { id: member.id, ...demand }]);
      }
    }
  }
  const buckets = [...byBucket.keys()]
    .sort()
    .map((bucket): [string, FleetBucketView] => [bucket, bucketView(byBucket.get(bucket) ?? [])]);
  return {
    ...base,
    roster: {
      asOf: new Date(read.serviceNow).toISOString(),
      live,
      gone,
      unreadable,
      buckets: Object.fromEntries(buckets),
    },
    rosterError: null,
  };
}

/** The division every process computes from this roster: `fairShares` at the fleet's believed rate. */
function bucketView(members: readonly MemberDemand[]): FleetBucketView {
  const fleetRate = believedFleetRate(members);
  const shares = fairShares(members, fleetRate);
  return {
    processes: members.length,
    heldBack: members.filter((m) => m.heldBack).length,
    sendsPerSecond: round(
      members.reduce((sum, m) => sum + m.sendsPerSecond, 0),
      3,
    ),
    fleetRate: fleetRate ?? null,
    shares: members
      .map((m): FleetProcessShare => {
        const share = shares.get(m.id) ?? 0;
        return {
          id: m.id,
          heldBack: m.heldBack,
          sendsPerSecond: m.sendsPerSecond,
          fleetRate: m.fleetRate ?? null,
          share: round(share, 4),
          ratePerSecond: fleetRate === undefined ? null : round(share * fleetRate, 3),
        };
      })
      .sort((a, b) => b.share - a.share || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

/** The section as lines: one when fleet pacing is off and nobody is on the roster. */
export function fleetLines(fleet: FleetSection): string[] {
  const settings = `FLEET_PACING ${onOff(fleet.pacing)}, FLEET_NEWS ${onOff(fleet.news)}`;
  const roster = fleet.roster;
  if (roster === null)
    return [`Fleet: ${settings}; roster unavailable: ${fleet.rosterError ?? 'unknown error'}`];
  const entries = roster.live + roster.gone + roster.unreadable;
  if (!fleet.pacing && entries === 0)
    return [
      `Fleet: pacing off — each process paces alone (FLEET_PACING off, FLEET_NEWS ${onOff(fleet.news)})`,
    ];
  const others = [
    roster.gone > 0 ? `${roster.gone} gone (silent past the ${fleet.leaseSeconds}-s lease)` : undefined,
    roster.unreadable > 0 ? `${roster.unreadable} unreadable (another version's entry)` : undefined,
  ].filter((part) => part !== undefined);
  const who =
    roster.live === 0
      ? 'no process live on the roster (a process joins while it sends)'
      : `${plural(roster.live, 'process', 'processes')} live on the roster`;
  const lines = [`Fleet: ${settings}; ${[who, ...others].join(', ')} (as of ${roster.asOf})`];
  for (const [bucket, b] of Object.entries(roster.buckets)) {
    const rate =
      b.fleetRate === null
        ? 'no fleet rate yet (slow start: equal shares)'
        : `fleet rate ${b.fleetRate.toFixed(2)}/s (median)`;
    lines.push(
      `  ${bucket.padEnd(18)} ${plural(b.processes, 'process', 'processes')} with work, ${b.heldBack} held back, ` +
        `${b.sendsPerSecond.toFixed(2)} sends/s, ${rate}`,
    );
    for (const s of b.shares) {
      const part = s.ratePerSecond === null ? '' : ` = ${s.ratePerSecond.toFixed(2)}/s`;
      lines.push(
        `    ${s.id.slice(0, 8).padEnd(8)}  ${(s.heldBack ? 'held back' : 'not held back').padEnd(13)} ` +
          `${s.sendsPerSecond.toFixed(2).padStart(7)} sends/s  share ${(s.share * 100).toFixed(1)}%${part}`,
      );
    }
  }
  return lines;
}

function onOff(on: boolean): string {
  return on ? 'on' : 'off';
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function round(value: number, places: number): number {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}
