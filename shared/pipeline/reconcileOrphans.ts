/**
 * The other half of reconciling lost creation responses: webhooks about submissions no record knew when they
 * arrived (kept as orphans by the receiver). Two kinds:
 * - the record was linked moments later (the webhook overtook the submitter's pointer write): the pointer now
 *   finds it, so the orphan's event is applied as the receiver would have — no API call;
 * - the pointer was written but the submitter died before the record learned the id: once a re-drive has
 *   settled the record as unconfirmed, it is linked like a lost response (below);
 * - the creation response was lost: the submission's blob path (its workspace and asset file name) leads to
 *   the record through the pointer written before the submit attempt; the record learns its submission id and
 *   is followed like any other.
 */
import type { Orphan } from '../ledger/reconciliationIndex.js';
import { applyWebhookEvent } from '../webhooks/applyWebhookEvent.js';
import type { WebhookEvent } from '../webhooks/webhookEvent.js';
import { identifySubmission, linkRecord, whyNotLinkable } from './linkLostSubmission.js';
import type { PollDeps } from './pollDeps.js';

/** Orphans looked at per timer run. */
const ORPHANS_PER_RUN = 50;
/** An orphan nobody claims for this long is not ours (another system shares the key); it is dropped. */
const ORPHAN_TTL_MS = 24 * 3600_000;

/** What became of one orphan; all but `later` remove it. */
type OrphanOutcome = 'applied' | 'linked' | 'unrelated' | 'later';

/** How many orphans one run settled, by outcome. */
export interface OrphanSummary {
  /** Records that learned their lost submission id. */
  readonly linked: number;
  /** Events applied late to records linked after the webhook arrived. */
  readonly applied: number;
}

/** Works through the orphans. Never throws for one bad orphan: it is logged and kept for the next run. */
export async function reconcileOrphans(deps: PollDeps, deadlineMs: number): Promise<OrphanSummary> {
  let linked = 0;
  let applied = 0;
  for (const orphan of await deps.reconciliation.listOrphans(ORPHANS_PER_RUN)) {
    if (deps.clock.now() >= deadlineMs) break;
    try {
      const outcome = await reconcileOne(deps, orphan, deadlineMs);
      if (outcome === 'linked') linked++;
      if (outcome === 'applied') applied++;
      if (outcome !== 'later') await deps.reconciliation.removeOrphan(orphan.submissionId);
    } catch (error) {
      deps.logger.warn('orphan webhook could not be reconciled this run', {
        submissionId: orphan.submissionId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { linked, applied };
}

async function reconcileOne(deps: PollDeps, orphan: Orphan, deadlineMs: number): Promise<OrphanOutcome> {
  const expired = deps.clock.now() - Date.parse(orphan.receivedAt) > ORPHAN_TTL_MS;
  const later = (): OrphanOutcome => (expired ? 'unrelated' : 'later');

  // Linked since it arrived: one pointer read, and the event lands as if it had come a moment later.
  const pointed = await deps.ledger.findBySubmission(orphan.submissionId);
  if (pointed !== undefined) {
    const result = await applyWebhookEvent(deps, eventOf(orphan));
    if (result.kind === 'contention') return later();
    if (result.kind !== 'not-yet-submitted') return 'applied';
    // The pointer names the record but the record never learned the id. Only once its submitter has given
    // up (a re-drive found the submission already there) is no one else about to write it.
    const record = (await deps.ledger.get(pointed))?.record;
    if (record?.state !== 'submitted-unconfirmed' && record?.state !== 'stuck') return later();
  }

  const identity = await identifySubmission(deps, orphan.submissionId, orphan.assetId, deadlineMs);
  if (identity.kind === 'not-found') return 'unrelated';
  if (identity.kind !== 'found') return later();
  const key = await deps.reconciliation.findByBlobPath(identity.blobPath);
  const record = key ? (await deps.ledger.get(key))?.record : undefined;
  if (!record || whyNotLinkable(record, identity.blobPath) !== undefined) return later();
  // A pointer naming another record would make this link a second owner of the submission.
  if (pointed !== undefined && pointed !== record.key) return later();
  const saved = await linkRecord(
    deps,
    record,
    identity,
    `submission ${orphan.submissionId} identified from a webhook (its creation response was lost)`,
  );
  return saved.kind === 'saved' ? 'linked' : 'later';
}

/**
 * The webhook event an orphan kept. Orphans stored before event ids were kept get a stable stand-in id, so
 * applying one twice is still recognised as a duplicate.
 */
function eventOf(orphan: Orphan): WebhookEvent {
  const failed = orphan.eventType === 'asset.processing.failed';
  return {
    id: orphan.eventId ?? `orphan:${orphan.submissionId}:${orphan.assetId}:${orphan.eventType}`,
    type: failed ? 'asset.processing.failed' : 'asset.processing.completed',
    timestamp: orphan.receivedAt,
    data: {
      submission_id: orphan.submissionId,
      asset_id: orphan.assetId,
      status: failed ? 'failed' : 'complete',
      workspace_id: undefined,
      error_message: orphan.errorMessage,
    },
  };
}
