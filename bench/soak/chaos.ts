/**
 * What the soak throws at the pipeline through the emulator's controls, all at once: 10 % of API calls
 * answered 500/502, 2 % of submission creations processed but their response lost, webhook chaos (5 %
 * dropped, 5 % duplicated, all reordered in 250 ms windows), and a burst of 429s every 10 s on top of the
 * real rate limits the stack starts the emulator with. The scripted asset outcomes are in the file names
 * (bench/soak/files.ts).
 */
import { burst, type FaultRule } from '../../emulator/faults.js';
import type { EmulatorHandle } from '../../emulator/server.js';

/** The running fault schedule. */
export interface Chaos {
  /** Ends the 429 bursts (the steady faults and the webhook chaos stay: the host is stopped next). */
  stop(): void;
}

/** Sets the steady faults and the webhook chaos, and starts the 429 bursts. */
export function startChaos(emulator: EmulatorHandle): Chaos {
  // First, so its 2 % is of all creations: the submission is created, the answer never arrives.
  const steady: FaultRule[] = [
    { route: 'submissions.create', fault: { kind: 'resetAfter' }, probability: 0.02 },
    { route: '*', fault: { kind: 'status', status: 500 }, probability: 0.05 },
    { route: '*', fault: { kind: 'status', status: 502 }, probability: 0.05 / 0.95 },
  ];
  emulator.controls.faults.set(steady);
  emulator.controls.webhooks.setChaos({
    dropProbability: 0.05,
    duplicateProbability: 0.05,
    reorderWindowMs: 250,
  });
  // Every 10 s, a burst: the next 20 API calls answer 429 — but only within 3 s. Bounded in time as well
  // as in count, so a quiet tail of the run is not starved by bursts that nobody consumed.
  let burstEnd: NodeJS.Timeout | undefined;
  const bursts = setInterval(() => {
    emulator.controls.faults.set([
      ...steady,
      { route: '*', sequence: burst({ kind: 'rateLimit', retryAfterSeconds: 1 }, 20) },
    ]);
    burstEnd = setTimeout(() => emulator.controls.faults.set(steady), 3_000);
  }, 10_000);
  return {
    stop() {
      clearInterval(bursts);
      clearTimeout(burstEnd);
    },
  };
}
