import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_STRING,
  KEY,
  MINIMAL,
  load,
  problemsOf,
  problemsWith,
} from '../../test/support/configEnv.js';
import { ConfigError } from './configError.js';
import { loadConfig, type Config } from './loadConfig.js';
import { SETTINGS } from './settings.js';

describe('loadConfig — defaults', () => {
  it('fills every optional setting with its default', () => {
    expect(load()).toEqual({
      storage: { kind: 'connection-string', connectionString: CONNECTION_STRING },
      apiBaseUrl: 'https://mm-midmarket-integrations-api-preview.azurewebsites.net',
      apiKey: KEY,
      sandbox: false,
      webhookSecrets: [],
      sourceContainer: 'uploads',
      blobEventsQueue: 'blob-created',
      ledgerContainer: 'mediamagic-ledger',
      resultsContainer: 'mediamagic-results',
      ingestMode: 'copy',
      pollSchedule: '0 */1 * * * *',
      maxAssetRetries: 3,
      invocationBudgetSeconds: 120,
      pollBudgetSeconds: 240,
      pollConcurrency: 8,
      stuckAfterMinutes: 120,
      reconcileDelaySeconds: 300,
      sweepSchedule: '0 17 * * * *',
      sweepBudgetSeconds: 240,
      sweepGraceMinutes: 15,
      webhookMaxBodyBytes: 262144,
      timeouts: { connectMs: 10000, headersMs: 30000, bodyMs: 30000 },
      rateLimits: {},
      fleetNews: false,
      fleetPacing: false,
      copyBlockSizeMb: 8,
      copyConcurrency: 4,
    } satisfies Config);
  });

  it('treats blank and whitespace-only values as unset', () => {
    const config = load({ SOURCE_CONTAINER: '', INGEST_MODE: '   ', MAX_ASSET_RETRIES: '\t' });
    expect(config.sourceContainer).toBe('uploads');
    expect(config.ingestMode).toBe('copy');
    expect(config.maxAssetRetries).toBe(3);
  });

  it('trims surrounding whitespace from values', () => {
    expect(load({ SOURCE_CONTAINER: '  media-in \n', MEDIAMAGIC_API_KEY: ` ${KEY} ` })).toMatchObject({
      sourceContainer: 'media-in',
      apiKey: KEY,
    });
  });

  it('reads process.env when no env is passed', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, MINIMAL, { SOURCE_CONTAINER: 'from-process-env' });
      expect(loadConfig().sourceContainer).toBe('from-process-env');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('returns a deeply frozen object', () => {
    const config = load({ MEDIAMAGIC_RATE_LIMITS: 'upload=1' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.storage)).toBe(true);
    expect(Object.isFrozen(config.timeouts)).toBe(true);
    expect(Object.isFrozen(config.rateLimits)).toBe(true);
    expect(Object.isFrozen(config.rateLimits.upload)).toBe(true);
    expect(Object.isFrozen(config.webhookSecrets)).toBe(true);
  });
});

describe('loadConfig — one error naming every problem', () => {
  it('names the API key and the storage when the environment is empty, and nothing else', () => {
    const error = problemsOf({});
    expect(error.code).toBe('MM_CONFIG_INVALID');
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
    expect(error.problems).toEqual([
      'MEDIAMAGIC_API_KEY is required (the MediaMagic API key, sk_live_… or sk_test_… (the prefix selects live or sandbox))',
      'AzureWebJobsStorage is required (a storage connection string, or UseDevelopmentStorage=true for Azurite), ' +
        'unless AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__queueServiceUri are set for identity-based access',
    ]);
    expect(error.message).toBe(
      `Invalid configuration (2 problems):\n- ${error.problems[0]}\n- ${error.problems[1]}`,
    );
  });

  it('lists every bad setting in one error, in table order', () => {
    const error = problemsOf({
      ...MINIMAL,
      INGEST_MODE: 'cpy',
      MAX_ASSET_RETRIES: '21',
      SOURCE_CONTAINER: 'Uploads',
    });
    expect(error.problems).toHaveLength(3);
    expect(error.problems.map((p) => p.split(' ')[0])).toEqual([
      'SOURCE_CONTAINER',
      'INGEST_MODE',
      'MAX_ASSET_RETRIES',
    ]);
    expect(error.message).toMatch(/^Invalid configuration \(3 problems\):\n- SOURCE_CONTAINER/);
  });

  it('says "1 problem" for one', () => {
    expect(problemsOf({ ...MINIMAL, INGEST_MODE: 'x' }).message).toMatch(
      /^Invalid configuration \(1 problem\):/,
    );
  });

  it('names the allowed values and echoes a bad non-secret value', () => {
    expect(problemsWith({ INGEST_MODE: 'cpy' })).toEqual([
      'INGEST_MODE must be one of copy, passthrough (got "cpy")',
    ]);
  });

  it('cuts long echoed values short', () => {
    const [problem] = problemsWith({ SOURCE_CONTAINER: 'x'.repeat(500) });
    expect(problem).toContain(`(got "${'x'.repeat(100)}…")`);
    expect(problem).not.toContain('x'.repeat(101));
  });

  it('reports an unresolved Key Vault reference without parsing it', () => {
    const [problem] = problemsWith({
      MEDIAMAGIC_API_KEY: '@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/mm-key/)',
    });
    expect(problem).toMatch(/^MEDIAMAGIC_API_KEY is an unresolved Key Vault reference/);
    expect(problem).not.toContain('vault.azure.net');
  });
});

describe('loadConfig — MediaMagic API', () => {
  it.each([
    [KEY, false],
    ['sk_test_abc123', true],
  ])('derives sandbox from the key prefix (%s → %s)', (key, sandbox) => {
    expect(load({ MEDIAMAGIC_API_KEY: key })).toMatchObject({ apiKey: key, sandbox });
  });

  it.each([
    'pk_live_supersecretvalue',
    'sk_live_',
    'sk_prod_supersecretvalue',
    'sk_live_super secretvalue',
    'SK_LIVE_supersecretvalue',
  ])('rejects the API key %j without echoing it', (key) => {
    const [problem] = problemsWith({ MEDIAMAGIC_API_KEY: key });
    expect(problem).toBe('MEDIAMAGIC_API_KEY must start with sk_live_ or sk_test_ and contain no whitespace');
  });

  it('parses the API timeouts', () => {
    const config = load({
      MEDIAMAGIC_CONNECT_TIMEOUT_MS: '100',
      MEDIAMAGIC_HEADERS_TIMEOUT_MS: '600000',
      MEDIAMAGIC_BODY_TIMEOUT_MS: '2500',
    });
    expect(config.timeouts).toEqual({ connectMs: 100, headersMs: 600000, bodyMs: 2500 });
  });
});

describe('loadConfig — containers', () => {
  it.each([
    [
      { LEDGER_CONTAINER: 'uploads' },
      'LEDGER_CONTAINER must differ from SOURCE_CONTAINER (both are "uploads")',
    ],
    [
      { RESULTS_CONTAINER: 'uploads' },
      'RESULTS_CONTAINER must differ from SOURCE_CONTAINER (both are "uploads")',
    ],
    [
      { RESULTS_CONTAINER: 'mediamagic-ledger' },
      'RESULTS_CONTAINER must differ from LEDGER_CONTAINER (both are "mediamagic-ledger")',
    ],
  ])(
    'refuses a container shared between roles %o (writes would raise BlobCreated events)',
    (extra, expected) => {
      expect(problemsWith(extra)).toEqual([expected]);
    },
  );

  it('allows the queue to share a name with a container (different services)', () => {
    expect(load({ BLOB_EVENTS_QUEUE: 'uploads' }).blobEventsQueue).toBe('uploads');
  });
});

describe('secrets never leak', () => {
  const secretSettings = SETTINGS.filter((s) => s.secret).map((s) => s.name);

  it('no secret value appears in the error, whatever it is', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...secretSettings),
        fc.string({ minLength: 0, maxLength: 40 }),
        fc.string({ minLength: 0, maxLength: 40 }),
        (name, before, after) => {
          const secret = `${before}Q7xMARKER${after}`;
          try {
            loadConfig({ ...MINIMAL, [name]: secret, INGEST_MODE: 'bad' });
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            expect((error as ConfigError).message).not.toContain('Q7xMARKER');
            return;
          }
          expect.unreachable('INGEST_MODE=bad must fail');
        },
      ),
    );
  });

  it('throws nothing but ConfigError for arbitrary values of any setting', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...SETTINGS.map((s) => s.name)),
          fc.string({ unit: 'binary', maxLength: 60 }),
        ),
        (env) => {
          try {
            loadConfig({ ...MINIMAL, ...env });
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            expect((error as ConfigError).problems.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});
