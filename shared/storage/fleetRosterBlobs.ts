/**
 * Fleet pacing's roster (docs/pacing.md, "Fleet pacing"): one empty blob per process under
 * `fleet/members/` in the ledger container, its metadata saying, per bucket, what the process used over its
 * latest heartbeat period. Every process reads the whole roster with one listing (metadata included) and
 * computes the same max-min fair division of each bucket's fleet rate (`fairShares`), then takes its part.
 *
 * - **No contention.** Each process writes only its own blob, so there is no ETag loop and no leader; a
 *   process that dies simply stops writing, and its blob stops counting one lease period after its last
 *   heartbeat.
 * - **No clock skew.** Liveness is judged on the storage service's clock: a blob counts while the listing's
 *   own `Date` minus the blob's `Last-Modified` (both set by the service) is within the lease. No process's
 *   clock enters it.
 * - **Off the send path, and only while sending.** Gates read shares from memory. A send noted more than a
 *   heartbeat after the last one starts a background heartbeat (one write, one listing); a process that is
 *   not sending makes no storage calls.
 * - **Never in the way.** A failed write or listing is logged once — until the next success — and the
 *   process keeps the last shares it computed (1 when it never knew of others): per-process pacing at the
 *   most conservative share it has seen.
 */
import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { OutageLog } from './outageLog.js';
import { believedFleetRate, fairShares, type MemberDemand } from '../resilience/fairShares.js';
import type { BucketDemand, FleetShares } from '../resilience/fleetShares.js';
import { FLEET_MEMBERS_PREFIX, readFleetRoster, rosterMetadata } from './fleetRoster.js';

export { FLEET_MEMBERS_PREFIX } from './fleetRoster.js';

/** Timings of {@link BlobFleetShares}; tests shorten them. */
export interface BlobFleetSharesOptions {
  /** The shortest time between two heartbeats (a write of this process's blob and a listing), in ms. */
  readonly heartbeatMs: number;
  /**
   * The first {@link joiningHeartbeats} heartbeats come this often instead (at most `heartbeatMs`): a fleet
   * that starts together meets its first 429s within a second or two of its first sends, and each process
   * must see the others by then to read them as the fleet's (docs/pacing.md, "Fleet pacing").
   */
  readonly joiningHeartbeatMs: number;
  /** How many heartbeats come {@link joiningHeartbeatMs} apart once the process starts sending. */
  readonly joiningHeartbeats: number;
  /**
   * A member counts for this long after its last heartbeat, by the storage service's clock. A process that
   * dies (or stops sending) stops counting after it, and the others see that at their next heartbeat: its
   * share is back in use within `leaseMs + heartbeatMs`.
   */
  readonly leaseMs: number;
  /** Blobs of members silent for this long are deleted (one per heartbeat), so the roster stays small. */
  readonly forgetAfterMs: number;
  /** The bound on each storage request, in ms. */
  readonly timeoutMs: number;
}

/**
 * A heartbeat every 5 s and a 15-s lease: a dead process's share is back in use within 20 s (three missed
 * heartbeats before it stops counting, so one slow write does not drop a live process); two storage
 * operations per 5 s per sending process, after four a second apart when it starts sending (eight
 * operations more per process's life).
 */
export const DEFAULT_FLEET_SHARES_OPTIONS: BlobFleetSharesOptions = Object.freeze({
  heartbeatMs: 5_000,
  joiningHeartbeatMs: 1_000,
  joiningHeartbeats: 4,
  leaseMs: 15_000,
  forgetAfterMs: 10 * 60_000,
  timeoutMs: 3_000,
});

/** Counters for tests and benchmarks. */
export interface FleetSharesStats {
  readonly heartbeats: number;
  readonly listings: number;
  readonly deletes: number;
  readonly failures: number;
  /** Members counted by the latest listing, this process included. */
  readonly members: number;
}

/** What a period of sends on one bucket added up to. */
interface Usage {
  sends: number;
  /** Of the sends, those refused (429) — settled in this period, whenever granted. */
  refused: number;
  heldBack: boolean;
  fleetRate: number | undefined;
}

/** {@link FleetShares} over per-process blobs of the ledger container. */
export class BlobFleetShares implements FleetShares {
  /** This process's roster id; a new one per process, so a restarted process never inherits a lease. */
  readonly id = randomUUID();
  readonly #container: ContainerClient;
  readonly #clock: Clock;
  readonly #options: BlobFleetSharesOptions;
  /** Sends noted since the latest heartbeat, per bucket. */
  #usage = new Map<string, Usage>();
  #periodStart: number;
  /** Buckets this process has reported before: a bucket's first report counts as wanting more. */
  readonly #reported = new Set<string>();
  #shares = new Map<string, number>();
  #fleetRates = new Map<string, number>();
  #othersPerSecond = new Map<string, number>();
  #lastHeartbeatAt = Number.NEGATIVE_INFINITY;
  #beating: Promise<void> | undefined;
  readonly #outage: OutageLog;
  #closed = false;
  #stats = { heartbeats: 0, listings: 0, deletes: 0, failures: 0, members: 1 };

  constructor(
    container: ContainerClient,
    clock: Clock,
    logger: Logger,
    options: Partial<BlobFleetSharesOptions> = {},
  ) {
    this.#container = container;
    this.#clock = clock;
    this.#outage = new OutageLog(logger, {
      unavailable: 'fleet pacing unavailable; carrying on at the last known share',
      availableAgain: 'fleet pacing available again',
      where: { prefix: FLEET_MEMBERS_PREFIX },
    });
    this.#options = { ...DEFAULT_FLEET_SHARES_OPTIONS, ...options };
    this.#periodStart = clock.now();
  }

  /** @inheritdoc */
  noteSend(bucket: string, waited: boolean, fleetRate: number | undefined): void {
    const usage = this.#usage.get(bucket) ?? { sends: 0, refused: 0, heldBack: false, fleetRate: undefined };
    usage.sends += 1;
    usage.heldBack ||= waited;
    usage.fleetRate = fleetRate;
    this.#usage.set(bucket, usage);
    this.#heartbeatIfDue();
  }

  /** @inheritdoc */
  noteRefused(bucket: string): void {
    // A period with no send on the bucket reports nothing for it, a late refusal included.
    const usage = this.#usage.get(bucket);
    if (usage !== undefined) usage.refused += 1;
  }

  /** @inheritdoc */
  share(bucket: string): number {
    return this.#shares.get(bucket) ?? 1;
  }

  /** @inheritdoc */
  fleetRate(bucket: string): number | undefined {
    return this.#fleetRates.get(bucket);
  }

  /** @inheritdoc */
  othersPerSecond(bucket: string): number {
    return this.#othersPerSecond.get(bucket) ?? 0;
  }

  /** Counters for tests and benchmarks. */
  stats(): FleetSharesStats {
    return { ...this.#stats };
  }

  /** Resolves when no heartbeat is in flight (tests). */
  async settled(): Promise<void> {
    while (this.#beating) await this.#beating;
  }

  /**
   * Leaves the fleet: deletes this process's blob so the others take its share at their next heartbeat
   * rather than after the lease. Best effort — a process that cannot delete it is dropped after the lease.
   * A process that never sent has no blob, and makes no call (a CLI command that builds the app's deps).
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.settled();
    if (this.#stats.heartbeats === 0) return;
    try {
      await this.#container.getBlobClient(this.#blobName()).deleteIfExists({
        abortSignal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch {
      // The lease drops it anyway.
    }
  }

  #blobName(): string {
    return `${FLEET_MEMBERS_PREFIX}${this.id}`;
  }

  #heartbeatIfDue(): void {
    const now = this.#clock.now();
    const { heartbeatMs, joiningHeartbeatMs, joiningHeartbeats } = this.#options;
    // `heartbeats` counts every heartbeat started, failed ones included: the first few come sooner.
    const joining = this.#stats.heartbeats < joiningHeartbeats;
    const every = joining ? Math.min(joiningHeartbeatMs, heartbeatMs) : heartbeatMs;
    if (this.#closed || this.#beating || now - this.#lastHeartbeatAt < every) return;
    this.#lastHeartbeatAt = now;
    this.#beating = this.#heartbeat(now).finally(() => {
      this.#beating = undefined;
    });
  }

  /** Publishes the period that just ended, reads the roster, and recomputes this process's shares. */
  async #heartbeat(now: number): Promise<void> {
    const demand = this.#closePeriod(now);
    try {
      await this.#publish(demand);
      const others = await this.#listOthers();
      this.#recompute(demand, others);
      this.#outage.succeeded();
    } catch (error) {
      this.#stats.failures += 1;
      this.#outage.failed(error);
    }
  }

  /** What this process used per bucket since the previous heartbeat; starts the next period. */
  #closePeriod(now: number): Map<string, BucketDemand> {
    const seconds = Math.max(1, (now - this.#periodStart) / 1000);
    const demand = new Map<string, BucketDemand>();
    for (const [bucket, usage] of this.#usage) {
      const first = !this.#reported.has(bucket);
      this.#reported.add(bucket);
      demand.set(bucket, {
        // A refusal settled in a later period than its send: never below nothing.
        sendsPerSecond: Math.max(0, usage.sends - usage.refused) / seconds,
        // A newcomer cannot know yet whether its part will do: it asks for an equal one.
        heldBack: usage.heldBack || first,
        fleetRate: usage.fleetRate,
      });
    }
    this.#usage = new Map();
    this.#periodStart = now;
    return demand;
  }

  async #publish(demand: ReadonlyMap<string, BucketDemand>): Promise<void> {
    this.#stats.heartbeats += 1;
    await this.#container.getBlockBlobClient(this.#blobName()).upload('', 0, {
      metadata: rosterMetadata(demand),
      abortSignal: AbortSignal.timeout(this.#options.timeoutMs),
    });
  }

  /** The other live members' demands per bucket; forgets one long-silent member per call. */
  async #listOthers(): Promise<Map<string, MemberDemand[]>> {
    this.#stats.listings += 1;
    const roster = await readFleetRoster(this.#container, {
      leaseMs: this.#options.leaseMs,
      signal: AbortSignal.timeout(this.#options.timeoutMs),
      fallbackNow: () => this.#clock.now(),
    });
    const byBucket = new Map<string, MemberDemand[]>();
    let members = 1;
    let forget: string | undefined;
    for (const member of roster.members) {
      if (member.id === this.id) continue;
      if (member.silentForMs > this.#options.forgetAfterMs) forget ??= member.blobName;
      if (!member.live || !member.readable) continue;
      members += 1;
      for (const [bucket, demand] of Object.entries(member.buckets)) {
        const list = byBucket.get(bucket) ?? [];
        list.push({ id: member.id, ...demand });
        byBucket.set(bucket, list);
      }
    }
    this.#stats.members = members;
    if (forget !== undefined) this.#forget(forget);
    return byBucket;
  }

  #forget(name: string): void {
    this.#stats.deletes += 1;
    this.#container
      .getBlobClient(name)
      .deleteIfExists({ abortSignal: AbortSignal.timeout(this.#options.timeoutMs) })
      .catch(() => undefined); // another process may have forgotten it first; the next listing retries
  }

  /**
   * This process's share of every bucket it uses or the others use, and the fleet rate others believe in
   * (their median), from the demand it just published and the others' latest.
   */
  #recompute(own: ReadonlyMap<string, BucketDemand>, others: ReadonlyMap<string, MemberDemand[]>): void {
    const shares = new Map<string, number>();
    const fleetRates = new Map<string, number>();
    const othersPerSecond = new Map<string, number>();
    for (const bucket of new Set([...own.keys(), ...others.keys(), ...this.#shares.keys()])) {
      const theirs = others.get(bucket) ?? [];
      const theirRate = believedFleetRate(theirs);
      if (theirRate !== undefined) fleetRates.set(bucket, theirRate);
      othersPerSecond.set(
        bucket,
        theirs.reduce((sum, m) => sum + m.sendsPerSecond, 0),
      );
      // A bucket this process did not use in the period still gets the part it would as a newcomer.
      const mine = own.get(bucket) ?? { sendsPerSecond: 0, heldBack: true, fleetRate: undefined };
      const members: MemberDemand[] = [{ id: this.id, ...mine }, ...theirs];
      const share = fairShares(members, mine.fleetRate ?? theirRate).get(this.id) ?? 1;
      shares.set(bucket, share);
    }
    this.#shares = shares;
    this.#fleetRates = fleetRates;
    this.#othersPerSecond = othersPerSecond;
  }
}
