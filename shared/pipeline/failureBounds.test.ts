import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, settingOrDefault } from '../config/settings.js';
import { assetRetryCeilingMs, assetRetryWaitMs } from './assetRetryWait.js';
import { claimLeaseMs } from './claimSource.js';
import { DEFAULT_POLL_TIMINGS } from './pollDeps.js';
import { ORPHAN_TTL_MS } from './reconcileOrphans.js';
import { STEP_FAILURE_LIMIT, stepFailureWaitMs } from './stepFailureWait.js';
import { REDRIVE_BACKOFF } from './submitClaimed.js';
import { DEFAULT_SUBMIT_TIMINGS } from './submitDeps.js';

// The "how long it can take at most" tables in docs/ledger.md and the README quote numbers derived from
// these constants and defaults; these tests recompute them, so a changed constant fails here until the
// tables say the new number.
const root = path.join(__dirname, '../..');
const section = (file: string, marker: string): string => {
  const text = readFileSync(path.join(root, file), 'utf8');
  const found = new RegExp(`<!-- ${marker}:start -->([\\s\\S]*?)<!-- ${marker}:end -->`).exec(text)?.[1];
  if (!found) throw new Error(`${file} has no ${marker} table`);
  // The paragraph above the table states the shared bounds; it belongs to the check too.
  return text.slice(Math.max(0, text.indexOf(found) - 2_000), text.indexOf(found) + found.length);
};
const ledgerDoc = section('docs/ledger.md', 'ledger:failure-bounds');
const readme = section('README.md', 'failure-bounds');

const MINUTE = 60_000;
const minutes = (ms: number): string => `${Number((ms / MINUTE).toFixed(1))} min`;
const defaultNumber = (name: Parameters<typeof settingOrDefault>[0]): number =>
  Number(settingOrDefault(name, {}));

const stuckAfterMs = defaultNumber('STUCK_AFTER_MINUTES') * MINUTE;
const assetSettings = { ...DEFAULT_POLL_TIMINGS, stuckAfterMs };
/** The timer's period with the default `POLL_SCHEDULE` (every minute). */
const TIMER_PERIOD_MS = MINUTE;

/** Our own waits before the last of `retries` asset retries. */
const assetWaits = (retries: number): number => {
  let total = 0;
  for (let made = 1; made < retries; made++) total += assetRetryWaitMs(made, assetSettings);
  return total;
};

describe('failure bounds quoted in docs/ledger.md and the README', () => {
  it('the default timer period is one minute', () => {
    expect(settingOrDefault('POLL_SCHEDULE', {})).toBe('0 */1 * * * *');
  });

  it('the stall check: STUCK_AFTER_MINUTES + the longest poll wait + the timer period', () => {
    const bound = minutes(stuckAfterMs + DEFAULT_POLL_TIMINGS.maxPollMs + TIMER_PERIOD_MS);
    expect(bound).toBe('131 min');
    expect(ledgerDoc).toContain(`**${bound}**`);
    expect(readme).toContain(bound);
  });

  it('the submit bound: its tries and the most its re-drive waits add up to', () => {
    const tries = DEFAULT_SUBMIT_TIMINGS.maxSubmitAttempts;
    let waits = 0;
    for (let attempt = 1; attempt < tries; attempt++) {
      waits += Math.min(REDRIVE_BACKOFF.capMs, REDRIVE_BACKOFF.baseMs * 2 ** (attempt - 1));
    }
    expect(ledgerDoc).toContain(`**${tries} tries**`);
    expect(ledgerDoc).toContain(`**${minutes(waits)}**`);
    expect(readme).toContain(`${tries} tries with ${minutes(waits)} of waits`);
  });

  it('a step that throws: stuck after the sum of the waits before the limit', () => {
    let waits = 0;
    for (let n = 1; n < STEP_FAILURE_LIMIT; n++) waits += stepFailureWaitMs(n, { stuckAfterMs });
    expect(ledgerDoc).toContain(`**${minutes(waits)}** after the first throw`);
    expect(readme).toContain(`${minutes(waits)} after the first throw`);
    expect(ledgerDoc).toContain('the 8th throw');
    expect(STEP_FAILURE_LIMIT).toBe(8);
  });

  it('asset retries: the ceiling, and our waits with the default and the largest MAX_ASSET_RETRIES', () => {
    const largest = SETTINGS.find((s) => s.name === 'MAX_ASSET_RETRIES')?.description ?? '';
    expect(largest).toContain('0–20');
    const byDefault = minutes(assetWaits(defaultNumber('MAX_ASSET_RETRIES')));
    const atMost = minutes(assetWaits(20));
    const ceiling = minutes(assetRetryCeilingMs(assetSettings));
    expect(ledgerDoc).toContain(`**${byDefault}** of our waits with ${defaultNumber('MAX_ASSET_RETRIES')}`);
    expect(ledgerDoc).toContain(`**${atMost}** with the maximum, 20`);
    expect(ledgerDoc).toContain(`never above **${ceiling}**`);
    expect(readme).toContain(`after ${byDefault} of waits (${atMost} with 20 retries)`);
    expect(readme).toContain(`at most ${ceiling} each`);
  });

  it('a dead claimant: re-driven at the end of the claim lease', () => {
    const lease = minutes(claimLeaseMs(defaultNumber('INVOCATION_BUDGET_SECONDS') * 1000));
    expect(ledgerDoc).toContain(`Re-driven **${lease}** after the claim`);
    expect(readme).toMatch(new RegExp(`\\| Claimant died .*\\| ${lease} +\\|`));
  });

  it('orphans: kept at most their TTL; poison messages after maxDequeueCount', () => {
    const hours = `${ORPHAN_TTL_MS / 3_600_000} h`;
    expect(ledgerDoc).toContain(`Kept at most **${hours}**`);
    expect(readme).toContain(`Dropped after ${hours}`);
    const host = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    const dequeues = host.extensions.queues.maxDequeueCount;
    expect(ledgerDoc).toContain(`\`maxDequeueCount\` (${dequeues})`);
    expect(readme).toContain(`After ${dequeues} dequeues`);
  });

  it('a lost webhook: polled at most the longest poll wait late', () => {
    expect(ledgerDoc).toContain(`up to ${minutes(DEFAULT_POLL_TIMINGS.maxPollMs)}`);
    expect(readme).toContain(`${minutes(DEFAULT_POLL_TIMINGS.maxPollMs)} late`);
  });
});
