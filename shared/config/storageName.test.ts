import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';

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
      // The events queue's longest name is 56: eventsQueueName.test.ts covers the poison queue's room.
      const valid = setting === 'BLOB_EVENTS_QUEUE' ? validNames.filter((n) => n.length <= 56) : validNames;
      for (const name of valid) expect(() => load(unique(name)), name).not.toThrow();
      for (const name of invalidNames) {
        const [problem] = problemsWith(unique(name));
        expect(problem, name).toMatch(new RegExp(`^${setting} must be a valid (container|queue) name: 3–63`));
      }
    },
  );
});
