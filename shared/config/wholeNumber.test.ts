import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';
import type { Config } from './loadConfig.js';

describe('loadConfig — numbers', () => {
  const ranges: [string, keyof Config | 'timeouts', number, number][] = [
    ['MAX_ASSET_RETRIES', 'maxAssetRetries', 0, 20],
    ['INVOCATION_BUDGET_SECONDS', 'invocationBudgetSeconds', 1, 3600],
    ['POLL_BUDGET_SECONDS', 'pollBudgetSeconds', 1, 3600],
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
});
