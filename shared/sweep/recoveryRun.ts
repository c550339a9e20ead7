/**
 * One run of the scheduled recovery (docs/design.md, decision 13): first the BlobCreated trigger's poison
 * queue — each message there names a file the trigger gave up on, the surest sign of work lost — then the
 * sweep over the source container for files no event announced. Both share the run's budget
 * (`SWEEP_BUDGET_SECONDS`), so the run as a whole stays inside the host's function timeout.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { drainPoisonQueue, type DrainSummary } from '../poison/drainPoisonQueue.js';
import type { PoisonDeps } from '../poison/poisonDeps.js';
import type { SweepDeps } from './sweepDeps.js';
import { runSweep, type SweepSummary } from './sweepRun.js';

/**
 * The share of the budget the poison drain may start messages in. Poison messages are few (each is a trigger
 * that failed five times) and capped per run; the rest of the budget is the sweep's.
 */
export const POISON_SHARE_OF_BUDGET = 0.25;

/** What the run needs: the sweep's deps and, loaded on demand, the drain's. */
export interface RecoveryDeps {
  readonly sweep: SweepDeps;
  readonly poison: () => Promise<PoisonDeps>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What one run did, step by step. */
export interface RecoverySummary {
  /** The poison drain, or why it could not run (the queue could not be read: the sweep still runs). */
  readonly poison: DrainSummary | { readonly error: string };
  /** The source-container sweep. */
  readonly sweep: SweepSummary;
}

/** Drains the poison queue, then sweeps with what is left of the budget; neither step's failure stops the other. */
export async function runRecovery(deps: RecoveryDeps): Promise<RecoverySummary> {
  const { clock, logger } = deps;
  const budgetMs = deps.sweep.settings.budgetMs;
  const startedAt = clock.now();
  const poison = await drainPoison(deps, startedAt + budgetMs * POISON_SHARE_OF_BUDGET);
  // Drives the drain started may run past its deadline; the sweep gets what remains, at least a little, so a
  // long drain never starves the sweep for ever.
  const remainingMs = Math.max(budgetMs - (clock.now() - startedAt), budgetMs * 0.1);
  const sweep = await runSweep({
    ...deps.sweep,
    settings: { ...deps.sweep.settings, budgetMs: remainingMs },
  });
  if (!('error' in poison) && poison.givenUp + poison.unreadable > 0)
    logger.warn('poison messages needed a person this run (each was logged with ALERT)', {
      givenUp: poison.givenUp,
      unreadable: poison.unreadable,
    });
  return { poison, sweep };
}

async function drainPoison(deps: RecoveryDeps, deadlineMs: number): Promise<RecoverySummary['poison']> {
  try {
    return await drainPoisonQueue(await deps.poison(), { deadlineMs });
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    deps.logger.error('ALERT: the poison queue could not be read; its messages wait for the next run', {
      error: message,
    });
    return { error: message };
  }
}
