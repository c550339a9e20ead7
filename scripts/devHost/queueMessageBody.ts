/**
 * What the Functions host makes of a queue message's text before the function sees it, in two steps that
 * belong to two different components:
 *
 * 1. The Storage Queues extension decodes the text by host.json `extensions.queues.messageEncoding`. With
 *    `base64` (its default) it decodes with .NET's strict base64 decoder; text that decoder refuses is not
 *    retried and never reaches a function: the extension's "decoding failed" handler hands the message to
 *    the same poison step a message that used up `maxDequeueCount` goes through, which copies the raw text
 *    to `<queue>-poison` and deletes the original. With `none` the text is taken as it is.
 * 2. The host passes the decoded text to the Node worker as a string, and `@azure/functions` turns a string
 *    trigger payload into its `JSON.parse` result when that succeeds and leaves it a string otherwise — so
 *    `"42"` arrives as the number 42 and `plain text` as a string.
 */

/** host.json `extensions.queues.messageEncoding`. */
export type QueueMessageEncoding = 'base64' | 'none';

// .NET's Convert.FromBase64String: whitespace anywhere is skipped, the rest must be whole four-character
// groups of the standard alphabet, with `=` padding only at the very end. Node's own decoder is lenient
// (it stops at the first bad character, accepts missing padding), so it cannot be the test.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SKIPPED_WHITESPACE = /[ \t\r\n]/g;

/** The decoded text, or `undefined` when the extension would refuse it and poison the message. */
export function decodeQueueMessage(text: string, encoding: QueueMessageEncoding): string | undefined {
  if (encoding === 'none') return text;
  const compact = text.replace(SKIPPED_WHITESPACE, '');
  if (!BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** The handler's trigger argument for decoded message text, as `@azure/functions` converts it. */
export function queueTriggerInput(decoded: string): unknown {
  try {
    return JSON.parse(decoded) as unknown;
  } catch {
    return decoded;
  }
}
