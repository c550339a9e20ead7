/**
 * The host's function timeout (`functionTimeout` in host.json) and the time budgets that must fit within
 * it (docs/design.md, "Platform facts the design rests on").
 *
 * An invocation that outlives the timeout is not merely cut off: the host restarts the worker process, and
 * every other invocation running in it goes down too. A budget is the time an invocation or a polling run
 * may keep starting work, so a budget as long as the timeout promises work the host will not let finish.
 *
 * One constant rather than reading host.json at start-up: loading the app stays free of file reads and
 * `loadConfig` stays a function of its settings; `functionTimeout.test.ts` fails when host.json disagrees.
 */
/** host.json's `functionTimeout` ("00:30:00"), in seconds. */
export const FUNCTION_TIMEOUT_SECONDS = 30 * 60;

/** The budget settings the timeout bounds, and what each budget is of (for the error). */
const BUDGETS = {
  INVOCATION_BUDGET_SECONDS: 'a submission',
  POLL_BUDGET_SECONDS: 'a polling run',
  SWEEP_BUDGET_SECONDS: 'a sweep run',
} as const;

/** One problem per budget that is not shorter than the function timeout; unset budgets are skipped. */
export function budgetTimeoutProblems(
  values: Readonly<Record<keyof typeof BUDGETS, number | undefined>>,
  timeoutSeconds: number = FUNCTION_TIMEOUT_SECONDS,
): string[] {
  const problems: string[] = [];
  for (const [name, what] of Object.entries(BUDGETS) as [keyof typeof BUDGETS, string][]) {
    const budget = values[name];
    if (budget === undefined || budget < timeoutSeconds) continue;
    problems.push(
      `${name} must be shorter than the host's function timeout, ${timeoutSeconds} seconds ` +
        `(functionTimeout in host.json): the host would stop ${what} before its budget ran out and ` +
        `restart the worker (got ${budget})`,
    );
  }
  return problems;
}

/**
 * How long before the function timeout an invocation stops its own long work (the copy), so it ends with its
 * record written instead of being cut off mid-write by the host.
 */
export const HOST_STOP_MARGIN_MS = 60_000;

/**
 * The time by which an invocation that started at `invocationStartMs` must have finished its writes: the
 * host's function timeout from that start, less {@link HOST_STOP_MARGIN_MS}.
 */
export function hostStopAt(
  invocationStartMs: number,
  timeoutSeconds: number = FUNCTION_TIMEOUT_SECONDS,
): number {
  return invocationStartMs + timeoutSeconds * 1000 - HOST_STOP_MARGIN_MS;
}
