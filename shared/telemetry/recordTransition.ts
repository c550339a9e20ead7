/**
 * The metrics of one ledger state change: the transition count, and for a terminal state the time since the
 * submission. Plain values in, so the ledger's types stay out of the telemetry folder.
 */
import { ATTRIBUTES } from './names.js';
import { instruments } from './telemetry.js';

/** What {@link recordTransition} needs to know about one state change. */
export interface TransitionFacts {
  readonly from: string;
  readonly to: string;
  /** True when `to` is terminal (complete, rejected, dead-lettered). */
  readonly terminal: boolean;
  /** When the generation was submitted (epoch ms), if it was. */
  readonly submittedAtMs?: number | undefined;
  readonly nowMs: number;
}

/** Counts the transition and, entering a terminal state after a submission, records the time it took. */
export function recordTransition(facts: TransitionFacts): void {
  const metrics = instruments();
  metrics.transitions.add(1, { [ATTRIBUTES.fromState]: facts.from, [ATTRIBUTES.toState]: facts.to });
  if (facts.terminal && facts.submittedAtMs !== undefined && Number.isFinite(facts.submittedAtMs)) {
    metrics.timeToTerminal.record(Math.max(0, (facts.nowMs - facts.submittedAtMs) / 1000), {
      [ATTRIBUTES.toState]: facts.to,
    });
  }
}
