import { describe, expect, it } from 'vitest';
import { KEY, load } from '../../test/support/configEnv.js';
import { loadConfig } from './loadConfig.js';
import { secretsOf } from './secretsOf.js';

describe('secretsOf', () => {
  it('secretsOf lists the key, the webhook secrets and the account key for the Redactor', () => {
    const config = load({ MEDIAMAGIC_WEBHOOK_SECRETS: 'whsec_YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4' });
    expect(secretsOf(config)).toEqual([
      KEY,
      'whsec_YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4',
      'c2VjcmV0LWtleS12YWx1ZQ==',
    ]);
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
