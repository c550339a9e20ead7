import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { load, problemsOf, MINIMAL } from '../../test/support/configEnv.js';
import { budgetTimeoutProblems, FUNCTION_TIMEOUT_SECONDS } from './functionTimeout.js';

/** host.json's `functionTimeout`, a `hh:mm:ss` TimeSpan, in seconds. */
const HostJson = z.object({
  functionTimeout: z
    .string()
    .regex(/^\d{2}:[0-5]\d:[0-5]\d$/, 'must be hh:mm:ss')
    .transform((span) => {
      const [hours = 0, minutes = 0, seconds = 0] = span.split(':').map(Number);
      return hours * 3600 + minutes * 60 + seconds;
    }),
});

describe("the host's function timeout", () => {
  it("is host.json's functionTimeout, which Flex Consumption lets finish on scale-in (60 minutes)", () => {
    const hostJson = HostJson.parse(
      JSON.parse(readFileSync(path.resolve(process.cwd(), 'host.json'), 'utf8')) as unknown,
    );
    expect(hostJson.functionTimeout).toBe(FUNCTION_TIMEOUT_SECONDS);
    expect(FUNCTION_TIMEOUT_SECONDS).toBeLessThanOrEqual(60 * 60);
  });
});

describe('budgetTimeoutProblems', () => {
  const fits = { INVOCATION_BUDGET_SECONDS: 120, POLL_BUDGET_SECONDS: 240, SWEEP_BUDGET_SECONDS: 240 };

  it('accepts budgets shorter than the timeout, and skips unset ones', () => {
    expect(budgetTimeoutProblems(fits, 300)).toEqual([]);
    expect(
      budgetTimeoutProblems(
        { INVOCATION_BUDGET_SECONDS: 299, POLL_BUDGET_SECONDS: 299, SWEEP_BUDGET_SECONDS: 299 },
        300,
      ),
    ).toEqual([]);
    expect(
      budgetTimeoutProblems(
        {
          INVOCATION_BUDGET_SECONDS: undefined,
          POLL_BUDGET_SECONDS: undefined,
          SWEEP_BUDGET_SECONDS: undefined,
        },
        1,
      ),
    ).toEqual([]);
  });

  it('names each budget as long as or longer than the timeout, with the timeout and the value', () => {
    expect(budgetTimeoutProblems({ ...fits, INVOCATION_BUDGET_SECONDS: 300 }, 300)).toEqual([
      "INVOCATION_BUDGET_SECONDS must be shorter than the host's function timeout, 300 seconds " +
        '(functionTimeout in host.json): the host would stop a submission before its budget ran out and ' +
        'restart the worker (got 300)',
    ]);
    expect(
      budgetTimeoutProblems(
        { INVOCATION_BUDGET_SECONDS: 400, POLL_BUDGET_SECONDS: 500, SWEEP_BUDGET_SECONDS: 600 },
        300,
      ),
    ).toEqual([
      expect.stringMatching(/^INVOCATION_BUDGET_SECONDS must be shorter .* \(got 400\)$/),
      expect.stringMatching(/^POLL_BUDGET_SECONDS must be shorter .* a polling run .* \(got 500\)$/),
      expect.stringMatching(/^SWEEP_BUDGET_SECONDS must be shorter .* a sweep run .* \(got 600\)$/),
    ]);
  });
});

describe('loadConfig — budgets within the function timeout', () => {
  it('accepts the defaults and the longest budget shorter than the timeout', () => {
    expect(load().invocationBudgetSeconds).toBe(120);
    const longest = String(FUNCTION_TIMEOUT_SECONDS - 1);
    const config = load({
      INVOCATION_BUDGET_SECONDS: longest,
      POLL_BUDGET_SECONDS: longest,
      SWEEP_BUDGET_SECONDS: longest,
    });
    expect(config.pollBudgetSeconds).toBe(FUNCTION_TIMEOUT_SECONDS - 1);
    expect(config.sweepBudgetSeconds).toBe(FUNCTION_TIMEOUT_SECONDS - 1);
  });

  it('refuses a budget the host would cut short, naming every such setting in one error', () => {
    const error = problemsOf({
      ...MINIMAL,
      INVOCATION_BUDGET_SECONDS: '1800',
      POLL_BUDGET_SECONDS: '3600',
      SWEEP_BUDGET_SECONDS: '1800',
    });
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^INVOCATION_BUDGET_SECONDS must be shorter than the host's function timeout, 1800 seconds .*\(got 1800\)$/,
      ),
      expect.stringMatching(/^POLL_BUDGET_SECONDS must be shorter .*\(got 3600\)$/),
      expect.stringMatching(/^SWEEP_BUDGET_SECONDS must be shorter .*\(got 1800\)$/),
    ]);
    expect(error.message).toMatch(/^Invalid configuration \(3 problems\)/);
  });
});
