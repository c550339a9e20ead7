/**
 * The timer (docs/design.md, decision 9): polling as the safety net. Each run works through the ledger
 * records whose `due` time has come — re-drives pending submissions, follows in-flight ones, retries
 * retryable assets, writes results, reconciles unconfirmed submissions, flags stuck ones. A thin adapter over
 * `shared/pipeline/pollDue.ts`, loaded on the first run so that loading the app stays cheap
 * (`shared/app/lazyAppDeps.ts`).
 */
// First: telemetry starts (when configured) before @azure/functions loads; see the module.
import '../shared/telemetry/register.js';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import type { AppDeps } from '../shared/app/appDeps.js';
import { contextLogger } from '../shared/contextLogger.js';
import { getAppDepsLazily, lazily } from '../shared/app/lazyAppDeps.js';
import { checkSettingsAtStartup } from '../shared/app/startupCheck.js';
import { closeDepsOnTerminate } from '../shared/app/terminateHook.js';
import { pollScheduleToRegister } from '../shared/config/settings.js';
import type { PollSummary } from '../shared/pipeline/pollDue.js';
import { LOG_LINES, SPANS } from '../shared/telemetry/names.js';

const pipeline = lazily(async () => {
  const [{ pollDue }, { recordLastPollRun }] = await Promise.all([
    import('../shared/pipeline/pollDue.js'),
    import('../shared/pipeline/recordLastPollRun.js'),
  ]);
  return { pollDue, recordLastPollRun };
});
// Even @opentelemetry/api waits for the first run: loading the app stays cheap.
const telemetry = lazily(async () => {
  const [{ inSpan }, { recordPollRun }] = await Promise.all([
    import('../shared/telemetry/telemetry.js'),
    import('../shared/telemetry/recordPollRun.js'),
  ]);
  return { inSpan, recordPollRun };
});

/** Builds the handler over a deps provider (the composition root in production, test deps in tests). */
export function makePollSubmissionsHandler(getDeps: () => Promise<AppDeps>) {
  return async (timer: Timer | undefined, context: InvocationContext): Promise<PollSummary> => {
    const { inSpan, recordPollRun } = await telemetry();
    return inSpan(SPANS.pollRun, {}, async () => {
      const { pollDue, recordLastPollRun } = await pipeline();
      const deps = await getDeps();
      const pollDeps = deps.pollDeps(contextLogger(context));
      const summary = await pollDue(pollDeps);
      recordPollRun({ ...summary, stuck: stuckIn(summary) });
      // The pace of each bucket beside the run's counts: a run that handed records off for a rate-limit pause
      // says here how slow the bucket was. The heartbeat alert counts these lines by their prefix; `status`
      // reads the same figures from the last run's document.
      const pace = deps.resilience.gates.snapshot();
      await recordLastPollRun(deps, summary, pace, pollDeps.logger);
      context.log(
        `${LOG_LINES.pollRun} ${JSON.stringify({ ...summary, isPastDue: timer?.isPastDue ?? false, pace })}`,
      );
      return summary;
    });
  };
}

/** Records this run moved to `stuck` (outcomes are counted by `<state before>→<what happened>`). */
function stuckIn(summary: PollSummary): number {
  return Object.entries(summary.outcomes)
    .filter(([outcome]) => outcome.endsWith('→stuck'))
    .reduce((sum, [, count]) => sum + count, 0);
}

/** The registered handler. */
export const pollSubmissions = makePollSubmissionsHandler(getAppDepsLazily);

checkSettingsAtStartup();
closeDepsOnTerminate();

app.timer('pollSubmissions', {
  // Resolved here rather than as `%POLL_SCHEDULE%`: unset, the host could not resolve the expression and the
  // safety net would never run (docs/design.md, decision 9).
  schedule: pollScheduleToRegister(),
  handler: async (timer, context) => {
    await pollSubmissions(timer, context);
  },
});
