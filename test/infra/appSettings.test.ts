/**
 * (c) Every app setting infra/ sets is one shared/config/settings.ts knows (or a platform setting), every
 * setting the app needs is set, secrets are Key Vault references, and the values pass loadConfig.
 */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { SETTINGS } from '../../shared/config/settings.js';
import { Infra } from './bicep/infra.js';
import { edited, readInfraSources } from './bicep/sources.js';
import {
  appSettings,
  boundSettingNames,
  deployedEnvironment,
  requiredSettingProblems,
  secretSettingProblems,
  settingNameProblems,
} from './checks/appSettings.js';

const root = process.cwd();
const sources = readInfraSources(root);
const infra = new Infra(sources);
const bound = boundSettingNames(root);
const FUNCTION_APP = 'infra/app/functionApp.bicep';

describe('the app settings in infra/', () => {
  test('are read from the appsettings resource', () => {
    const names = appSettings(infra).map((s) => s.name);
    expect(names).toContain('MEDIAMAGIC_API_KEY');
    expect(names).toContain('AzureWebJobsStorage__blobServiceUri');
  });

  test('use only names shared/config/settings.ts knows, or platform settings, each once', () => {
    expect(settingNameProblems(infra)).toEqual([]);
  });

  test('include every required setting, the identity-based storage group, and every %BINDING% setting', () => {
    // Every binding option is resolved at registration (the timer's schedule included), so an unset
    // setting falls back to its default instead of leaving the host an unresolvable expression.
    expect(bound).toEqual([]);
    expect(requiredSettingProblems(infra, bound)).toEqual([]);
  });

  test('give secrets only as Key Vault references', () => {
    expect(SETTINGS.filter((s) => s.secret).map((s) => s.name)).toContain('MEDIAMAGIC_API_KEY');
    expect(secretSettingProblems(infra)).toEqual([]);
  });

  test('set the webhook secrets only once they are stored, and nothing else conditionally', () => {
    const conditional = appSettings(infra).filter((s) => s.conditional);
    expect(conditional.map((s) => s.name)).toEqual(['MEDIAMAGIC_WEBHOOK_SECRETS']);
  });

  test('pass loadConfig with the template defaults, using identity-based storage', () => {
    const config = loadConfig(deployedEnvironment(infra));
    expect(config.storage.kind).toBe('identity');
    expect(config.sourceContainer).toBe('uploads');
    expect(config.blobEventsQueue).toBe('blob-created');
    expect(config.pollSchedule).toBe('0 */1 * * * *');
    expect(config.sweepSchedule).toBe('0 17 * * * *');
    // Flex runs several processes on one key: the deployed app paces and pauses them as one fleet.
    expect(config.fleetNews).toBe(true);
    expect(config.fleetPacing).toBe(true);
  });
});

describe('the settings checks report', () => {
  const broken = (file: string, from: string, to: string): Infra =>
    new Infra(edited(sources, file, from, to));

  test('a name the app does not know', () => {
    const infra = broken(
      FUNCTION_APP,
      '  INGEST_MODE: ingestMode',
      '  INGEST_MODE: ingestMode\n  INGEST_MODES: ingestMode',
    );
    expect(settingNameProblems(infra)).toEqual([expect.stringMatching(/INGEST_MODES is not a setting/)]);
  });

  test('a setting Flex rejects', () => {
    const infra = broken(
      FUNCTION_APP,
      '  INGEST_MODE: ingestMode',
      "  INGEST_MODE: ingestMode\n  FUNCTIONS_WORKER_RUNTIME: 'node'",
    );
    expect(settingNameProblems(infra)).toEqual([
      expect.stringMatching(/FUNCTIONS_WORKER_RUNTIME must not be set/),
    ]);
  });

  test('a connection string for the host storage', () => {
    const infra = broken(
      FUNCTION_APP,
      '  INGEST_MODE: ingestMode',
      "  INGEST_MODE: ingestMode\n  AzureWebJobsStorage: 'x'",
    );
    expect(settingNameProblems(infra)).toEqual([
      expect.stringMatching(/AzureWebJobsStorage must not be set: .*shared key/),
    ]);
  });

  test('a missing binding setting (a function bound as %NAME% would not start)', () => {
    const infra = broken(FUNCTION_APP, '  POLL_SCHEDULE: pollSchedule', '');
    expect(requiredSettingProblems(infra, ['POLL_SCHEDULE'])).toEqual([
      'app setting POLL_SCHEDULE is not set (bound as %POLL_SCHEDULE% by a function)',
    ]);
  });

  test('a missing required setting', () => {
    const infra = broken(
      FUNCTION_APP,
      "  MEDIAMAGIC_API_KEY: '@Microsoft.KeyVault(SecretUri=${apiKeyUri})'",
      '',
    );
    expect(requiredSettingProblems(infra, bound)).toEqual([
      expect.stringMatching(/MEDIAMAGIC_API_KEY is not set \(required by shared\/config\/settings.ts\)/),
    ]);
  });

  test('a missing identity-based storage setting', () => {
    const infra = broken(FUNCTION_APP, "  AzureWebJobsStorage__credential: 'managedidentity'\n", '');
    expect(requiredSettingProblems(infra, bound)).toEqual([
      expect.stringMatching(/AzureWebJobsStorage__credential is not set/),
    ]);
  });

  test('a secret written into the template', () => {
    const infra = broken(FUNCTION_APP, "'@Microsoft.KeyVault(SecretUri=${apiKeyUri})'", 'apiKeyUri');
    expect(secretSettingProblems(infra)).toEqual([expect.stringMatching(/MEDIAMAGIC_API_KEY is a secret/)]);
  });

  test('a default loadConfig rejects', () => {
    const infra = broken(
      'infra/main.bicep',
      "param pollSchedule string = '0 */1 * * * *'",
      "param pollSchedule string = '*/5 * * * *'",
    );
    expect(() => loadConfig(deployedEnvironment(infra))).toThrow(
      /POLL_SCHEDULE must be a six-field NCRONTAB/,
    );
  });
});
