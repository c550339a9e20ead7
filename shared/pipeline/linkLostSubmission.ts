/**
 * Linking a record to a submission whose creation response was lost (docs/design.md, decision 8). Two callers
 * find the submission id — the timer, from an orphaned webhook, and an operator, from MediaMagic's dashboard
 * (`mediamagic-autosubmit link`) — and both must prove it is the record's before writing: the submission's
 * workspace and its asset's file name give the blob path MediaMagic stored, which must be the one the record
 * submitted. Linking the wrong submission would attach someone else's results to this file, so a mismatch is
 * never written.
 */
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import type { Failure } from '../mediamagic/failure.js';
import type { SubmissionStatus } from '../mediamagic/schemas.js';
import type { PollDeps } from './pollDeps.js';
import { saveRecord, type SaveResult } from './saveRecord.js';

/** States a record can be in while its submission id is unknown. */
export const UNLINKED_STATES: readonly LedgerRecord['state'][] = [
  'submitted-unconfirmed',
  'stuck',
  'submit-pending',
];

/** What MediaMagic says a submission is about, or why it could not tell. */
export type SubmissionIdentity =
  | { readonly kind: 'found'; readonly blobPath: string; readonly status: SubmissionStatus }
  /** MediaMagic does not know the submission in this workspace (404). */
  | { readonly kind: 'not-found' }
  /** The submission exists but names no workspace or file name we could build a blob path from. */
  | { readonly kind: 'unidentifiable' }
  /** The API could not answer now (rate limit, outage, deadline): try again later. */
  | { readonly kind: 'unavailable'; readonly failure: Failure };

/**
 * Reads the submission and one of its assets (`assetId`, else its first) to learn the blob path MediaMagic
 * stored for it: `<workspace id>/<asset file name>`.
 */
export async function identifySubmission(
  deps: { readonly api: Pick<PollDeps['api'], 'getSubmission' | 'getAsset'> },
  submissionId: string,
  assetId: string | undefined,
  deadlineMs: number,
): Promise<SubmissionIdentity> {
  const status = await deps.api.getSubmission(submissionId, { deadlineMs });
  if (!status.ok) {
    return status.failure.kind === 'not-found'
      ? { kind: 'not-found' }
      : { kind: 'unavailable', failure: status.failure };
  }
  const asset = assetId ?? status.value.assets[0]?.assetId;
  if (!asset || !status.value.workspaceId) return { kind: 'unidentifiable' };
  const result = await deps.api.getAsset(submissionId, asset, { deadlineMs });
  if (!result.ok) {
    return result.failure.kind === 'not-found'
      ? { kind: 'unidentifiable' }
      : { kind: 'unavailable', failure: result.failure };
  }
  // The asset schema does not require `filename` (the contract leaves it loose); read it defensively.
  const filename = (result.value as { filename?: unknown }).filename;
  if (typeof filename !== 'string' || filename === '') return { kind: 'unidentifiable' };
  return { kind: 'found', blobPath: `${status.value.workspaceId}/${filename}`, status: status.value };
}

/**
 * Why `record` cannot be linked to a submission for `blobPath`, or undefined when it can: it must still lack
 * a submission id, be in a state that waits for one, and have submitted exactly that blob path.
 */
export function whyNotLinkable(record: LedgerRecord, blobPath: string): string | undefined {
  if (record.submissionId) return `it already follows submission ${record.submissionId}`;
  if (!UNLINKED_STATES.includes(record.state))
    return `it is ${record.state}; only ${UNLINKED_STATES.join(', ')} records wait for a submission id`;
  if (record.blobPath !== blobPath)
    return `the submission is for blob path ${blobPath}, but this file was submitted as ${record.blobPath ?? '(none yet)'}`;
  return undefined;
}

/**
 * Writes the link: the submission pointer (so webhooks find the record) and the record as `submitted`, due
 * now so the timer follows it at once. A write that did not land (another writer moved the record first, or
 * it was too contended to write) leaves it for the caller to try again later.
 */
export async function linkRecord(
  deps: PollDeps,
  record: LedgerRecord,
  identity: { readonly status: SubmissionStatus },
  reason: string,
): Promise<SaveResult> {
  const submissionId = identity.status.submissionId;
  await deps.ledger.linkSubmission(submissionId, record.key);
  return saveRecord(
    deps,
    record,
    'submitted',
    reason,
    {
      submissionId,
      assets: identity.status.assets.map((a) => ({
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
}

/** The outcome of {@link linkByOperator}, with a stable `kind`. */
export type OperatorLinkResult =
  | { readonly kind: 'linked'; readonly record: LedgerRecord; readonly previousState: LedgerRecord['state'] }
  | { readonly kind: 'no-record' }
  /** The record may not be linked (already linked, wrong state, or the submission is another file's). */
  | { readonly kind: 'refused'; readonly reason: string; readonly record: LedgerRecord }
  | { readonly kind: 'submission-not-found' }
  | { readonly kind: 'unidentifiable' }
  | { readonly kind: 'unavailable'; readonly failure: Failure }
  /**
   * Another process moved the record while we checked, or kept writing it so that every write of ours lost
   * its race (the pipeline's log line says which); nothing was written.
   */
  | { readonly kind: 'changed-meanwhile'; readonly record?: LedgerRecord };

/**
 * The operator's way out of a lost creation response whose webhook never came (`stuck`: "creation never
 * confirmed"): they look the blob path up in MediaMagic and hand us the submission id. It is checked against
 * the record exactly as the timer checks an orphan, then linked; the timer follows it from there.
 */
export async function linkByOperator(
  deps: PollDeps,
  key: string,
  submissionId: string,
  deadlineMs: number,
): Promise<OperatorLinkResult> {
  const stored = await deps.ledger.get(key);
  if (!stored) return { kind: 'no-record' };
  const record = stored.record;
  if (!record.blobPath)
    return { kind: 'refused', reason: 'it was never submitted (it has no MediaMagic blob path yet)', record };
  const early = whyNotLinkable(record, record.blobPath);
  if (early !== undefined) return { kind: 'refused', reason: early, record };

  const identity = await identifySubmission(deps, submissionId, undefined, deadlineMs);
  if (identity.kind === 'not-found') return { kind: 'submission-not-found' };
  if (identity.kind !== 'found') return identity;
  const mismatch = whyNotLinkable(record, identity.blobPath);
  if (mismatch !== undefined) return { kind: 'refused', reason: mismatch, record };
  // Its own pointer names another record: MediaMagic's id is already someone else's (never link twice).
  const owner = await deps.ledger.findBySubmission(submissionId);
  if (owner !== undefined && owner !== record.key)
    return {
      kind: 'refused',
      reason: `submission ${submissionId} is already followed for another file`,
      record,
    };

  const saved = await linkRecord(deps, record, identity, `submission ${submissionId} linked by an operator`);
  if (saved.kind !== 'saved') return { kind: 'changed-meanwhile', ...(await current(deps, key)) };
  return { kind: 'linked', record: saved.record, previousState: record.state };
}

async function current(deps: PollDeps, key: string): Promise<{ record?: LedgerRecord }> {
  const stored = await deps.ledger.get(key);
  return stored ? { record: stored.record } : {};
}
