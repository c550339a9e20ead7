/**
 * The reconciliation sweep's timer (docs/design.md, decision 13, "The reconciliation sweep"): each run walks
 * the source container on from its persisted cursor and drives the blobs whose BlobCreated event never
 * arrived. A thin adapter over `shared/sweep/sweepRun.ts`, loaded on the first run so that loading the app
 * stays cheap (`shared/app/lazyAppDeps.ts`).
 *
 * The run is a list of steps, each with its own entry in the summary, so another recovery step (reading the
 * events' poison queue, say) is one more entry in {@link makeSweepSourceHandler}.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import type { AppDeps } from '../shared/app/appDeps.js';
import { getAppDepsLazily, lazily } from '../shared/app/lazyAppDeps.js';
import { checkSettingsAtStartup } from '../shared/app/startupCheck.js';
import { sweepScheduleToRegister } from '../shared/config/settings.js';
import { contextLogger } from '../shared/contextLogger.js';
import type { SweepSummary } from '../shared/sweep/sweepRun.js';

const sweep = lazily(() => import('../shared/sweep/sweepRun.js'));

/** What one timer run did, step by step. */
export interface SweepSourceSummary {
  /** The source-container sweep. */
  readonly sweep: SweepSummary;
}

/** Builds the handler over a deps provider (the composition root in production, test deps in tests). */
export function makeSweepSourceHandler(getDeps: () => Promise<AppDeps>) {
  return async (timer: Timer | undefined, context: InvocationContext): Promise<SweepSourceSummary> => {
    const deps = await getDeps();
    const logger = contextLogger(context);
    const { runSweep } = await sweep();
    const summary: SweepSourceSummary = {
      sweep: await runSweep(deps.sweepDeps(logger)),
      // Further recovery steps go here, each under its own key.
    };
    context.log(`sweepSource: ${JSON.stringify({ ...summary, isPastDue: timer?.isPastDue ?? false })}`);
    return summary;
  };
}

/** The registered handler. */
export const sweepSource = makeSweepSourceHandler(getAppDepsLazily);

checkSettingsAtStartup();

app.timer('sweepSource', {
  // Resolved at registration, like POLL_SCHEDULE: an unset %SWEEP_SCHEDULE% would leave the host an
  // expression it cannot resolve, and the sweep would never run (docs/design.md, decision 9).
  schedule: sweepScheduleToRegister(),
  handler: async (timer, context) => {
    await sweepSource(timer, context);
  },
});
