import { describe, expect, it } from 'vitest';
import { KEY, load, problemsOf, problemsWith } from '../../test/support/configEnv.js';
import { loadConfig } from './loadConfig.js';

describe('loadConfig — storage', () => {
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
