import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';
import { eventsQueueName, MAX_EVENTS_QUEUE_NAME_LENGTH, poisonQueueName } from './eventsQueueName.js';

describe('eventsQueueName — BLOB_EVENTS_QUEUE leaves room for its poison queue', () => {
  it('names the poison queue as the host does', () => {
    expect(poisonQueueName('blob-created')).toBe('blob-created-poison');
    expect(MAX_EVENTS_QUEUE_NAME_LENGTH).toBe(56);
  });

  it('accepts a queue name whose poison queue fits in 63 characters', () => {
    const longest = 'q'.repeat(56);
    expect(eventsQueueName().parse(longest)).toBe(longest);
    expect(poisonQueueName(longest)).toHaveLength(63);
  });

  it('refuses a valid queue name whose poison queue would not be one, naming the rule and the poison name', () => {
    const name = 'q'.repeat(57);
    const result = eventsQueueName().safeParse(name);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      `must be at most 56 characters: the host moves failed messages to "${name}-poison" (64 characters), ` +
        'and Azure queue names are at most 63, so there would be no poison queue',
    ]);
  });

  it('reports a name that is not a queue name at all by the queue-name rule alone', () => {
    const result = eventsQueueName().safeParse('q'.repeat(64));
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^must be a valid queue name: 3–63/),
    ]);
  });

  it('makes loadConfig refuse such a BLOB_EVENTS_QUEUE, naming the setting', () => {
    const name = `blob-created-${'x'.repeat(50)}`;
    expect(name).toHaveLength(63);
    expect(problemsWith({ BLOB_EVENTS_QUEUE: name })).toEqual([
      `BLOB_EVENTS_QUEUE must be at most 56 characters: the host moves failed messages to "${name}-poison" ` +
        `(70 characters), and Azure queue names are at most 63, so there would be no poison queue (got "${name}")`,
    ]);
    expect(load({ BLOB_EVENTS_QUEUE: 'q'.repeat(56) }).blobEventsQueue).toBe('q'.repeat(56));
  });
});
