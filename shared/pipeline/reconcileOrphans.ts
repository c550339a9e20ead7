/**
 * The other half of reconciling lost creation responses: webhooks about submissions no record knew
 * (kept as orphans by the receiver) are matched to their record by blob path. The submission's workspace
 * and its asset's file name give the blob path MediaMagic stored; the pointer written before the submit
 * attempt gives the record; the record learns its submission id and is followed like any other.
 */
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import type { Orphan } from '../ledger/reconciliationIndex.js';
import type { PollDeps } from './pollDeps.js';
import { saveRecord } from './saveRecord.js';

/** Orphans looked at per timer run. */
const ORPHANS_PER_RUN = 50;
/** An orphan nobody claims for this long is not ours (another system shares the key); it is dropped. */
const ORPHAN_TTL_MS = 24 * 3600_000;
/** States a record can be in while its submission id is unknown. */
const UNLINKED_STATES: readonly LedgerRecord['state'][] = [
  'submitted-unconfirmed',
  'stuck',
  'submit-pending',
];

/** Works through the orphans; returns how many records were linked. Never throws for one bad orphan. */
export async function reconcileOrphans(deps: PollDeps, deadlineMs: number): Promise<number> {
  let linked = 0;
  for (const orphan of await deps.reconciliation.listOrphans(ORPHANS_PER_RUN)) {
    if (deps.clock.now() >= deadlineMs) break;
    try {
      const outcome = await reconcileOne(deps, orphan, deadlineMs);
      if (outcome === 'linked') linked++;
      if (outcome !== 'later') await deps.reconciliation.removeOrphan(orphan.submissionId);
    } catch (error) {
      deps.logger.warn('orphan webhook could not be reconciled this run', {
        submissionId: orphan.submissionId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return linked;
}

async function reconcileOne(
  deps: PollDeps,
  orphan: Orphan,
  deadlineMs: number,
): Promise<'linked' | 'unrelated' | 'later'> {
  const expired = deps.clock.now() - Date.parse(orphan.receivedAt) > ORPHAN_TTL_MS;
  const later = (): 'unrelated' | 'later' => (expired ? 'unrelated' : 'later');
  const status = await deps.api.getSubmission(orphan.submissionId, { deadlineMs });
  if (!status.ok) return status.failure.kind === 'not-found' ? 'unrelated' : later();
  const asset = await deps.api.getAsset(orphan.submissionId, orphan.assetId, { deadlineMs });
  const filename = asset.ok ? (asset.value as { filename?: unknown }).filename : undefined;
  if (!status.value.workspaceId || typeof filename !== 'string') return later();

  const blobPath = `${status.value.workspaceId}/${filename}`;
  const key = await deps.reconciliation.findByBlobPath(blobPath);
  const record = key ? (await deps.ledger.get(key))?.record : undefined;
  if (
    !record ||
    record.submissionId ||
    record.blobPath !== blobPath ||
    !UNLINKED_STATES.includes(record.state)
  ) {
    return later();
  }
  await deps.ledger.linkSubmission(orphan.submissionId, record.key);
  const saved = await saveRecord(
    deps,
    record,
    'submitted',
    `submission ${orphan.submissionId} identified from a webhook (its creation response was lost)`,
    {
      submissionId: orphan.submissionId,
      assets: status.value.assets.map((a) => ({
        assetId: a.assetId,
        status: a.status ?? 'submitted',
        retryCount: 0,
        localRetries: 0,
      })),
      due: isoTimestamp(deps.clock.now()),
      failure: undefined,
    },
    true,
  );
  return saved ? 'linked' : 'later';
}
