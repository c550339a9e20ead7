import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';
import type { Config } from './loadConfig.js';

describe('loadConfig — numbers', () => {
  const ranges: [string, keyof Config | 'timeouts', number, number][] = [
    ['MAX_ASSET_RETRIES', 'maxAssetRetries', 0, 20],
    ['POLL_CONCURRENCY', 'pollConcurrency', 1, 64],
    ['STUCK_AFTER_MINUTES', 'stuckAfterMinutes', 1, 10080],
    ['RECONCILE_DELAY_SECONDS', 'reconcileDelaySeconds', 5, 86400],
    ['WEBHOOK_MAX_BODY_BYTES', 'webhookMaxBodyBytes', 1024, 10485760],
    ['COPY_BLOCK_SIZE_MB', 'copyBlockSizeMb', 4, 100],
    ['COPY_CONCURRENCY', 'copyConcurrency', 1, 16],
    ['MEDIAMAGIC_CONNECT_TIMEOUT_MS', 'timeouts', 100, 600000],
    ['MEDIAMAGIC_HEADERS_TIMEOUT_MS', 'timeouts', 100, 600000],
    ['MEDIAMAGIC_BODY_TIMEOUT_MS', 'timeouts', 100, 600000],
  ];

  it.each(ranges)('%s accepts its bounds and rejects beyond them', (setting, field, min, max) => {
    for (const ok of [min, max]) {
      const config = load({ [setting]: String(ok) });
      if (field !== 'timeouts') expect(config[field]).toBe(ok);
      else expect(Object.values(config.timeouts)).toContain(ok);
    }
    const rule = `${setting} must be a whole number from ${min} to ${max}`;
    for (const bad of [
      String(min - 1),
      String(max + 1),
      '1.5',
      '-1',
      '1e3',
      'ten',
      '0x10',
      '99999999999999999999',
    ]) {
      expect(problemsWith({ [setting]: bad }), bad).toEqual([`${rule} (got ${JSON.stringify(bad)})`]);
    }
  });

  // Their upper bound within 1–3600 is the host's function timeout (functionTimeout.test.ts).
  it.each([
    ['INVOCATION_BUDGET_SECONDS', 'invocationBudgetSeconds'],
    ['POLL_BUDGET_SECONDS', 'pollBudgetSeconds'],
  ] as const)('%s accepts 1 and is a whole number from 1 to 3600', (setting, field) => {
    expect(load({ [setting]: '1' })[field]).toBe(1);
    for (const bad of ['0', '3601', '1.5', 'ten']) {
      expect(problemsWith({ [setting]: bad }), bad).toEqual([
        `${setting} must be a whole number from 1 to 3600 (got ${JSON.stringify(bad)})`,
      ]);
    }
  });
});
