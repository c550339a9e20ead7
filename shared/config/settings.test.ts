import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIMAL, load, problemsOf } from '../../test/support/configEnv.js';
import { DEVELOPMENT_STORAGE_CONNECTION_STRING } from './connectionString.js';
import { loadConfig } from './loadConfig.js';
import { pollScheduleToRegister, SETTINGS, sweepScheduleToRegister } from './settings.js';

describe('SETTINGS — the single source of truth', () => {
  /** One bad value per setting: proves loadConfig parses every row (and only the rows) of the table. */
  const BAD_VALUES: Record<string, string> = {
    AzureWebJobsStorage: 'garbage',
    AzureWebJobsStorage__blobServiceUri: 'not a url',
    AzureWebJobsStorage__queueServiceUri: 'not a url',
    AzureWebJobsStorage__credential: 'password',
    AzureWebJobsStorage__clientId: 'nope',
    MEDIAMAGIC_API_BASE_URL: 'nope',
    MEDIAMAGIC_API_KEY: 'nope',
    MEDIAMAGIC_WEBHOOK_SECRETS: 'nope',
    SOURCE_CONTAINER: 'NO',
    BLOB_EVENTS_QUEUE: 'NO',
    LEDGER_CONTAINER: 'NO',
    RESULTS_CONTAINER: 'NO',
    INGEST_MODE: 'nope',
    POLL_SCHEDULE: 'nope',
    MAX_ASSET_RETRIES: 'nope',
    INVOCATION_BUDGET_SECONDS: 'nope',
    POLL_BUDGET_SECONDS: 'nope',
    POLL_CONCURRENCY: 'nope',
    STUCK_AFTER_MINUTES: 'nope',
    RECONCILE_DELAY_SECONDS: '4',
    SWEEP_SCHEDULE: '17 * * * *',
    SWEEP_BUDGET_SECONDS: '0',
    SWEEP_GRACE_MINUTES: '1441',
    WEBHOOK_MAX_BODY_BYTES: 'nope',
    MEDIAMAGIC_CONNECT_TIMEOUT_MS: 'nope',
    MEDIAMAGIC_HEADERS_TIMEOUT_MS: 'nope',
    MEDIAMAGIC_BODY_TIMEOUT_MS: 'nope',
    MEDIAMAGIC_RATE_LIMITS: 'nope',
    FLEET_NEWS: 'yes',
    FLEET_PACING: 'on',
    COPY_BLOCK_SIZE_MB: 'nope',
    COPY_CONCURRENCY: 'nope',
  };

  it('lists each setting once, and this test knows a bad value for each', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(BAD_VALUES).sort());
  });

  it.each(SETTINGS.map((s) => [s.name] as const))('loadConfig validates %s', (name) => {
    const error = problemsOf({ ...MINIMAL, [name]: BAD_VALUES[name] });
    expect(error.problems.some((p) => p.startsWith(`${name} `))).toBe(true);
  });

  it('ignores variables that are not settings', () => {
    expect(() => load({ SOME_OTHER_SETTING: 'anything', FUNCTIONS_WORKER_RUNTIME: 'node' })).not.toThrow();
  });

  it('marks exactly the API key as required, and the storage forms as a required group', () => {
    expect(SETTINGS.filter((s) => s.required).map((s) => s.name)).toEqual(['MEDIAMAGIC_API_KEY']);
    expect(SETTINGS.filter((s) => s.requiredGroup === 'storage').map((s) => s.name)).toEqual([
      'AzureWebJobsStorage',
      'AzureWebJobsStorage__blobServiceUri',
      'AzureWebJobsStorage__queueServiceUri',
    ]);
  });

  it('marks exactly the key, the webhook secrets and the connection string as secret', () => {
    expect(SETTINGS.filter((s) => s.secret).map((s) => s.name)).toEqual([
      'AzureWebJobsStorage',
      'MEDIAMAGIC_API_KEY',
      'MEDIAMAGIC_WEBHOOK_SECRETS',
    ]);
  });

  it('has a description for every setting and no default on required or secret ones', () => {
    for (const s of SETTINGS) {
      expect(s.description.length, s.name).toBeGreaterThan(10);
      if (s.required || s.secret) expect(s.default, s.name).toBeUndefined();
    }
  });

  it('applies each default exactly as listed', () => {
    const withDefaults = Object.fromEntries(
      SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.name, s.default]),
    );
    expect(load(withDefaults)).toEqual(load());
  });

  it('is frozen', () => {
    expect(Object.isFrozen(SETTINGS)).toBe(true);
    expect(SETTINGS.every((s) => Object.isFrozen(s))).toBe(true);
  });
});

describe('pollScheduleToRegister — the schedule the timer registers', () => {
  it('is the documented default when POLL_SCHEDULE is unset or blank', () => {
    expect(pollScheduleToRegister({})).toBe('0 */1 * * * *');
    expect(pollScheduleToRegister({ POLL_SCHEDULE: '   ' })).toBe('0 */1 * * * *');
  });

  it('is the setting as loadConfig reads it when it is valid', () => {
    expect(pollScheduleToRegister({ POLL_SCHEDULE: '*/30 * * * * *' })).toBe('*/30 * * * * *');
    expect(pollScheduleToRegister({ POLL_SCHEDULE: ' 0  */5 * * * mon-fri ' })).toBe('0 */5 * * * mon-fri');
  });

  it('is the default when the NCRONTAB grammar refuses the setting (the start-up check names it)', () => {
    expect(pollScheduleToRegister({ POLL_SCHEDULE: '*/5 * * * *' })).toBe('0 */1 * * * *');
    expect(pollScheduleToRegister({ POLL_SCHEDULE: '00:05:00' })).toBe('0 */1 * * * *');
  });
});

describe('sweepScheduleToRegister — the schedule the sweep timer registers', () => {
  it('is the documented default (hourly at minute 17) when SWEEP_SCHEDULE is unset, blank or invalid', () => {
    expect(sweepScheduleToRegister({})).toBe('0 17 * * * *');
    expect(sweepScheduleToRegister({ SWEEP_SCHEDULE: '  ' })).toBe('0 17 * * * *');
    expect(sweepScheduleToRegister({ SWEEP_SCHEDULE: '17 * * * *' })).toBe('0 17 * * * *');
  });

  it('is the setting as loadConfig reads it when it is valid, independent of POLL_SCHEDULE', () => {
    expect(
      sweepScheduleToRegister({ SWEEP_SCHEDULE: ' 0  */20 * * * * ', POLL_SCHEDULE: '*/5 * * * * *' }),
    ).toBe('0 */20 * * * *');
  });
});

describe('local.settings.sample.json', () => {
  const sample = JSON.parse(
    readFileSync(path.resolve(process.cwd(), 'local.settings.sample.json'), 'utf8'),
  ) as { IsEncrypted: boolean; Values: Record<string, string> };
  const keys = Object.keys(sample.Values).filter((k) => k !== 'FUNCTIONS_WORKER_RUNTIME');

  it('is unencrypted, for the node worker, on Azurite', () => {
    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });

  it('lists every setting, and only settings', () => {
    expect(keys.sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });

  it('gives each setting its default', () => {
    for (const s of SETTINGS) {
      if (s.default !== undefined) expect(sample.Values[s.name], s.name).toBe(s.default);
    }
  });

  it('holds only string values, with no real secret', () => {
    for (const value of Object.values(sample.Values)) expect(typeof value).toBe('string');
    expect(sample.Values.MEDIAMAGIC_API_KEY).toMatch(/^sk_test_replace/);
  });

  it('loads as a valid sandbox configuration', () => {
    const config = loadConfig(sample.Values);
    expect(config.sandbox).toBe(true);
    expect(config.storage).toEqual({
      kind: 'connection-string',
      connectionString: DEVELOPMENT_STORAGE_CONNECTION_STRING,
    });
  });
});
