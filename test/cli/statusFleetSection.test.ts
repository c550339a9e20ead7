import { describe, expect, it } from 'vitest';
import { buildFleetSection, fleetLines } from '../../cli/lib/fleetView.js';
import { buildPoisonSection, buildStatusReport } from '../../cli/lib/statusReport.js';
import { statusLines } from '../../cli/lib/statusText.js';
import type { BucketDemand } from '../../shared/resilience/fleetShares.js';
import type { FleetRoster, RosterMember } from '../../shared/storage/fleetRoster.js';

/** The Fleet part of `status` from rosters as `readFleetRoster` returns them (pure). */
describe('status: the fleet section', () => {
  const LEASE_MS = 15_000;
  const AS_OF = Date.parse('2026-12-07T02:00:00.000Z');
  const member = (
    id: string,
    buckets: Record<string, BucketDemand>,
    silentForMs = 2_000,
    readable = true,
  ): RosterMember => ({
    id,
    blobName: `fleet/members/${id}`,
    silentForMs,
    live: silentForMs <= LEASE_MS,
    readable,
    buckets,
  });
  const roster = (...members: RosterMember[]): FleetRoster => ({ serviceNow: AS_OF, members });
  const demand = (heldBack: boolean, sendsPerSecond: number, fleetRate?: number): BucketDemand => ({
    heldBack,
    sendsPerSecond,
    fleetRate,
  });

  it('pacing off and nobody on the roster: one line', () => {
    const fleet = buildFleetSection({ pacing: false, news: false }, LEASE_MS, roster());
    expect(fleetLines(fleet)).toEqual([
      'Fleet: pacing off — each process paces alone (FLEET_PACING off, FLEET_NEWS off)',
    ]);
    const containers = { source: 'uploads', ledger: 'mediamagic-ledger', results: 'mediamagic-results' };
    const poison = buildPoisonSection('blob-created-poison', { waiting: 0 }, []);
    const text = statusLines(buildStatusReport([], AS_OF, containers, poison, null, fleet));
    expect(text.slice(-3)).toEqual([
      'Fleet: pacing off — each process paces alone (FLEET_PACING off, FLEET_NEWS off)',
      '',
      'One file in detail: mediamagic-autosubmit status --blob <name>',
    ]);
  });

  it('divides each bucket at the median belief; members past the lease are gone, not listed', () => {
    const fleet = buildFleetSection(
      { pacing: true, news: false },
      LEASE_MS,
      roster(
        member('aaaaaaaa-1', { submission_write: demand(true, 6, 10) }),
        member('bbbbbbbb-2', { submission_write: demand(true, 7, 20) }),
        member('cccccccc-3', { submission_write: demand(false, 1, 30) }),
        member('dddddddd-4', { submission_write: demand(true, 9, 20) }, 40_000),
        member('eeeeeeee-5', {}, 1_000, false),
      ),
    );
    expect(fleet.roster).toMatchObject({ live: 3, gone: 1, unreadable: 1 });
    const bucket = fleet.roster?.buckets.submission_write;
    // c used 1/s: it is given 1.5/s of the median 20; a and b split the rest.
    expect(bucket).toMatchObject({ processes: 3, heldBack: 2, sendsPerSecond: 14, fleetRate: 20 });
    expect(bucket?.shares.map((s) => [s.id, s.share, s.ratePerSecond])).toEqual([
      ['aaaaaaaa-1', 0.4625, 9.25],
      ['bbbbbbbb-2', 0.4625, 9.25],
      ['cccccccc-3', 0.075, 1.5],
    ]);
    expect(fleetLines(fleet)).toEqual([
      'Fleet: FLEET_PACING on, FLEET_NEWS off; 3 processes live on the roster, 1 gone (silent past the ' +
        "15-s lease), 1 unreadable (another version's entry) (as of 2026-12-07T02:00:00.000Z)",
      '  submission_write   3 processes with work, 2 held back, 14.00 sends/s, fleet rate 20.00/s (median)',
      '    aaaaaaaa  held back        6.00 sends/s  share 46.3% = 9.25/s',
      '    bbbbbbbb  held back        7.00 sends/s  share 46.3% = 9.25/s',
      '    cccccccc  not held back    1.00 sends/s  share 7.5% = 1.50/s',
    ]);
  });

  it('only gone members: nobody live, and the roster still shows when pacing is off here', () => {
    const fleet = buildFleetSection(
      { pacing: false, news: true },
      LEASE_MS,
      roster(member('aaaaaaaa-1', { upload: demand(true, 3) }, 60_000)),
    );
    expect(fleetLines(fleet)).toEqual([
      'Fleet: FLEET_PACING off, FLEET_NEWS on; no process live on the roster (a process joins while it ' +
        'sends), 1 gone (silent past the 15-s lease) (as of 2026-12-07T02:00:00.000Z)',
    ]);
    expect(fleet.roster?.buckets).toEqual({});
  });

  it('a roster that could not be read: unavailable, with the reason', () => {
    const fleet = buildFleetSection({ pacing: true, news: true }, LEASE_MS, {
      error: 'no answer within 10 s',
    });
    expect(fleet).toEqual({
      pacing: true,
      news: true,
      leaseSeconds: 15,
      roster: null,
      rosterError: 'no answer within 10 s',
    });
    expect(fleetLines(fleet)).toEqual([
      'Fleet: FLEET_PACING on, FLEET_NEWS on; roster unavailable: no answer within 10 s',
    ]);
  });
});
