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
 * Orphans about submissions that are not ours (another client in the workspace) are settled after one look:
 * the look that proves it (see {@link reconcileOne}) is also the last. What the looks may cost is capped per
 * run, and the queue is served longest-waiting first, so a busy co-tenant delays our own orphans by a bounded
 * number of runs instead of starving them (docs/design.md, decision 8).
 */
import { isoTimestamp } from '../ledger/record.js';
import type { Orphan, QueuedOrphan } from '../ledger/reconciliationIndex.js';
import { applyWebhookEvent } from '../webhooks/applyWebhookEvent.js';
import type { WebhookEvent } from '../webhooks/webhookEvent.js';
import { identifySubmission, linkRecord, whyNotLinkable } from './linkLostSubmission.js';
import type { PollDeps } from './pollDeps.js';
import { stepFailureWaitMs } from './stepFailureWait.js';

/** Orphans taken from the queue per timer run (those needing no API read cost one pointer read each). */
const ORPHANS_PER_RUN = 50;
/**
 * MediaMagic reads (submission and asset) all orphans of one timer run may cost together. A look costs at
 * most {@link READS_PER_LOOK}, so at least 20 orphans are looked at per run; the rest keep their place.
 */
export const ORPHAN_API_READS_PER_RUN = 40;
/** The most one look at an orphan reads: its submission, then its asset's file name. */
const READS_PER_LOOK = 2;
/**
 * An orphan nobody claims for this long is not ours (another system shares the key); it is dropped — also
 * one whose looks keep throwing, which by then has had its chance.
 */
export const ORPHAN_TTL_MS = 24 * 3600_000;

/**
 * What became of one orphan. `foreign`: the look proved it another client's; it is removed like `unrelated`
 * (the submission is gone). `later`: kept and sent to the back of the queue. `deferred`: not looked at (this
 * run's reads were spent); it keeps its place.
 */
type OrphanOutcome = 'applied' | 'linked' | 'unrelated' | 'foreign' | 'later' | 'deferred';

/** MediaMagic reads left to this run's orphans. */
interface ReadBudget {
  reads: number;
}

/** How many orphans one run settled, by outcome. */
export interface OrphanSummary {
  /** Records that learned their lost submission id. */
  readonly linked: number;
  /** Events applied late to records linked after the webhook arrived. */
  readonly applied: number;
  /** Orphans proven another client's by one look, and dropped. */
  readonly foreign: number;
  /** MediaMagic reads the orphans cost (at most {@link ORPHAN_API_READS_PER_RUN}). */
  readonly apiReads: number;
}

/**
 * Works through the orphans that are due. Never throws: an orphan whose look throws waits with a backoff
 * ({@link settleFailedLook}), and a listing that fails leaves every orphan for the next run.
 */
export async function reconcileOrphans(deps: PollDeps, deadlineMs: number): Promise<OrphanSummary> {
  let linked = 0;
  let applied = 0;
  let foreign = 0;
  const budget: ReadBudget = { reads: ORPHAN_API_READS_PER_RUN };
  let queue: QueuedOrphan[];
  try {
    queue = await deps.reconciliation.listOrphans(ORPHANS_PER_RUN, isoTimestamp(deps.clock.now()));
  } catch (error) {
    // The orphans wait for the next run; the records due this run are still worked.
    deps.logger.warn('orphan webhooks could not be listed this run', {
      error: error instanceof Error ? error.message : String(error),
    });
    return { linked, applied, foreign, apiReads: 0 };
  }
  for (const orphan of queue) {
    if (deps.clock.now() >= deadlineMs) break;
    try {
      const outcome = await reconcileOne(deps, orphan, deadlineMs, budget);
      if (outcome === 'linked') linked++;
      if (outcome === 'applied') applied++;
      if (outcome === 'foreign') foreign++;
      if (outcome === 'later') {
        await deps.reconciliation.requeueOrphan(orphan.submissionId, isoTimestamp(deps.clock.now()));
      } else if (outcome !== 'deferred') {
        await deps.reconciliation.removeOrphan(orphan.submissionId);
      }
    } catch (error) {
      await settleFailedLook(deps, orphan, error);
    }
  }
  return { linked, applied, foreign, apiReads: ORPHAN_API_READS_PER_RUN - budget.reads };
}

/**
 * A look that threw (storage or API trouble): left where it was, the orphan would head the queue and be
 * looked at — costing reads — on every run for as long as the trouble lasts, and the 24 h limit, checked
 * only after a look that works, would never drop it. So it waits, longer after each look in a row that
 * threw (the step-failure waits: 1, 2, 4 … 30 minutes), and once its 24 h are up it is removed, with a line
 * saying so. Never throws: an orphan that cannot even be requeued is simply looked at next run.
 */
async function settleFailedLook(deps: PollDeps, orphan: QueuedOrphan, error: unknown): Promise<void> {
  const now = deps.clock.now();
  const lookFailures = (orphan.lookFailures ?? 0) + 1;
  const props = {
    submissionId: orphan.submissionId,
    receivedAt: orphan.receivedAt,
    lookFailures,
    error: error instanceof Error ? error.message : String(error),
  };
  try {
    if (now - Date.parse(orphan.receivedAt) > ORPHAN_TTL_MS) {
      await deps.reconciliation.removeOrphan(orphan.submissionId);
      deps.logger.warn('orphan webhook dropped: its look kept failing and its 24 h are up', props);
      return;
    }
    const next = isoTimestamp(now + stepFailureWaitMs(lookFailures, deps.poll));
    await deps.reconciliation.requeueOrphan(orphan.submissionId, next, lookFailures);
    deps.logger.warn('orphan webhook could not be reconciled this run; it waits and is looked at again', {
      ...props,
      next,
    });
  } catch (settleError) {
    deps.logger.warn('orphan webhook could not be reconciled this run, nor requeued', {
      ...props,
      requeueError: settleError instanceof Error ? settleError.message : String(settleError),
    });
  }
}

async function reconcileOne(
  deps: PollDeps,
  orphan: Orphan,
  deadlineMs: number,
  budget: ReadBudget,
): Promise<OrphanOutcome> {
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

  if (budget.reads < READS_PER_LOOK) return 'deferred';
  const identity = await identifySubmission(
    { api: countedReads(deps.api, budget) },
    orphan.submissionId,
    orphan.assetId,
    deadlineMs,
  );
  if (identity.kind === 'not-found') return 'unrelated';
  if (identity.kind !== 'found') return later();
  // A submission pointer naming a record of ours makes it ours whatever the blob path says.
  const foreign = (): OrphanOutcome => (pointed === undefined ? 'foreign' : later());
  const key = await deps.reconciliation.findByBlobPath(identity.blobPath);
  // We point a blob path at its record before every submit attempt, so a submission whose path no pointer
  // names was never created by us: it is another client's in the same workspace.
  if (key === undefined) return foreign();
  // No record (yet): one claimed again under the same path could still wait for exactly this submission.
  const record = (await deps.ledger.get(key))?.record;
  if (!record) return later();
  // Our record follows another submission: a generation that submits anew forgets its id first, so this
  // already existing submission can never become its.
  if (record.submissionId !== undefined && record.submissionId !== orphan.submissionId) return foreign();
  // Anything else (still submitting, unconfirmed, another path since) may yet be linked: keep it.
  if (whyNotLinkable(record, identity.blobPath) !== undefined) return later();
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

/** The two reads a look makes, each charged to this run's budget. */
function countedReads(
  api: PollDeps['api'],
  budget: ReadBudget,
): Pick<PollDeps['api'], 'getSubmission' | 'getAsset'> {
  return {
    getSubmission: (submissionId, opts) => {
      budget.reads--;
      return api.getSubmission(submissionId, opts);
    },
    getAsset: (submissionId, assetId, opts) => {
      budget.reads--;
      return api.getAsset(submissionId, assetId, opts);
    },
  };
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
