/**
 * The scheduled recovery run (shared/sweep/recoveryRun.ts): the poison queue first, then the sweep, in one
 * budget — over Azurite and the emulator.
 */
import { QueueServiceClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { makeSweepSourceHandler } from '../../functions/sweepSource.js';
import { runRecovery } from '../../shared/sweep/recoveryRun.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { AutoAdvanceClock } from '../support/fakeClock.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';

describe('the scheduled recovery run', () => {
  const stack = useStack();
  const poisonQueue = () =>
    QueueServiceClient.fromConnectionString(stack.current.azurite.connectionString).getQueueClient(
      `${stack.current.deps.config.blobEventsQueue}-poison`,
    );
  const upload = (name: string) => stack.current.upload(name, sampleMedia('image/png'), 'image/png');
  const submissionsOf = async (name: string): Promise<number> => {
    const blobPath = (await stack.current.record(name))?.blobPath ?? '';
    return stack.current.emulator.stats().submissionsByBlobPath[blobPath] ?? 0;
  };

  it('submits the file a poison message names and the file no event announced, once each, in one run', async () => {
    const queue = poisonQueue();
    await queue.createIfNotExists();
    await upload('recovery/poisoned.png');
    await upload('recovery/unannounced.png');
    await queue.sendMessage(stack.current.eventFor('recovery/poisoned.png'));
    const logger = new MemoryLogger();
    // The sweep's clock is past the grace period; the drain and the pipeline keep real time.
    const sweep = stack.current.deps.sweepDeps(logger);
    const clock = new AutoAdvanceClock(Date.now() + sweep.settings.graceMs + 60_000);

    const summary = await runRecovery({
      sweep: { ...sweep, clock },
      poison: () => stack.current.deps.poisonDeps(logger),
      clock: stack.current.deps.clock,
      logger,
    });

    expect(summary.poison).toMatchObject({ read: 1, recorded: 1, driven: { submitted: 1 }, left: 0 });
    // The sweep found the poisoned file already claimed (by the drain) and drove only the other one.
    expect(summary.sweep).toMatchObject({ driven: { submitted: 1 }, passCompleted: true });
    expect(await submissionsOf('recovery/poisoned.png')).toBe(1);
    expect(await submissionsOf('recovery/unannounced.png')).toBe(1);
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
    expect(stack.current.emulator.stats().duplicateBlobPaths).toEqual([]);
  });

  it('a poison queue that cannot be read is an ALERT, and the sweep still runs', async () => {
    const logger = new MemoryLogger();
    const sweep = stack.current.deps.sweepDeps(logger);

    const summary = await runRecovery({
      sweep,
      poison: () => Promise.reject(new Error('AuthorizationPermissionMismatch: no queue role')),
      clock: stack.current.deps.clock,
      logger,
    });

    expect(summary.poison).toEqual({ error: 'AuthorizationPermissionMismatch: no queue role' });
    expect(summary.sweep.stopped).toBe('pass-complete');
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'ALERT: the poison queue could not be read; its messages wait for the next run',
      }),
    );
  });

  it('the sweepSource timer logs both steps of its run', async () => {
    const { context, lines } = stack.current.invocation('sweepSource');

    const summary = await makeSweepSourceHandler(() => Promise.resolve(stack.current.deps))(
      undefined,
      context,
    );

    expect(summary.poison).toMatchObject({ read: 0 });
    expect(lines.some((l) => l.includes('sweepSource: {"poison":{') && l.includes('"sweep":{'))).toBe(true);
  });
});
