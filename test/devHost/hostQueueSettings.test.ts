import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHostQueueSettings } from '../../scripts/devHost/hostQueueSettings.js';

const appRootWith = (hostJson: unknown): string => {
  const root = mkdtempSync(path.join(tmpdir(), 'mm-hostjson-'));
  writeFileSync(path.join(root, 'host.json'), JSON.stringify(hostJson));
  return root;
};

describe('the dev host reads the queue trigger settings from host.json', () => {
  it("takes batchSize, newBatchThreshold and maxDequeueCount, and this app's host.json parses", () => {
    expect(
      readHostQueueSettings(
        appRootWith({
          version: '2.0',
          extensions: {
            queues: { batchSize: 8, newBatchThreshold: 2, maxDequeueCount: 3, visibilityTimeout: '00:00:30' },
          },
        }),
      ),
    ).toEqual({ batchSize: 8, newBatchThreshold: 2, maxDequeueCount: 3 });
    expect(readHostQueueSettings(appRootWith({ version: '2.0' }))).toEqual({});
    expect(readHostQueueSettings(process.cwd())).toMatchObject({ maxDequeueCount: 5 });
  });

  it('takes messageEncoding in any case, as the extension does, and refuses one it does not know', () => {
    const encoding = (value: unknown): unknown =>
      readHostQueueSettings(appRootWith({ extensions: { queues: { messageEncoding: value } } }))
        .messageEncoding;
    expect(encoding('None')).toBe('none');
    expect(encoding('base64')).toBe('base64');
    expect(() => encoding('utf8')).toThrow(/messageEncoding/);
  });

  it('refuses a batchSize the host would refuse (more than 32)', () => {
    expect(() => readHostQueueSettings(appRootWith({ extensions: { queues: { batchSize: 64 } } }))).toThrow(
      /batchSize/,
    );
  });
});
