/**
 * Webhook dedupe on the record itself: MediaMagic (like any Standard Webhooks sender) redelivers, so each
 * applied event id is remembered — the newest {@link SEEN_EVENT_IDS_LIMIT} of them — in the same write that
 * applies the event. Keeping it in the record (not a separate store) means "applied" and "remembered" can
 * never disagree.
 */
import { SEEN_EVENT_IDS_LIMIT, type LedgerRecord } from './record.js';

/** True when the event was already applied to this record. */
export function hasSeenEvent(record: LedgerRecord, eventId: string): boolean {
  return record.seenEventIds.includes(eventId);
}

/** The record with `eventId` remembered (moved to newest if already there), bounded to the limit. */
export function rememberEvent(record: LedgerRecord, eventId: string): LedgerRecord {
  const others = record.seenEventIds.filter((id) => id !== eventId);
  return { ...record, seenEventIds: [...others, eventId].slice(-SEEN_EVENT_IDS_LIMIT) };
}
