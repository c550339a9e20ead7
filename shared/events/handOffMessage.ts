/**
 * The queue message a hand-off leaves for later (docs/design.md, "Hand-offs go back on the queue"): when an
 * invocation of the BlobCreated trigger hands a record to later — a 429's pause or the breaker past its
 * deadline — it also puts this message on the same queue, invisible until the record's `due`, so that the
 * queue trigger's instances (which scale out) pick the work up again rather than the timer alone. It names
 * the ledger record and its generation, nothing else: the record is the truth, the message only a wake-up.
 */
import { z } from 'zod';
import { decodeQueueMessage } from './decodeQueueMessage.js';
import { encodeQueueMessage } from './buildBlobCreatedEvent.js';
import { LEDGER_KEY_PATTERN } from '../ledger/ledgerKey.js';

/** The ledger record a hand-off message wakes. */
export interface HandOff {
  /** The record's ledger key. */
  readonly key: string;
  /** The generation that was handed off: a later one is its own claimant's business. */
  readonly generation: number;
}

/** The property that marks a hand-off message; no BlobCreated event has it. */
const MARK = 'mediamagicHandOff';

const handOffMessageSchema = z.object({
  [MARK]: z.object({
    key: z.string().regex(LEDGER_KEY_PATTERN, 'must be a ledger key (64 hex digits)'),
    generation: z.number().int().min(1),
  }),
});

/** The text to put on the queue for `handOff`: base64 of its JSON, the Functions host's default encoding. */
export function encodeHandOffMessage(handOff: HandOff): string {
  return encodeQueueMessage({ [MARK]: { key: handOff.key, generation: handOff.generation } });
}

/** What {@link readHandOffMessage} made of a queue message. */
export type HandOffReading =
  /** Not a hand-off message: read it as a BlobCreated event. */
  | { readonly kind: 'not-a-hand-off' }
  | { readonly kind: 'hand-off'; readonly handOff: HandOff }
  /** Marked as a hand-off but malformed: `reason` names the problem. */
  | { readonly kind: 'malformed'; readonly reason: string };

/** Reads a queue message (in any form the host hands over) as a hand-off message, if it is one. */
export function readHandOffMessage(message: unknown): HandOffReading {
  const decoded = decodeQueueMessage(message);
  if (!decoded.ok) return { kind: 'not-a-hand-off' };
  const value = decoded.value;
  if (typeof value !== 'object' || value === null || !(MARK in value)) return { kind: 'not-a-hand-off' };
  const parsed = handOffMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'malformed',
      reason: `hand-off message: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'malformed'}`,
    };
  }
  return { kind: 'hand-off', handOff: parsed.data[MARK] };
}
