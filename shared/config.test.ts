import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AZURITE_KEY } from '../scripts/lib/azurite.js';
import {
  ConfigError,
  DEVELOPMENT_STORAGE_CONNECTION_STRING,
  SETTINGS,
  loadConfig,
  secretsOf,
  type Config,
} from './config.js';
import { BUCKETS } from './mediamagic/buckets.js';

const KEY = 'sk_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const CONNECTION_STRING =
  'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;EndpointSuffix=core.windows.net';
const MINIMAL = { MEDIAMAGIC_API_KEY: KEY, AzureWebJobsStorage: CONNECTION_STRING };

/** Loads with the minimal valid env plus `extra`; `undefined` in `extra` removes a setting. */
function load(extra: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...MINIMAL, ...extra });
}

/** The ConfigError thrown for `env`, or a failed assertion when loading succeeds. */
function problemsOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(Object.keys(env))}`);
}

const problemsWith = (extra: Record<string, string | undefined>): readonly string[] =>
  problemsOf({ ...MINIMAL, ...extra }).problems;

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
      webhookMaxBodyBytes: 262144,
      timeouts: { connectMs: 10000, headersMs: 30000, bodyMs: 30000 },
      rateLimits: {},
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

describe('loadConfig — storage', () => {
  it('expands UseDevelopmentStorage=true to the Azurite connection string (Microsoft’s documented key)', () => {
    for (const value of ['UseDevelopmentStorage=true', 'usedevelopmentstorage=TRUE;']) {
      expect(load({ AzureWebJobsStorage: value }).storage).toEqual({
        kind: 'connection-string',
        connectionString: DEVELOPMENT_STORAGE_CONNECTION_STRING,
      });
    }
    expect(DEVELOPMENT_STORAGE_CONNECTION_STRING).toContain(`AccountKey=${AZURITE_KEY};`);
    expect(DEVELOPMENT_STORAGE_CONNECTION_STRING).toContain(
      'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
    );
    expect(DEVELOPMENT_STORAGE_CONNECTION_STRING).toContain(
      'QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;',
    );
  });

  it.each([
    ['account key + protocol', CONNECTION_STRING],
    [
      'account key + explicit endpoints',
      'AccountName=a;AccountKey=a2V5;BlobEndpoint=https://a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net',
    ],
    [
      'SAS + endpoints',
      'BlobEndpoint=https://a.blob.core.windows.net/;QueueEndpoint=https://a.queue.core.windows.net/;SharedAccessSignature=sv=2024&sig=abc%3D',
    ],
    [
      'trailing semicolon and unpadded key',
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5YQ;',
    ],
  ])('accepts a connection string: %s', (_label, value) => {
    expect(load({ AzureWebJobsStorage: value }).storage).toEqual({
      kind: 'connection-string',
      connectionString: value,
    });
  });

  it.each([
    ['no pairs', 'not a connection string', 'must be a storage connection string'],
    ['empty value', 'AccountName=;AccountKey=a2V5SecretPart', 'must be a storage connection string'],
    [
      'no credential',
      'DefaultEndpointsProtocol=https;AccountName=a',
      'must contain AccountName and AccountKey',
    ],
    ['no account name', 'DefaultEndpointsProtocol=https;AccountKey=a2V5SecretPart', 'is missing AccountName'],
    [
      'key not base64',
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=not*base64!SecretPart',
      'not base64',
    ],
    [
      'no endpoints',
      'AccountName=a;AccountKey=a2V5SecretPart',
      'must contain DefaultEndpointsProtocol=https',
    ],
    [
      'SAS without queue endpoint',
      'BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sig=SecretPart',
      'must contain DefaultEndpointsProtocol=https (or both BlobEndpoint and QueueEndpoint)',
    ],
    [
      'bad protocol',
      'DefaultEndpointsProtocol=ftp;AccountName=a;AccountKey=a2V5SecretPart',
      'DefaultEndpointsProtocol',
    ],
  ])('rejects a bad connection string (%s) without echoing it', (_label, value, expected) => {
    const [problem] = problemsWith({ AzureWebJobsStorage: value });
    expect(problem).toMatch(/^AzureWebJobsStorage /);
    expect(problem).toContain(expected);
    expect(problem).not.toContain('SecretPart');
    expect(problem).not.toContain('got');
  });

  it('uses identity-based storage when only the service URIs are set', () => {
    const config = loadConfig({
      MEDIAMAGIC_API_KEY: KEY,
      AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
      AzureWebJobsStorage__credential: 'managedidentity',
    });
    expect(config.storage).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
    });
  });

  it('passes a user-assigned identity’s client id through', () => {
    const config = loadConfig({
      MEDIAMAGIC_API_KEY: KEY,
      AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net',
      AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
      AzureWebJobsStorage__clientId: '6f1b2c3d-1234-4abc-9def-0123456789ab',
    });
    expect(config.storage).toMatchObject({
      kind: 'identity',
      clientId: '6f1b2c3d-1234-4abc-9def-0123456789ab',
    });
  });

  it('prefers the connection string when both forms are set, as the Functions host does', () => {
    const config = load({
      AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net',
      AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
    });
    expect(config.storage.kind).toBe('connection-string');
  });

  it.each([
    ['AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__queueServiceUri'],
    ['AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__blobServiceUri'],
  ])('names the missing half of identity-based storage (%s set)', (present, missing) => {
    const error = problemsOf({ MEDIAMAGIC_API_KEY: KEY, [present]: 'https://acct.blob.core.windows.net' });
    expect(error.problems).toEqual([
      `${missing} is required when ${present} is set (identity-based storage needs both)`,
    ]);
  });

  it.each([
    ['AzureWebJobsStorage__credential', 'clientsecret', 'must be managedidentity'],
    ['AzureWebJobsStorage__clientId', 'my-identity', 'must be a client id (GUID'],
    ['AzureWebJobsStorage__blobServiceUri', 'http://acct.blob.core.windows.net', 'must use https'],
  ])('rejects a bad %s', (name, value, expected) => {
    const [problem = ''] = problemsWith({ [name]: value });
    expect(problem.startsWith(`${name} ${expected}`), problem).toBe(true);
    expect(problem).toContain(`(got "${value}")`);
  });

  it('accepts the credential setting case-insensitively', () => {
    expect(() => load({ AzureWebJobsStorage__credential: 'ManagedIdentity' })).not.toThrow();
  });
});

describe('loadConfig — MediaMagic API', () => {
  it.each([
    ['https://api.example.com/', 'https://api.example.com'],
    ['https://api.example.com/prefix//', 'https://api.example.com/prefix'],
    ['HTTPS://API.Example.com', 'https://api.example.com'],
    ['http://localhost:7072', 'http://localhost:7072'],
    ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000'],
    ['http://127.10.0.3', 'http://127.10.0.3'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('normalises the base URL %s to %s', (value, expected) => {
    expect(load({ MEDIAMAGIC_API_BASE_URL: value }).apiBaseUrl).toBe(expected);
  });

  it.each([
    ['not a url', 'must be an absolute http(s) URL'],
    ['/relative/path', 'must be an absolute http(s) URL'],
    ['ftp://api.example.com', 'must be an http(s) URL'],
    [
      'http://api.example.com',
      'must use https (plain http is allowed only for localhost / 127.0.0.1 / [::1])',
    ],
    ['http://10.0.0.1', 'must use https'],
    ['https://api.example.com?x=1', 'must not contain a query string or fragment'],
    ['https://api.example.com/#frag', 'must not contain a query string or fragment'],
  ])('rejects the base URL %s', (value, expected) => {
    const [problem] = problemsWith({ MEDIAMAGIC_API_BASE_URL: value });
    expect(problem).toContain(`MEDIAMAGIC_API_BASE_URL ${expected}`);
    expect(problem).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('rejects credentials in the base URL and masks them in the echo', () => {
    const [problem] = problemsWith({ MEDIAMAGIC_API_BASE_URL: 'https://user:hunter2@api.example.com' });
    expect(problem).toBe(
      'MEDIAMAGIC_API_BASE_URL must not contain credentials (user:password@) (got "https://***@api.example.com")',
    );
  });

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

describe('loadConfig — webhook secrets', () => {
  const A = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const B = 'whsec_c2Vjb25kLXNlY3JldA==';

  it('splits on any whitespace and keeps each secret whole', () => {
    expect(load({ MEDIAMAGIC_WEBHOOK_SECRETS: `${A}  ${B}\n` }).webhookSecrets).toEqual([A, B]);
  });

  it('has no secrets when unset', () => {
    expect(load().webhookSecrets).toEqual([]);
  });

  it.each([
    ['whsec_', 'the secret'],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'the secret'],
    ['whsec_not*base64', 'the secret'],
    ['whsec_abcde', 'the secret'],
    [`${A} whsec_bad! ${B} nope`, 'entry 2, 4 of 4'],
    [`${A},${B}`, 'the secret'],
  ])('rejects %j naming the entry, never its value', (value, which) => {
    const [problem] = problemsWith({ MEDIAMAGIC_WEBHOOK_SECRETS: value });
    expect(problem).toBe(`MEDIAMAGIC_WEBHOOK_SECRETS must be whsec_ followed by base64 (${which} is not)`);
  });
});

describe('loadConfig — storage names', () => {
  const validNames = ['abc', 'a-b-c', 'media2024', '0ab', 'a'.repeat(63)];
  const invalidNames = [
    'ab',
    'a'.repeat(64),
    'Uploads',
    'a--b',
    '-abc',
    'abc-',
    'a_b',
    'a.b',
    'a b',
    '$root',
  ];

  it.each(['SOURCE_CONTAINER', 'LEDGER_CONTAINER', 'RESULTS_CONTAINER', 'BLOB_EVENTS_QUEUE'])(
    '%s accepts Azure-valid names and rejects the rest',
    (setting) => {
      const unique = (name: string): Record<string, string> => ({
        SOURCE_CONTAINER: 'src-x',
        LEDGER_CONTAINER: 'ledger-x',
        RESULTS_CONTAINER: 'results-x',
        [setting]: name,
      });
      for (const name of validNames) expect(() => load(unique(name)), name).not.toThrow();
      for (const name of invalidNames) {
        const [problem] = problemsWith(unique(name));
        expect(problem, name).toMatch(new RegExp(`^${setting} must be a valid (container|queue) name: 3–63`));
      }
    },
  );

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

describe('loadConfig — POLL_SCHEDULE', () => {
  it.each([
    '0 */1 * * * *',
    '0 */5 * * * *',
    '30 0 9-17 * * mon-fri',
    '0 0 0 1 jan *',
    '0 0,15,30,45 * * * *',
    '0 0 12 * * 0',
    '0 0 */2 1-15/2 * SUN',
    '59 59 23 31 12 6',
  ])('accepts %j', (schedule) => {
    expect(load({ POLL_SCHEDULE: schedule }).pollSchedule).toBe(schedule);
  });

  it('normalises inner whitespace', () => {
    expect(load({ POLL_SCHEDULE: '0  */1 *\t* * *' }).pollSchedule).toBe('0 */1 * * * *');
  });

  it.each([
    ['*/1 * * * *', 'it has 5 fields'],
    ['0 0 */1 * * * *', 'it has 7 fields'],
    ['00:05:00', 'it has 1 field'],
    ['60 * * * * *', 'its second field "60" is not valid'],
    ['0 60 * * * *', 'its minute field "60" is not valid'],
    ['0 0 24 * * *', 'its hour field "24" is not valid'],
    ['0 0 0 0 * *', 'its day field "0" is not valid'],
    ['0 0 0 * 13 *', 'its month field "13" is not valid'],
    ['0 0 0 * * 7', 'its day-of-week field "7" is not valid'],
    ['0 */0 * * * *', 'its minute field "*/0" is not valid'],
    ['0 10-5 * * * *', 'its minute field "10-5" is not valid'],
    ['0 0 0 ? * *', 'its day field "?" is not valid'],
    ['0 0 0 * foo *', 'its month field "foo" is not valid'],
    ['0 0 0 * * mon-', 'its day-of-week field "mon-" is not valid'],
    ['0 1,,2 * * * *', 'its minute field "1,,2" is not valid'],
  ])('rejects %j (%s)', (schedule, why) => {
    const [problem] = problemsWith({ POLL_SCHEDULE: schedule });
    expect(problem).toContain('POLL_SCHEDULE must be a six-field NCRONTAB expression');
    expect(problem).toContain(why);
  });
});

describe('loadConfig — MEDIAMAGIC_RATE_LIMITS', () => {
  it('parses bucket=rate[:burst] entries', () => {
    expect(
      load({ MEDIAMAGIC_RATE_LIMITS: 'submission_write=20:20, upload=10,submission_read = 0.5' }).rateLimits,
    ).toEqual({
      submission_write: { ratePerSecond: 20, burst: 20 },
      upload: { ratePerSecond: 10, burst: 10 },
      submission_read: { ratePerSecond: 0.5, burst: 1 },
    });
  });

  it('defaults the burst to one second’s worth, at least 1', () => {
    expect(load({ MEDIAMAGIC_RATE_LIMITS: 'sandbox=2.5' }).rateLimits).toEqual({
      sandbox: { ratePerSecond: 2.5, burst: 3 },
    });
  });

  it('accepts every known bucket', () => {
    const value = BUCKETS.map((b) => `${b}=1`).join(',');
    expect(Object.keys(load({ MEDIAMAGIC_RATE_LIMITS: value }).rateLimits)).toEqual([...BUCKETS]);
  });

  it('ignores empty entries', () => {
    expect(load({ MEDIAMAGIC_RATE_LIMITS: ',upload=1,,' }).rateLimits).toEqual({
      upload: { ratePerSecond: 1, burst: 1 },
    });
  });

  it.each([
    [
      'uploads=10',
      'MEDIAMAGIC_RATE_LIMITS names unknown bucket "uploads" (known: upload, submission_write, submission_read, webhook_write, webhook_read, sandbox)',
    ],
    ['upload=1,upload=2', 'MEDIAMAGIC_RATE_LIMITS must name each bucket once (upload repeats)'],
    [
      'upload',
      'MEDIAMAGIC_RATE_LIMITS must be bucket=ratePerSecond[:burst] entries separated by commas ("upload" is not)',
    ],
    [
      'upload=fast',
      'must be bucket=ratePerSecond[:burst] entries separated by commas ("upload=fast" is not)',
    ],
    [
      'upload=1:1.5',
      'must be bucket=ratePerSecond[:burst] entries separated by commas ("upload=1:1.5" is not)',
    ],
    ['upload=0', 'MEDIAMAGIC_RATE_LIMITS must give upload a rate above 0 and at most 10000 per second'],
    ['upload=10001', 'must give upload a rate above 0 and at most 10000 per second'],
    ['upload=1:0', 'MEDIAMAGIC_RATE_LIMITS must give upload a burst from 1 to 10000'],
  ])('rejects %j', (value, expected) => {
    const [problem] = problemsWith({ MEDIAMAGIC_RATE_LIMITS: value });
    expect(problem).toContain(expected);
    expect(problem).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('reports every bad entry at once', () => {
    const [problem] = problemsWith({ MEDIAMAGIC_RATE_LIMITS: 'nope=1,upload=0' });
    expect(problem).toContain('unknown bucket "nope"');
    expect(problem).toContain('must give upload a rate above 0');
  });
});

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
    WEBHOOK_MAX_BODY_BYTES: 'nope',
    MEDIAMAGIC_CONNECT_TIMEOUT_MS: 'nope',
    MEDIAMAGIC_HEADERS_TIMEOUT_MS: 'nope',
    MEDIAMAGIC_BODY_TIMEOUT_MS: 'nope',
    MEDIAMAGIC_RATE_LIMITS: 'nope',
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

  it('secretsOf lists the key, the webhook secrets and the account key for the Redactor', () => {
    const config = load({ MEDIAMAGIC_WEBHOOK_SECRETS: 'whsec_YWJjZA==' });
    expect(secretsOf(config)).toEqual([KEY, 'whsec_YWJjZA==', 'c2VjcmV0LWtleS12YWx1ZQ==']);
  });

  it('secretsOf includes a SAS and leaves identity storage without storage secrets', () => {
    const sas = load({
      AzureWebJobsStorage:
        'BlobEndpoint=https://a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net;SharedAccessSignature=sv=1&sig=xyz',
    });
    expect(secretsOf(sas)).toEqual([KEY, 'sv=1&sig=xyz']);
    const identity = loadConfig({
      MEDIAMAGIC_API_KEY: KEY,
      AzureWebJobsStorage__blobServiceUri: 'https://a.blob.core.windows.net',
      AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net',
    });
    expect(secretsOf(identity)).toEqual([KEY]);
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
