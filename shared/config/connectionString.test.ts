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
    [
      'http to Azurite on 127.0.0.1',
      'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/a;QueueEndpoint=http://127.0.0.1:10001/a',
    ],
    [
      'http to the rest of 127.0.0.0/8, localhost and [::1]',
      'AccountName=a;AccountKey=a2V5;BlobEndpoint=http://127.255.0.9:10000/a;QueueEndpoint=http://localhost:10001/a;TableEndpoint=http://[::1]:10002/a',
    ],
    [
      'https to a sovereign cloud',
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn',
    ],
    [
      'https to a custom domain',
      'AccountName=a;AccountKey=a2V5;BlobEndpoint=https://media.example.com;QueueEndpoint=https://a.queue.core.windows.net',
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
    [
      'http protocol without endpoints (derives <account>.blob.core.windows.net)',
      'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5SecretPart',
      'must use DefaultEndpointsProtocol=https (DefaultEndpointsProtocol=http needs loopback BlobEndpoint and QueueEndpoint',
    ],
    [
      'http protocol with only a loopback BlobEndpoint',
      'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5SecretPart;BlobEndpoint=http://127.0.0.1:10000/a',
      'must use DefaultEndpointsProtocol=https',
    ],
    [
      'http BlobEndpoint on a remote host',
      'AccountName=a;AccountKey=a2V5SecretPart;BlobEndpoint=http://a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net',
      'has a BlobEndpoint that must use https (plain http is allowed only for localhost / 127.0.0.0/8 / [::1])',
    ],
    [
      'http QueueEndpoint on a look-alike of loopback',
      'AccountName=a;AccountKey=a2V5SecretPart;BlobEndpoint=https://a.blob.core.windows.net;QueueEndpoint=http://127.0.0.1.evil.example',
      'has a QueueEndpoint that must use https',
    ],
    [
      'http TableEndpoint on a private address',
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5SecretPart;TableEndpoint=http://10.0.0.4/a',
      'has a TableEndpoint that must use https',
    ],
    [
      'SAS with an http BlobEndpoint',
      'BlobEndpoint=http://a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net;SharedAccessSignature=sv=1&sig=SecretPart',
      'has a BlobEndpoint that must use https',
    ],
    [
      'BlobEndpoint not a URL',
      'AccountName=a;AccountKey=a2V5SecretPart;BlobEndpoint=a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net',
      'has a BlobEndpoint that is not an absolute https URL',
    ],
    [
      'BlobEndpoint of another scheme',
      'AccountName=a;AccountKey=a2V5SecretPart;BlobEndpoint=ftp://a.example;QueueEndpoint=https://a.queue.core.windows.net',
      'has a BlobEndpoint that is not an https URL',
    ],
  ])('rejects a bad connection string (%s) without echoing it', (_label, value, expected) => {
    const [problem] = problemsWith({ AzureWebJobsStorage: value });
    expect(problem).toMatch(/^AzureWebJobsStorage /);
    expect(problem).toContain(expected);
    expect(problem).not.toContain('SecretPart');
    expect(problem).not.toContain('got');
  });
});
