/**
 * What the ledger keeps about one message the host moved to the poison queue (docs/ledger.md, Layout;
 * docs/design.md, "Poison messages"): which blob it was about, when it got there, why, and what the drain
 * did with it. Validated when read: operators and tools may edit the ledger container.
 */
import { z } from 'zod';

/** What the drain did with a poison message; the first three are final (the message is deleted). */
export const POISON_OUTCOMES = [
  'driven',
  'unreadable',
  'given-up',
  'driving',
  'drive-failed',
  'blocked',
] as const;

/** One of {@link POISON_OUTCOMES}. */
export type PoisonOutcome = (typeof POISON_OUTCOMES)[number];

/** Outcomes after which the message is deleted and never driven again. */
export const FINAL_POISON_OUTCOMES: readonly PoisonOutcome[] = ['driven', 'unreadable', 'given-up'];

/**
 * Why any message is in the poison queue. The host moves the message as it was, with no error attached, so
 * this is all the message itself can tell; the failures are in the function's logs.
 */
export function poisonReason(queue: string, maxDequeueCount: number): string {
  return (
    `the submission function (submitOnBlobCreated) failed on this message ${maxDequeueCount} times ` +
    `(host.json maxDequeueCount), so the Functions host moved it to ${queue}; the message carries no ` +
    'error text — the errors are in the function app logs (Application Insights) from just before insertedOn'
  );
}

/** The parse failure of an unreadable message, with a short redacted excerpt of its text. */
export const UnreadableSchema = z.object({
  code: z.string().min(1),
  reason: z.string(),
  excerpt: z.string(),
});

/** The record's JSON shape (`poison/<message id>.json` in the ledger container). */
export const PoisonRecordSchema = z.object({
  version: z.literal(1),
  messageId: z.string().min(1),
  /** The poison queue's name. */
  queue: z.string().min(1),
  /** When the host put the message in the poison queue (from the queue), if it said. */
  insertedOn: z.string().nullable(),
  /** How often the drain has received this poison message (the host's own tries are not counted here). */
  dequeueCount: z.number().int().nonnegative(),
  /** When the drain first recorded it. */
  firstRecordedAt: z.string(),
  /** When the drain last wrote this record. */
  recordedAt: z.string(),
  why: z.string(),
  /** The source blob the event named; null when the message is unreadable. */
  blob: z.object({ container: z.string().min(1), name: z.string().min(1) }).nullable(),
  unreadable: UnreadableSchema.nullable(),
  outcome: z.enum(POISON_OUTCOMES),
  /** The pipeline's result kind when driven (`submitted`, `duplicate`, `missing`, ...). */
  result: z.string().nullable(),
  /** Drives started by the drain (one that killed the process counts too). */
  attempts: z.number().int().nonnegative(),
  /** The last drive's error, redacted and cut short. */
  lastError: z.string().nullable(),
});

/** A poison message's record. */
export type PoisonRecord = z.infer<typeof PoisonRecordSchema>;

/** Whether `record` is done with: its message is (or may be) deleted and is never driven again. */
export function isFinalPoisonRecord(record: PoisonRecord): boolean {
  return FINAL_POISON_OUTCOMES.includes(record.outcome);
}
