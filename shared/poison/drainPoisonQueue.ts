/**
 * Drains the BlobCreated trigger's poison queue (docs/design.md, "Poison messages"). A message lands there
 * when the submission function failed on it `maxDequeueCount` times before the ledger claim (a bad setting
 * at first boot, a role assignment not yet propagated, storage errors); without this nothing reads it, so the
 * file would never be submitted and nobody would be told.
 *
 * Per message: record it in the ledger container (`poison/<message id>.json`), drive its blob through
 * `processSourceBlob` — the ledger claim keeps that exactly-once if the blob was submitted meanwhile — record
 * what happened, and only then delete the message. A crash anywhere in between loses nothing: the message
 * reappears after its visibility timeout, and a record whose outcome is final makes the next run delete it
 * without driving again. A message that cannot be read, or whose drive keeps throwing, is recorded, raised
 * as an `ALERT:` and deleted, so nothing loops for ever.
 */
import type { DequeuedMessageItem } from '@azure/storage-queue';
import { readHandOffMessage } from '../events/handOffMessage.js';
import { parseBlobCreatedMessage } from '../events/parseBlobCreated.js';
import { isoTimestamp } from '../ledger/record.js';
import type { Logger, Redactor } from '../logger.js';
import { claimLeaseMs } from '../pipeline/claimSource.js';
import { processSourceBlob, type ProcessResult } from '../pipeline/processSourceBlob.js';
import { cut, messageExcerpt, redactSecrets } from './messageExcerpt.js';
import type { PoisonDeps } from './poisonDeps.js';
import { isQueueMissing } from './poisonQueue.js';
import { isFinalPoisonRecord, poisonReason, type PoisonRecord } from './poisonRecord.js';

/** Limits of one drain run. */
export interface DrainOptions {
  /** Epoch ms after which no further message is started (one started drive runs to its own budget). */
  readonly deadlineMs: number;
  /** Messages received per run at most. Default 50. */
  readonly maxMessages?: number;
  /** Messages per receive (the service allows 32). Default 8. */
  readonly batchSize?: number;
  /**
   * How long a received message stays invisible: the wait before a message whose drive threw is tried
   * again, and the time a batch has before its messages go back to the queue. Default: the claim lease
   * (`claimLeaseMs` of the invocation budget), so the messages of a drain that died come back when a claim
   * it died holding would be re-driven — not ten minutes later.
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Drives per message before it is given up (recorded, alerted, deleted). Default 5. */
  readonly maxDriveAttempts?: number;
  /** The host's `maxDequeueCount` (host.json), quoted in each record's reason. Default 5. */
  readonly hostMaxDequeueCount?: number;
}

/** What one run did. */
export interface DrainSummary {
  /** Messages received (one received again within the run counts once). */
  readonly read: number;
  /** Messages whose record this run wrote. */
  readonly recorded: number;
  /** Messages driven and deleted, by the pipeline's result (`submitted`, `duplicate`, `missing`, ...). */
  readonly driven: Partial<Record<ProcessResult['kind'], number>>;
  /** Unreadable messages recorded, alerted and deleted. */
  readonly unreadable: number;
  /** Messages whose drives kept failing, recorded, alerted and deleted. */
  readonly givenUp: number;
  /** Messages already recorded as finished by an earlier run that died before deleting them: deleted now. */
  readonly alreadyRecorded: number;
  /**
   * Hand-off messages (docs/design.md, "Hand-offs go back on the queue") deleted unrecorded: only a wake-up;
   * their ledger record stays due and the timer re-drives it.
   */
  readonly handOffs: number;
  /** Messages left in the queue: a drive threw, MediaMagic refused the key, the deadline, a failed write. */
  readonly left: number;
  /** Why the run ended. */
  readonly stopped: 'empty' | 'cap' | 'deadline' | 'blocked' | 'no-queue';
}

/** Defaults of {@link DrainOptions}. */
export const DRAIN_DEFAULTS = {
  maxMessages: 50,
  batchSize: 8,
  maxDriveAttempts: 5,
  hostMaxDequeueCount: 5,
} as const;

/** How much of a drive's error the record keeps: enough to act on, not a stack trace. */
const LAST_ERROR_LIMIT = 300;

type Counts = {
  -readonly [K in keyof Omit<DrainSummary, 'driven' | 'stopped'>]: number;
} & { driven: Partial<Record<ProcessResult['kind'], number>> };

/** What handling one message came to. */
type Handled = 'done' | 'left' | 'blocked';

/** Drains up to `maxMessages` poison messages before `deadlineMs`; throws only if the queue is unreadable. */
export async function drainPoisonQueue(deps: PoisonDeps, options: DrainOptions): Promise<DrainSummary> {
  const settings = {
    ...DRAIN_DEFAULTS,
    visibilityTimeoutSeconds: Math.ceil(claimLeaseMs(deps.submitDeps.settings.invocationBudgetMs) / 1000),
    ...options,
  };
  const { clock, logger } = deps.submitDeps;
  const counts: Counts = {
    read: 0,
    recorded: 0,
    driven: {},
    unreadable: 0,
    givenUp: 0,
    alreadyRecorded: 0,
    handOffs: 0,
    left: 0,
  };
  const finish = (stopped: DrainSummary['stopped']): DrainSummary => {
    const summary: DrainSummary = { ...counts, stopped };
    if (counts.read > 0) logger.info('poison queue drained', { queue: deps.queue.name, ...summary });
    return summary;
  };

  const seen = new Set<string>();
  for (;;) {
    const room = settings.maxMessages - counts.read;
    if (room <= 0) return finish('cap');
    if (clock.now() >= settings.deadlineMs) return finish('deadline');
    let batch: DequeuedMessageItem[];
    try {
      const received = await deps.queue.receiveMessages({
        numberOfMessages: Math.min(room, settings.batchSize, 32),
        visibilityTimeout: settings.visibilityTimeoutSeconds,
      });
      batch = received.receivedMessageItems;
    } catch (error) {
      // The host creates the poison queue with the first message it gives up on: none yet is the normal case.
      if (isQueueMissing(error)) return finish('no-queue');
      throw error;
    }
    if (batch.length === 0) return finish('empty');
    counts.read += batch.length;

    for (const [index, message] of batch.entries()) {
      if (clock.now() >= settings.deadlineMs) {
        await release(deps, batch.slice(index), logger);
        counts.left += batch.length - index;
        return finish('deadline');
      }
      if (seen.has(message.messageId)) {
        // Left earlier in this run and back already (its visibility ran out while others were driven): once
        // per run is enough, and it is already counted. This receive hides it again for the next run.
        counts.read--;
        continue;
      }
      seen.add(message.messageId);
      const handled = await handleSafely(deps, settings, message, counts);
      if (handled === 'left') counts.left++;
      if (handled === 'blocked') {
        counts.left += batch.length - index;
        await release(deps, batch.slice(index + 1), logger);
        return finish('blocked');
      }
    }
  }
}

/** {@link handle}, with a storage failure (the record write, the delete) leaving the message for later. */
async function handleSafely(
  deps: PoisonDeps,
  settings: Required<DrainOptions>,
  message: DequeuedMessageItem,
  counts: Counts,
): Promise<Handled> {
  try {
    return await handle(deps, settings, message, counts);
  } catch (error) {
    deps.submitDeps.logger.error('poison message could not be handled; it stays in the queue', {
      queue: deps.queue.name,
      messageId: message.messageId,
      error: describeError(error, deps.redactor),
    });
    return 'left';
  }
}

async function handle(
  deps: PoisonDeps,
  settings: Required<DrainOptions>,
  message: DequeuedMessageItem,
  counts: Counts,
): Promise<Handled> {
  const { clock, logger, settings: submit } = deps.submitDeps;
  const queue = deps.queue.name;
  const handOff = readHandOffMessage(message.messageText);
  if (handOff.kind === 'hand-off') {
    // Not a file nobody knows about: the record it names is due in the ledger, which the timer follows.
    await remove(deps, message);
    counts.handOffs++;
    logger.info('poisoned hand-off message deleted; its ledger record stays due and the timer re-drives it', {
      queue,
      messageId: message.messageId,
      key: handOff.handOff.key,
    });
    return 'done';
  }
  const now = (): string => isoTimestamp(clock.now());
  const existing = await deps.records.get(message.messageId);
  if (existing !== undefined && isFinalPoisonRecord(existing)) {
    // An earlier run recorded it and died before the delete: finish that, never drive it twice.
    await remove(deps, message);
    counts.alreadyRecorded++;
    logger.info('poison message already recorded; deleted', {
      queue,
      messageId: message.messageId,
      outcome: existing.outcome,
    });
    return 'done';
  }
  const base: PoisonRecord = existing
    ? { ...existing, dequeueCount: message.dequeueCount, recordedAt: now() }
    : {
        version: 1,
        messageId: message.messageId,
        queue,
        insertedOn: validIso(message.insertedOn),
        dequeueCount: message.dequeueCount,
        firstRecordedAt: now(),
        recordedAt: now(),
        why: poisonReason(queue, settings.hostMaxDequeueCount),
        blob: null,
        unreadable: null,
        outcome: 'driving',
        result: null,
        attempts: 0,
        lastError: null,
      };
  const write = async (patch: Partial<PoisonRecord>): Promise<PoisonRecord> => {
    const record: PoisonRecord = { ...base, ...patch, recordedAt: now() };
    await deps.records.put(record);
    return record;
  };

  const parsed = parseBlobCreatedMessage(message.messageText, { sourceContainer: submit.sourceContainer });
  if (parsed.kind === 'ignored') {
    const unreadable = {
      code: parsed.code,
      reason: redactSecrets(parsed.reason, deps.redactor),
      excerpt: messageExcerpt(message.messageText, deps.redactor),
    };
    await write({ outcome: 'unreadable', unreadable });
    counts.recorded++;
    logger.error(`ALERT: poison message ${message.messageId} is unreadable; recorded and deleted`, {
      queue,
      messageId: message.messageId,
      insertedOn: base.insertedOn,
      ...unreadable,
    });
    await remove(deps, message);
    counts.unreadable++;
    return 'done';
  }

  const blob = { container: parsed.event.container, name: parsed.event.blobName };
  const alertProps = { queue, messageId: message.messageId, blob: blob.name, insertedOn: base.insertedOn };
  if (base.attempts >= settings.maxDriveAttempts) {
    // Its drives kept killing the process before a failure could be written: give up now.
    await giveUp(
      deps,
      message,
      counts,
      write,
      blob,
      base.attempts,
      base.lastError ?? 'the drive never finished',
    );
    return 'done';
  }
  const attempts = base.attempts + 1;
  await write({ blob, outcome: 'driving', attempts });
  counts.recorded++;
  logger.warn('driving the blob of a poison message', { ...alertProps, attempt: attempts });

  const drive = deps.drive ?? ((name: string) => processSourceBlob(deps.submitDeps, name));
  let result: ProcessResult;
  try {
    result = await drive(blob.name);
  } catch (error) {
    const lastError = describeError(error, deps.redactor);
    if (attempts >= settings.maxDriveAttempts) {
      await giveUp(deps, message, counts, write, blob, attempts, lastError);
      return 'done';
    }
    await write({ blob, outcome: 'drive-failed', attempts, lastError });
    logger.warn('poison message drive failed; it stays in the queue and is tried again', {
      ...alertProps,
      attempt: attempts,
      maxAttempts: settings.maxDriveAttempts,
      error: lastError,
    });
    return 'left';
  }

  if (result.kind === 'blocked') {
    // The key or plan was refused: every other message would be refused too. Not this message's attempt.
    await write({ blob, outcome: 'blocked', result: result.kind, attempts: base.attempts });
    logger.error('ALERT: MediaMagic refused the API key or plan; the poison drain stops', alertProps);
    return 'blocked';
  }
  await write({ blob, outcome: 'driven', result: result.kind, attempts, lastError: null });
  await remove(deps, message);
  counts.driven[result.kind] = (counts.driven[result.kind] ?? 0) + 1;
  logger.info('poison message driven and deleted', { ...alertProps, result: result.kind });
  return 'done';
}

async function giveUp(
  deps: PoisonDeps,
  message: DequeuedMessageItem,
  counts: Counts,
  write: (patch: Partial<PoisonRecord>) => Promise<PoisonRecord>,
  blob: NonNullable<PoisonRecord['blob']>,
  attempts: number,
  lastError: string,
): Promise<void> {
  await write({ blob, outcome: 'given-up', attempts, lastError });
  deps.submitDeps.logger.error(
    `ALERT: gave up on poison message for ${blob.name} after ${attempts} drives: ${lastError}`,
    { queue: deps.queue.name, messageId: message.messageId, blob: blob.name, attempts, error: lastError },
  );
  await remove(deps, message);
  counts.givenUp++;
}

/** Deletes a handled message; one already gone (its visibility ran out and another run took it) is fine. */
async function remove(deps: PoisonDeps, message: DequeuedMessageItem): Promise<void> {
  try {
    await deps.queue.deleteMessage(message.messageId, message.popReceipt);
  } catch (error) {
    if (!isGone(error)) throw error;
    deps.submitDeps.logger.info('poison message was already gone when deleted', {
      queue: deps.queue.name,
      messageId: message.messageId,
    });
  }
}

/** Hands received but unstarted messages straight back, rather than after the visibility timeout. */
async function release(deps: PoisonDeps, messages: DequeuedMessageItem[], logger: Logger): Promise<void> {
  for (const message of messages) {
    try {
      await deps.queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    } catch (error) {
      // It comes back after its visibility timeout anyway.
      logger.info('poison message not released early', {
        messageId: message.messageId,
        error: describeError(error, deps.redactor),
      });
    }
  }
}

/** 404 (deleted) or 400 pop-receipt mismatch (received again by someone else since). */
function isGone(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return status === 404 || (status === 400 && /popreceipt/i.test(String((error as { code?: unknown }).code)));
}

function describeError(error: unknown, redactor: Redactor | undefined): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return cut(redactSecrets(text, redactor), LAST_ERROR_LIMIT);
}

function validIso(date: Date | undefined): string | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}
