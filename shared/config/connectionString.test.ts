import { describe, expect, it } from 'vitest';
import { AZURITE_KEY } from '../../devkit/azurite.js';
import { CONNECTION_STRING, load, problemsWith } from '../../test/support/configEnv.js';
import { DEVELOPMENT_STORAGE_CONNECTION_STRING } from './connectionString.js';

describe('loadConfig — storage connection string', () => {
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
});
