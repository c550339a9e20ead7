/**
 * The fleet benchmark's churn schedule: processes joining and leaving while the backlog is worked off, as
 * Flex Consumption scales the queue trigger out and in (and, now and then, loses an instance outright).
 */

/** What happens to the fleet at a step. */
export type ChurnAction =
  /** A new queue process starts. */
  | 'join'
  /** One queue process is sent SIGTERM: it stops receiving and finishes what it holds. */
  | 'leave'
  /** One queue process that is sending is SIGKILLed: it dies holding its claims and its share. */
  | 'kill';

/** One step: `action` once `atShare` of the files are submitted. */
export interface ChurnStep {
  readonly atShare: number;
  readonly action: ChurnAction;
}

/** How a fleet of `size` queue processes starts and changes. */
export interface ChurnPlan {
  readonly initial: number;
  readonly steps: readonly ChurnStep[];
}

/**
 * Size 1: one process, no churn. Size ≥ 3: N − 1 at first, the N-th joins at 25 % submitted, one leaves
 * (SIGTERM) at 50 % and a new one joins at 55 %, another is SIGKILLed at 60 % while it is sending. The
 * fleet never drops below N − 1, so the survivors of the kill (N − 1 of them) can use its share: the
 * benchmark measures whether they take it, not whether one process alone could carry the whole rate.
 */
export function churnPlan(size: number): ChurnPlan {
  if (size < 3) return { initial: size, steps: [] };
  return {
    initial: size - 1,
    steps: [
      { atShare: 0.25, action: 'join' },
      { atShare: 0.5, action: 'leave' },
      { atShare: 0.55, action: 'join' },
      { atShare: 0.6, action: 'kill' },
    ],
  };
}

/** A live queue process as the kill picks among them: its label and when it last finished a file. */
export interface Candidate {
  readonly label: string;
  /** Epoch ms of its recent invocation completions. */
  readonly completions: readonly number[];
}

/**
 * The process to SIGKILL: the one that finished the most files in the last `windowMs`, provided it
 * finished one in the last `recentMs` — the closest sign, from outside, that it is sending right now.
 * Undefined while none qualifies (the caller asks again shortly).
 */
export function busiest(
  candidates: readonly Candidate[],
  now: number,
  windowMs = 3_000,
  recentMs = 1_000,
): string | undefined {
  let best: { label: string; recent: number } | undefined;
  for (const c of candidates) {
    if (!c.completions.some((t) => t > now - recentMs)) continue;
    const recent = c.completions.filter((t) => t > now - windowMs).length;
    if (!best || recent > best.recent) best = { label: c.label, recent };
  }
  return best?.label;
}
