/**
 * The webhook use case: a verified event → at most one ledger write. It finds the record through the
 * submission's pointer blob (one strongly consistent read), decides the effect on the freshest copy inside
 * the ledger's ETag loop, and logs what happened once, after the write settled — a lost race re-runs the
 * decision, so logging inside it would log changes that were never written.
 *
 * No MediaMagic calls: fetching results and retrying are the timer's, so the sender gets its 2xx fast.
 */
import type { Clock } from '../clock.js';
import type { ReconciliationIndex } from '../ledger/reconciliationIndex.js';
import type { Ledger } from '../ledger/ledger.js';
import { isoTimestamp, type LedgerRecord } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import type { Logger } from '../logger.js';
import { ATTRIBUTES, SPANS } from '../telemetry/names.js';
import { activeSpanContext, recordSpan } from '../telemetry/telemetry.js';
import { decideEventEffect, type EventEffect } from './eventEffect.js';
import type { WebhookEvent } from './webhookEvent.js';

/** What {@link applyWebhookEvent} needs. */
export interface ApplyWebhookDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where events about unknown submissions are kept for the timer to reconcile (absent: only logged). */
  readonly orphans?: Pick<ReconciliationIndex, 'recordOrphan'>;
}

/**
 * The outcome, with a stable `kind`:
 * - `applied`: remembered; the asset changed unless `assetChanged` is false (a late older event).
 * - `duplicate`: the event id was applied before; nothing written.
 * - `stale-generation`: about an earlier submission of the blob; remembered, nothing else changed.
 * - `finished`: the record is terminal (`state`); remembered, state left alone.
 * - `not-yet-submitted`: overtook the submitter's final write; the sender is asked to redeliver, and the event
 *   is kept as an orphan in case the submitter died between its two writes.
 * - `unknown-submission`: no record for the submission; kept as an orphan for the timer to reconcile.
 * - `contention`: every write attempt lost a race; nothing written — ask the sender to redeliver.
 */
export type ApplyWebhookResult =
  | { readonly kind: 'applied'; readonly key: string; readonly assetChanged: boolean }
  | { readonly kind: 'duplicate'; readonly key: string }
  | { readonly kind: 'stale-generation'; readonly key: string }
  | { readonly kind: 'finished'; readonly key: string; readonly state: LedgerState }
  | { readonly kind: 'not-yet-submitted'; readonly key: string }
  | { readonly kind: 'unknown-submission' }
  | { readonly kind: 'contention'; readonly key: string };

/** Applies one verified event to the ledger. Rejects only on storage failures (`LedgerStorageError`). */
export async function applyWebhookEvent(
  deps: ApplyWebhookDeps,
  event: WebhookEvent,
): Promise<ApplyWebhookResult> {
  const about = describe(event);
  const key = await deps.ledger.findBySubmission(event.data.submission_id);
  if (key === undefined) {
    // Most likely a submission whose creation response we lost: the timer matches it by blob path.
    await keepOrphan(deps, event);
    deps.logger.warn('webhook for an unknown submission; kept for reconciliation', about);
    return { kind: 'unknown-submission' };
  }

  const nowIso = isoTimestamp(deps.clock.now());
  // The decision of the last run of the mutation is the one the ledger wrote (or declined to write).
  const last: { effect?: EventEffect } = {};
  const startedAtMs = Date.now();
  const update = await deps.ledger.update(key, (current) => {
    last.effect = decideEventEffect(current, event, nowIso);
    return 'record' in last.effect ? last.effect.record : undefined;
  });
  if (update.kind === 'updated' || update.kind === 'unchanged') {
    // Only now is the file's trace known: the record carries it. The delivery's own span is linked.
    const delivery = activeSpanContext();
    recordSpan(
      SPANS.webhookApply,
      {
        [ATTRIBUTES.blob]: update.record.source.name,
        [ATTRIBUTES.generation]: update.record.generation,
        [ATTRIBUTES.submissionId]: event.data.submission_id,
        [ATTRIBUTES.eventType]: event.type,
        [ATTRIBUTES.outcome]: last.effect?.kind ?? 'duplicate',
      },
      startedAtMs,
      { parent: update.record.traceParent, ...(delivery ? { links: [delivery] } : {}) },
    );
  }

  switch (update.kind) {
    case 'not-found':
      // The pointer names a record that is gone: nothing deletes records, so this needs a person.
      deps.logger.error('webhook submission points at a missing ledger record; reconcile', { ...about, key });
      return { kind: 'unknown-submission' };
    case 'contention':
      deps.logger.warn('webhook lost every ledger write race; asking for redelivery', {
        ...about,
        key,
        attempts: update.attempts,
      });
      return { kind: 'contention', key };
    case 'updated':
    case 'unchanged': {
      // The mutation ran at least once whenever the record was found.
      const result = report(deps.logger, key, update.record, last.effect ?? { kind: 'duplicate' }, about);
      // Usually the submitter writes the id a moment later; if it died between its two writes, only the
      // timer can finish the link — the orphan is how it hears of it (removed once the record has the id).
      if (result.kind === 'not-yet-submitted') await keepOrphan(deps, event);
      return result;
    }
  }
}

/** Keeps the event for the timer's reconciliation (the first one per submission wins). */
async function keepOrphan(deps: ApplyWebhookDeps, event: WebhookEvent): Promise<void> {
  await deps.orphans?.recordOrphan({
    submissionId: event.data.submission_id,
    assetId: event.data.asset_id,
    eventType: event.type,
    receivedAt: isoTimestamp(deps.clock.now()),
    eventId: event.id,
    ...(event.data.error_message !== undefined ? { errorMessage: event.data.error_message } : {}),
  });
}

/** The event's identifying facts, logged with every line about it. */
type EventFacts = {
  readonly eventId: string;
  readonly eventType: string;
  readonly submissionId: string;
  readonly assetId: string;
  readonly workspaceId?: string;
};

function describe(event: WebhookEvent): EventFacts {
  return {
    eventId: event.id,
    eventType: event.type,
    submissionId: event.data.submission_id,
    assetId: event.data.asset_id,
    ...(event.data.workspace_id !== undefined ? { workspaceId: event.data.workspace_id } : {}),
  };
}

/** Logs the settled effect once and turns it into the result. */
function report(
  logger: Logger,
  key: string,
  record: LedgerRecord,
  effect: EventEffect,
  about: EventFacts,
): ApplyWebhookResult {
  const blob = record.source.name;
  switch (effect.kind) {
    case 'applied': {
      if (effect.asset) {
        const { assetId, from, to, reason } = effect.asset;
        logger.info('webhook asset status', {
          blob,
          submissionId: about.submissionId,
          assetId,
          from: from ?? null,
          to,
          reason,
          eventId: about.eventId,
        });
      } else {
        logger.info('webhook remembered; asset unchanged', { blob, ...about, reason: effect.ignored });
      }
      return { kind: 'applied', key, assetChanged: effect.asset !== undefined };
    }
    case 'duplicate':
      logger.info('webhook duplicate ignored', { blob, ...about });
      return { kind: 'duplicate', key };
    case 'stale-generation':
      logger.info('webhook for an earlier submission of the blob; remembered only', {
        blob,
        ...about,
        currentSubmissionId: record.submissionId ?? null,
      });
      return { kind: 'stale-generation', key };
    case 'finished':
      logger.info('webhook for a finished record; remembered only', { blob, ...about, state: record.state });
      return { kind: 'finished', key, state: record.state };
    case 'not-yet-submitted':
      logger.warn('webhook overtook the submission it reports; polling will reconcile', {
        blob,
        ...about,
        state: record.state,
      });
      return { kind: 'not-yet-submitted', key };
  }
}
