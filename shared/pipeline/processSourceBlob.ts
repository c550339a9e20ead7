/**
 * The submission use case for one source blob, whatever triggered it (a BlobCreated event, the timer, the
 * backfill command): read the blob's current properties, claim its content, and drive it.
 */
import { hostStopAt } from '../config/functionTimeout.js';
import type { LedgerRecord } from '../ledger/record.js';
import { ATTRIBUTES, SPANS } from '../telemetry/names.js';
import { activeTraceParent, inSpan, instruments } from '../telemetry/telemetry.js';
import { blobAddressProblem } from '../validation/blobAddress.js';
import { claimLeaseMs, claimSource } from './claimSource.js';
import { submitClaimed, type SubmitResult } from './submitClaimed.js';
import type { SubmitDeps } from './submitDeps.js';

/** What happened to one trigger. */
export type ProcessResult =
  | SubmitResult
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'missing'; readonly name: string }
  | { readonly kind: 'duplicate'; readonly record: LedgerRecord };

/** What a caller may know about the drive beyond the blob's name. */
export interface DriveOptions {
  /** When the host will stop this invocation (the timer's run); default: one function timeout from now. */
  readonly hostStopMs?: number;
  /** The BlobCreated event's time, to measure the event lag to the claim. */
  readonly uploadedAtMs?: number;
}

/**
 * Claims and drives the blob's CURRENT content (an event may be stale: if the blob changed since, its new
 * ETag is what gets claimed, once). A name that would address another blob (`x/../clip.mp4`) is ignored
 * before any storage call, whoever passed it (docs/design.md, decision 5, "Names storage treats specially").
 * `uploadedAtMs` (the BlobCreated event's time) measures the event lag to the claim.
 */
export async function processSourceBlob(
  deps: SubmitDeps,
  name: string,
  options: DriveOptions = {},
): Promise<ProcessResult> {
  const { hostStopMs, uploadedAtMs } = options;
  const unsafe = blobAddressProblem(name);
  if (unsafe !== undefined) {
    deps.logger.warn('blob name refused before any storage call', {
      blob: name,
      code: unsafe.kind,
      reason: unsafe.message,
    });
    return { kind: 'ignored', reason: unsafe.message };
  }
  const startedAt = deps.clock.now();
  const props = await deps.source.getProperties(name);
  if (!props) {
    deps.logger.info('source blob no longer exists; nothing to submit', { blob: name });
    return { kind: 'missing', name };
  }
  if (props.blobType && props.blobType !== 'BlockBlob') {
    deps.logger.warn('not a block blob; ignored', { blob: name, blobType: props.blobType });
    return { kind: 'ignored', reason: `${name} is a ${props.blobType}, not a block blob` };
  }
  const leaseMs = claimLeaseMs(deps.settings.invocationBudgetMs);
  // The trace the record carries on is the invocation's, not the claim step's.
  const traceParent = activeTraceParent();
  const claim = await inSpan(SPANS.claim, { [ATTRIBUTES.blob]: name }, async (span) => {
    const outcome = await claimSource(
      deps.ledger,
      deps.settings.sourceContainer,
      props,
      startedAt,
      leaseMs,
      traceParent,
    );
    span.setAttributes({
      [ATTRIBUTES.outcome]: outcome.kind,
      [ATTRIBUTES.generation]: outcome.record.generation,
    });
    return outcome;
  });
  if (claim.kind === 'owned' && uploadedAtMs !== undefined && Number.isFinite(uploadedAtMs)) {
    instruments().eventLag.record(Math.max(0, (deps.clock.now() - uploadedAtMs) / 1000));
  }
  if (claim.kind === 'duplicate') {
    deps.logger.info('already claimed; duplicate trigger completed', {
      blob: name,
      state: claim.record.state,
      generation: claim.record.generation,
    });
    return claim;
  }
  if (claim.newGeneration) {
    deps.logger.info('new content for a known blob; starting a new generation', {
      blob: name,
      generation: claim.record.generation,
      previousSubmissionId: claim.record.previousSubmissionId,
    });
  }
  return submitClaimed(
    deps,
    claim.record,
    props,
    startedAt + deps.settings.invocationBudgetMs,
    hostStopMs ?? hostStopAt(startedAt),
  );
}
