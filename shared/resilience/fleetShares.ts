/**
 * Fleet pacing (docs/pacing.md, "Fleet pacing"): one API key's rate is one budget for every process that
 * sends with it. Each process paces at its **share** of the bucket's fleet rate, and the shares of the
 * processes that have work add up to one.
 *
 * This is the port the gates talk to; where the roster of processes lives (blobs in the ledger container)
 * is an adapter's business. Every method is synchronous and answers from memory — no storage call is ever
 * on a send's path — and never throws: when the roster cannot be read, the adapter keeps the last share it
 * knew (or 1, as a process alone), which is today's per-process pacing at a conservative share.
 */

/** What one process tells the fleet about its use of one bucket over the latest heartbeat period. */
export interface BucketDemand {
  /**
   * Sends granted per second over the period, less those the server refused (429): what the process got
   * through. A refused send used none of the rate, and counted, a slow start's flood of 429s read as use
   * (and, to the others, as what the fleet got through: eight processes starting together believed in up to
   * 51/s for a 20/s key).
   */
  readonly sendsPerSecond: number;
  /** Whether any of them had to wait for the pace: the process wanted more than its share. */
  readonly heldBack: boolean;
  /** Its pace divided by its share: what it believes the whole fleet may send (undefined while unpaced). */
  readonly fleetRate: number | undefined;
}

/** The port {@link BucketGate} uses. */
export interface FleetShares {
  /**
   * Records one send granted on `bucket`: asking says this process has work there, and the adapter keeps
   * its membership fresh only while it is asked.
   * @param waited the send had to wait for the pace (or the window): this process wants more than it has
   * @param fleetRate the gate's pace ÷ its share, undefined while unpaced
   */
  noteSend(bucket: string, waited: boolean, fleetRate: number | undefined): void;
  /** Records that a send granted on `bucket` was refused (429): it does not count as sent. */
  noteRefused(bucket: string): void;
  /** This process's share of `bucket`'s fleet rate, in (0, 1]; 1 while it knows of no other process. */
  share(bucket: string): number;
  /**
   * The fleet rate the other processes with work on `bucket` believe in (their median), so that a process
   * joining a fleet that has learned a pace starts at its share of it instead of flooding the key in slow
   * start; undefined when none has one.
   */
  fleetRate(bucket: string): number | undefined;
  /**
   * What the other live processes with work on `bucket` sent per second over their latest heartbeat
   * periods (0 when alone): with this process's own accepts, what the whole fleet got through.
   */
  othersPerSecond(bucket: string): number;
}
