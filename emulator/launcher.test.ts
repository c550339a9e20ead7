import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_KEY } from './auth.js';
import { DEFAULT_CLI_PORT, launch, parseCli } from './launcher.js';

describe('parseCli', () => {
  it('defaults to Azurite development storage on the default port with no limits or faults', () => {
    const config = parseCli([], {});
    expect(config).toMatchObject({ help: false, startAzurite: false });
    expect(config.options).toMatchObject({
      storageConnectionString: 'UseDevelopmentStorage=true',
      port: DEFAULT_CLI_PORT,
      host: '127.0.0.1',
      allowInsecureWebhookUrls: false,
      rates: {},
    });
    expect(config.options.faults).toBeUndefined();
    expect(config.options.keys).toBeUndefined();
  });

  it('reads flags, which win over MM_EMULATOR_* environment variables', () => {
    const config = parseCli(
      [
        '--port',
        '0',
        '--start-azurite',
        '--rate',
        'submission_write=5:10',
        '--rate',
        'upload=2',
        '--faults',
        '[{"route":"submissions.create","sequence":[{"kind":"resetAfter"}]}]',
        '--webhook-retry-ms',
        '10,20',
        '--allow-insecure-webhooks',
        '--processing-ms',
        '500',
      ],
      {
        MM_EMULATOR_PORT: '9999',
        MM_EMULATOR_SEED: '7',
        MM_EMULATOR_STORAGE: 'UseDevelopmentStorage=true;X=1',
      },
    );
    expect(config.startAzurite).toBe(true);
    expect(config.options).toMatchObject({
      port: 0,
      seed: 7,
      storageConnectionString: 'UseDevelopmentStorage=true;X=1',
      allowInsecureWebhookUrls: true,
      rates: { submission_write: { ratePerSecond: 5, burst: 10 }, upload: { ratePerSecond: 2, burst: 2 } },
      faults: [{ route: 'submissions.create', sequence: [{ kind: 'resetAfter' }] }],
      webhooks: { retryScheduleMs: [10, 20] },
      processing: { durationMs: 500 },
    });
  });

  it('reads keys and rates from the environment', () => {
    const config = parseCli([], {
      MM_EMULATOR_KEYS: '[{"key":"sk_test_abc","workspaceId":"ws-1"}]',
      MM_EMULATOR_RATES: '{"sandbox":{"ratePerSecond":1,"burst":1}}',
      MM_EMULATOR_START_AZURITE: 'true',
    });
    expect(config.options.keys).toEqual([
      { key: 'sk_test_abc', workspaceId: 'ws-1', status: 'active', tier: 'api' },
    ]);
    expect(config.options.rates).toEqual({ sandbox: { ratePerSecond: 1, burst: 1 } });
    expect(config.startAzurite).toBe(true);
  });

  it('fails with a readable message on bad input', () => {
    expect(() => parseCli(['--rate', 'nope=1'], {})).toThrow(/--rate/);
    expect(() => parseCli(['--faults', '[{"route":"x"}]'], {})).toThrow(/--faults/);
    expect(() => parseCli(['--faults', '{'], {})).toThrow(/not valid JSON/);
    expect(() => parseCli(['--port', 'abc'], {})).toThrow(/--port/);
    expect(() => parseCli(['--bogus'], {})).toThrow();
  });
});

describe('launch --start-azurite', () => {
  it('starts Azurite and an emulator on it, serves requests, and stops both cleanly', async () => {
    const running = await launch({ ...parseCli(['--port', '0', '--start-azurite'], {}) });
    try {
      expect(running.azurite).toBeDefined();
      expect(running.emulator.sandboxKey).toBe(DEFAULT_SANDBOX_KEY);
      const response = await fetch(`${running.emulator.url}/api/integrations/uploads/url`, {
        method: 'POST',
        headers: { 'x-api-key': DEFAULT_SANDBOX_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'a.mp4', contentType: 'video/mp4' }),
      });
      expect(response.status).toBe(200);
    } finally {
      await running.stop();
    }
    await expect(fetch(`${running.emulator.url}/_emulator/stats`)).rejects.toThrow();
  });
});
