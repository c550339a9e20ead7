/**
 * The `BLOB_EVENTS_QUEUE` setting: a queue name whose poison queue is a valid queue name too.
 *
 * The host moves a message that failed `maxDequeueCount` times to `<queue>-poison` (docs/design.md,
 * "Platform facts the design rests on"). Azure queue names are at most 63 characters, so a queue name over
 * 56 leaves the host no poison queue at all: a message it gives up on has nowhere to go.
 */
import type { Parser } from './parser.js';
import { storageName } from './storageName.js';

/** The longest name Azure accepts for a queue (or a container). */
const MAX_QUEUE_NAME_LENGTH = 63;

/** The name of the queue the host moves a queue trigger's failed messages to. */
export function poisonQueueName(queue: string): string {
  return `${queue}-poison`;
}

/** The longest events queue name whose poison queue still fits: 56. */
export const MAX_EVENTS_QUEUE_NAME_LENGTH = MAX_QUEUE_NAME_LENGTH - poisonQueueName('').length;

/** A valid queue name (`storageName('queue')`) of at most {@link MAX_EVENTS_QUEUE_NAME_LENGTH} characters. */
export function eventsQueueName(): Parser<string> {
  return storageName('queue').superRefine((name, ctx) => {
    const poison = poisonQueueName(name);
    // A name over 63 already fails the queue-name rule above; say only that.
    if (name.length <= MAX_QUEUE_NAME_LENGTH && poison.length > MAX_QUEUE_NAME_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message:
          `must be at most ${MAX_EVENTS_QUEUE_NAME_LENGTH} characters: the host moves failed messages to ` +
          `"${poison}" (${poison.length} characters), and Azure queue names are at most ` +
          `${MAX_QUEUE_NAME_LENGTH}, so there would be no poison queue`,
      });
    }
  });
}
