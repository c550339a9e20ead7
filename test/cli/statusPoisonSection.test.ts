import { describe, expect, it } from 'vitest';
import { buildPoisonSection, buildStatusReport } from '../../cli/lib/statusReport.js';
import { statusLines } from '../../cli/lib/statusText.js';
import type { PoisonRecord } from '../../shared/poison/poisonRecord.js';

/** The poison part of `status` when the queue cannot be read, and whose records it shows (pure). */
describe('status: the poison section', () => {
  const containers = { source: 'uploads', ledger: 'mediamagic-ledger', results: 'mediamagic-results' };
  const record = (queue: string, messageId: string): PoisonRecord => ({
    version: 1,
    messageId,
    queue,
    insertedOn: '2026-11-25T11:40:00.000Z',
    dequeueCount: 1,
    firstRecordedAt: '2026-11-25T11:45:00.000Z',
    recordedAt: '2026-11-25T11:45:02.000Z',
    why: 'failed 5 times',
    blob: { container: 'uploads', name: 'videos/a.mp4' },
    unreadable: null,
    outcome: 'driven',
    result: 'submitted',
    attempts: 1,
    lastError: null,
  });

  it('a queue it may not read costs only the count, said so; the records still show', () => {
    const poison = buildPoisonSection(
      'blob-created-poison',
      { error: 'This request is not authorized to perform this operation.' },
      [record('blob-created-poison', 'm1')],
    );
    expect(poison).toMatchObject({ waiting: null, recorded: 1 });

    const text = statusLines(buildStatusReport([], Date.now(), containers, poison)).join('\n');

    expect(text).toContain(
      'Poison queue blob-created-poison: could not be read (This request is not authorized to perform this operation.)',
    );
    expect(text).toMatch(/driven: submitted +videos\/a\.mp4/);
  });

  it("another app's poison queue sharing the ledger is not this app's", () => {
    const poison = buildPoisonSection('blob-created-poison', { waiting: 0 }, [
      record('other-events-poison', 'm2'),
    ]);
    expect(poison).toEqual({
      queue: 'blob-created-poison',
      waiting: 0,
      waitingError: null,
      recorded: 0,
      messages: [],
    });
  });
});
