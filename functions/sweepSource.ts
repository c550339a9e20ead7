/**
 * The reconciliation sweep's timer (docs/design.md, decision 13, "The reconciliation sweep"): each run walks
 * the source container on from its persisted cursor and drives the blobs whose BlobCreated event never
 * arrived. A thin adapter over `shared/sweep/sweepRun.ts`, loaded on the first run so that loading the app
 * stays cheap (`shared/app/lazyAppDeps.ts`).
 *
 * Each run first drains the BlobCreated trigger's poison queue, then sweeps
 * (`shared/sweep/recoveryRun.ts`); the summary has one entry per step.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import type { AppDeps } from '../shared/app/appDeps.js';
import { getAppDepsLazily, lazily } from '../shared/app/lazyAppDeps.js';
import { checkSettingsAtStartup } from '../shared/app/startupCheck.js';
import { closeDepsOnTerminate } from '../shared/app/terminateHook.js';
import { sweepScheduleToRegister } from '../shared/config/settings.js';
import { contextLogger } from '../shared/contextLogger.js';
import { LOG_LINES } from '../shared/telemetry/names.js';
import type { RecoverySummary } from '../shared/sweep/recoveryRun.js';

const recovery = lazily(() => import('../shared/sweep/recoveryRun.js'));

/** What one timer run did, step by step. */
export type SweepSourceSummary = RecoverySummary;

/** Builds the handler over a deps provider (the composition root in production, test deps in tests). */
export function makeSweepSourceHandler(getDeps: () => Promise<AppDeps>) {
  return async (timer: Timer | undefined, context: InvocationContext): Promise<SweepSourceSummary> => {
    const deps = await getDeps();
    const logger = contextLogger(context);
    const { runRecovery } = await recovery();
    const sweepDeps = deps.sweepDeps(logger);
    const summary = await runRecovery({
      sweep: sweepDeps,
      poison: () => deps.poisonDeps(logger),
      clock: deps.clock,
      logger: sweepDeps.logger,
    });
    // The poison-backlog alert reads this line's `poison` part by its prefix and field names.
    context.log(
      `${LOG_LINES.recoveryRun} ${JSON.stringify({ ...summary, isPastDue: timer?.isPastDue ?? false })}`,
    );
    return summary;
  };
}

/** The registered handler. */
export const sweepSource = makeSweepSourceHandler(getAppDepsLazily);

checkSettingsAtStartup();
closeDepsOnTerminate();

app.timer('sweepSource', {
  // Resolved at registration, like POLL_SCHEDULE: an unset %SWEEP_SCHEDULE% would leave the host an
  // expression it cannot resolve, and the sweep would never run (docs/design.md, decision 9).
  schedule: sweepScheduleToRegister(),
  handler: async (timer, context) => {
    await sweepSource(timer, context);
  },
});
