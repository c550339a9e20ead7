/**
 * Samples, once a second, what bench/soak/pacedThroughput.ts turns into paced throughput per bucket: the
 * emulator's answers per rate-limit bucket (`bucketStats()`, in this process, read at the tick) and the
 * backlogs in front of them — files not yet submitted (uploads so far minus MediaMagic's submissions, both
 * known at the tick) and records due for a follow-up (a ledger query, refreshed each tick; a sample carries
 * the latest answer, at most about a second old).
 */
import type { EmulatorHandle } from '../../emulator/server.js';
import type { BlobLedger } from '../../shared/ledger/blobLedger.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import {
  PACED_BUCKETS,
  type BucketSample,
  type PacedBucket,
  type ThroughputSample,
} from './pacedThroughput.js';

/** States whose `due` means a status read is waiting: the timer polls or probes them once due. */
const FOLLOW_UP_STATES: readonly LedgerState[] = ['submitted', 'retry-pending', 'submitted-unconfirmed'];
const EVERY_MS = 1_000;

/** A running sampler. */
export interface ThroughputSampler {
  /** Stops sampling (one last sample first, the first time) and returns every sample, oldest first. */
  stop(): ThroughputSample[];
}

/** Starts sampling now; `uploaded` says how many files the soak has put into the watched container so far. */
export function startThroughputSampler(
  emulator: EmulatorHandle,
  ledger: BlobLedger,
  uploaded: () => number,
): ThroughputSampler {
  const samples: ThroughputSample[] = [];
  let dueForFollowUp: number | undefined;
  let reading = false;
  const refresh = (): void => {
    if (reading) return;
    reading = true;
    void countDueForFollowUp(ledger)
      .then((n) => (dueForFollowUp = n))
      .catch(() => undefined)
      .finally(() => (reading = false));
  };
  const sample = (): void => {
    const counters = emulator.bucketStats();
    const buckets = Object.fromEntries(
      PACED_BUCKETS.map((b): [PacedBucket, BucketSample] => [
        b,
        { accepted: counters[b].accepted, refusedByFault: counters[b].refusedByFault },
      ]),
    ) as Record<PacedBucket, BucketSample>;
    samples.push({
      at: Date.now(),
      waitingToSubmit: Math.max(0, uploaded() - emulator.stats().submissions.created),
      dueForFollowUp,
      buckets,
    });
    refresh();
  };
  sample();
  const timer = setInterval(sample, EVERY_MS);
  let stopped = false;
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        sample();
      }
      return samples;
    },
  };
}

/** Records in a follow-up state whose `due` has come. */
async function countDueForFollowUp(ledger: BlobLedger): Promise<number> {
  const [due, ...byState] = await Promise.all([
    ledger.findDue(new Date().toISOString(), 100_000),
    ...FOLLOW_UP_STATES.map((state) => ledger.findByState(state, 100_000)),
  ]);
  const following = new Set(byState.flat());
  return (due ?? []).filter((key) => following.has(key)).length;
}
