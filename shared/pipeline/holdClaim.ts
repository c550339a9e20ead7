/**
 * Holding a claim while a long step runs — the server-side copy (docs/design.md, decision 4, "The claim is
 * held while the copy runs"). A claim lasts one lease (`due`); past it the timer treats the claimant as dead
 * and re-drives the record. A copy may take longer than any one lease, so the drive renews the lease while
 * the copy runs, and the copy stops the moment the drive can no longer be sure the record is its own.
 *
 * The claim's `due` doubles as the lease's token: every renewal, and the take-over that starts a hold, is a
 * conditional write that lands only while `due` is still the value this drive read or last wrote. Any other
 * drive that takes the record over writes a later `due` first (it may only do so once the lease has lapsed,
 * so its `due` is past ours), and the next renewal of the old holder then loses.
 */
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import { Redactor } from '../logger.js';
import { saveRecord, type LostWrite, type SaveDeps } from './saveRecord.js';

/** Removes SAS signatures: the problem ends up in the record's `failure`, which operators and tools read. */
const redactor = new Redactor([]);

/** How a hold is timed. */
export interface HoldOptions {
  /** How far ahead each renewal moves `due` (`claimLeaseMs` of the invocation budget). */
  readonly leaseMs: number;
  /**
   * The hold ends at this epoch ms at the latest (and its signal aborts): the host's function timeout, less
   * what the drive needs after the held step. Absent outside the host (the CLI).
   */
  readonly stopByMs?: number;
}

/**
 * Why a hold ended before it was released. Each aborts the held step.
 * - `lost-ownership`: a renewal found the record moved on (another drive took it over, or a new generation
 *   started): stop and write nothing.
 * - `not-renewed`: renewals kept failing (storage errors, contention) and the lease is about to lapse; the
 *   step stops before another drive may start.
 * - `out-of-time`: the host's function timeout is near; the step stops while there is time to record why.
 */
export type HoldEnd =
  | { readonly kind: 'lost-ownership'; readonly message: string; readonly current?: LedgerRecord }
  | { readonly kind: 'not-renewed'; readonly message: string }
  | { readonly kind: 'out-of-time'; readonly message: string };

/** A claim being held. */
export interface ClaimHold {
  /** Aborts when the hold ends early (its reason is an Error with the {@link HoldEnd}'s message). */
  readonly signal: AbortSignal;
  /** The `due` this drive last wrote: the lease it holds, to pass to `saveRecord` as `lease`. */
  lease(): string;
  /** Stops renewing (after any renewal in flight settles); returns why the hold ended early, if it did. */
  release(): Promise<HoldEnd | undefined>;
}

/** The outcome of {@link holdClaim}: holding, or why the record could not be taken. */
export type HoldResult = { readonly kind: 'held'; readonly hold: ClaimHold } | LostWrite;

/**
 * Takes `record` (as read by this drive) for one lease, then keeps renewing it every third of a lease until
 * released. The first write is also a take-over: it lands only if `due` is still what this drive read, so of
 * two drives that read the same lapsed claim, one holds it and the other stops here.
 */
export async function holdClaim(
  deps: SaveDeps,
  record: LedgerRecord,
  options: HoldOptions,
): Promise<HoldResult> {
  const { clock } = deps;
  const { leaseMs, stopByMs } = options;
  const startedAt = clock.now();
  const taken = await saveRecord(
    deps,
    record,
    record.state,
    'claim held',
    { due: isoTimestamp(startedAt + leaseMs) },
    false,
    record.due,
  );
  if (taken.kind !== 'saved') return taken;

  let held = taken.record.due ?? isoTimestamp(startedAt + leaseMs);
  let leaseEnd = startedAt + leaseMs;
  let ended: HoldEnd | undefined;
  let lastProblem = '';
  const aborter = new AbortController();
  const released = new AbortController();
  const every = leaseMs / 3;
  // Stop a sixth of a lease before it lapses: room for the aborted calls to settle and for clock skew.
  const margin = leaseMs / 6;
  const context = { blob: record.source.name, generation: record.generation };

  const end = (why: HoldEnd): void => {
    ended = why;
    if (why.kind !== 'lost-ownership')
      deps.logger.warn('claim hold ended; the copy stops', {
        ...context,
        outcome: why.kind,
        reason: why.message,
      });
    aborter.abort(new Error(why.message));
  };

  const renewals = async (): Promise<void> => {
    let nextRenewal = startedAt + every;
    for (;;) {
      const giveUpAt = Math.min(leaseEnd - margin, stopByMs ?? Number.POSITIVE_INFINITY);
      try {
        await clock.sleep(Math.max(0, Math.min(nextRenewal, giveUpAt) - clock.now()), released.signal);
      } catch {
        return;
      }
      const now = clock.now();
      if (stopByMs !== undefined && now >= stopByMs) {
        return end({
          kind: 'out-of-time',
          message:
            "the copy did not finish in time: the host's function timeout (functionTimeout in host.json) is near",
        });
      }
      if (now >= leaseEnd - margin) {
        return end({
          kind: 'not-renewed',
          message: `the claim could not be renewed before its lease ran out${lastProblem ? ` (${lastProblem})` : ''}`,
        });
      }
      if (now < nextRenewal) continue;
      const due = isoTimestamp(now + leaseMs);
      try {
        const saved = await saveRecord(deps, record, record.state, 'claim renewed', { due }, false, held);
        if (saved.kind === 'saved') {
          held = saved.record.due ?? due;
          leaseEnd = now + leaseMs;
          nextRenewal = now + every;
        } else if (saved.kind === 'lost-ownership') {
          return end({
            kind: 'lost-ownership',
            message: 'the record moved on during the copy (another drive took it over, or a new generation)',
            ...(saved.current ? { current: saved.current } : {}),
          });
        } else {
          lastProblem = `ledger contention after ${saved.attempts} attempts`;
          nextRenewal = now + every / 4;
        }
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
        lastProblem = redactor.text(text).slice(0, 200);
        nextRenewal = now + every / 4;
      }
      if (released.signal.aborted) return;
    }
  };
  const running = renewals();

  return {
    kind: 'held',
    hold: {
      signal: aborter.signal,
      lease: () => held,
      async release() {
        released.abort();
        await running;
        return ended;
      },
    },
  };
}
