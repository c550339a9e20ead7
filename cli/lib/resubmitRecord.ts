/**
 * Re-driving one failed file after an operator fixed the cause.
 *
 * - `blocked` (the key or plan was refused) is not final: the record resumes where it was blocked — back to
 *   `submit-pending` when nothing was submitted yet, to following its submission when there is one, or to
 *   reconciliation when a submission may have landed — due now. A record going back to `submit-pending`
 *   is driven at once, so the operator learns right away whether the fix worked.
 * - `rejected` and `dead-lettered` are final for their generation, so a fresh generation of the blob's
 *   CURRENT content is claimed (`nextGeneration`: it names the old submission as `previousSubmissionId`,
 *   so MediaMagic records a new version instead of refusing a duplicate) and driven like a new upload.
 *
 * Every write is the pipeline's own: a blocked record is moved by `saveRecord` and a generation is claimed by
 * `claimNextGeneration`, each conditional on the record still being what was read, so a resubmit racing the
 * timer, a webhook or a second resubmit changes nothing twice and never submits twice, and its state changes
 * show in the logs as the same `ledger transition` lines a pipeline step writes.
 */
import type { UpdateResult } from '../../shared/ledger/ledger.js';
import { ledgerKey } from '../../shared/ledger/ledgerKey.js';
import { isoTimestamp, type LedgerRecord } from '../../shared/ledger/record.js';
import type { LedgerState } from '../../shared/ledger/states.js';
import { claimLeaseMs, claimNextGeneration } from '../../shared/pipeline/claimSource.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { logTransition, saveRecord, type LostWrite } from '../../shared/pipeline/saveRecord.js';
import { submitClaimed } from '../../shared/pipeline/submitClaimed.js';
import type { SubmitDeps } from '../../shared/pipeline/submitDeps.js';
import { EXIT } from './exitCodes.js';
import { CliFailure } from './failure.js';
import { quoteArg } from './statusReport.js';

/** How the record was re-driven, and where it ended up. */
export interface ResubmitOutcome {
  readonly action: 'resumed' | 'new-generation';
  readonly previousState: LedgerState;
  /**
   * `submitted`, `pending`, `unconfirmed`, `rejected`, `blocked`, `dead-lettered`, `lost-ownership` (another
   * process took it on), `ledger-contention` (every write of a step lost its race; the timer's next run picks
   * it up), or `scheduled` (left for the timer's next run, due now).
   */
  readonly outcome: string;
  /** The record afterwards. */
  readonly record: LedgerRecord;
}

const REASON = 'resubmitted by an operator (mediamagic-autosubmit resubmit)';

/** Re-drives the record of `blob`; throws a {@link CliFailure} (not found / refused) when it may not. */
export async function resubmitRecord(deps: SubmitDeps, blob: string): Promise<ResubmitOutcome> {
  const key = ledgerKey(deps.settings.sourceContainer, blob);
  const stored = await deps.ledger.get(key);
  if (!stored) {
    throw new CliFailure(
      EXIT.notFound,
      `no ledger record for "${blob}" in container ${deps.settings.sourceContainer}`,
      'check the name (case-sensitive, folders included) with `mediamagic-autosubmit status`; a blob the ' +
        'ledger never saw is submitted by `mediamagic-autosubmit backfill`, not resubmit',
      { blob },
    );
  }
  const record = stored.record;
  switch (record.state) {
    case 'blocked':
      return resumeBlocked(deps, record);
    case 'rejected':
    case 'dead-lettered':
      return startNewGeneration(deps, record);
    default:
      throw refusal(record);
  }
}

/**
 * Why `record` may not be resubmitted in its current state (the failure {@link resubmitRecord} would throw
 * before touching anything), or undefined when it may — so a caller can tell ahead of time, e.g. a dry run.
 */
export function resubmitRefusal(record: LedgerRecord): CliFailure | undefined {
  return RESUBMITTABLE_STATES.includes(record.state) ? undefined : refusal(record);
}

/** The states {@link resubmitRecord} re-drives; every other one is refused. */
export const RESUBMITTABLE_STATES: readonly LedgerState[] = ['blocked', 'rejected', 'dead-lettered'];

async function resumeBlocked(deps: SubmitDeps, record: LedgerRecord): Promise<ResubmitOutcome> {
  const target = resumeState(record);
  const now = deps.clock.now();
  const saved = await saveRecord(deps, record, target, REASON, { due: isoTimestamp(now) });
  if (saved.kind !== 'saved') throw notWritten(record, saved);
  const resumed = { action: 'resumed', previousState: record.state } as const;
  if (target !== 'submit-pending') return { ...resumed, outcome: 'scheduled', record: saved.record };

  const props = await deps.source.getProperties(record.source.name);
  // Gone: the timer records the rejection with its reason, as it would for any pending record.
  if (!props) return { ...resumed, outcome: 'scheduled', record: saved.record };
  const result =
    props.etag === record.sourceEtag
      ? await submitClaimed(deps, saved.record, props, now + deps.settings.invocationBudgetMs)
      : await processSourceBlob(deps, record.source.name);
  return { ...resumed, outcome: result.kind, record: await current(deps, saved.record) };
}

async function startNewGeneration(deps: SubmitDeps, record: LedgerRecord): Promise<ResubmitOutcome> {
  const props = await deps.source.getProperties(record.source.name);
  if (!props) {
    throw new CliFailure(
      EXIT.notFound,
      `the source blob "${record.source.name}" no longer exists in container ${deps.settings.sourceContainer}`,
      'upload the file again: a new upload is submitted automatically as a new version',
      { blob: record.source.name },
    );
  }
  const now = deps.clock.now();
  const reason = `${REASON} after ${record.state}`;
  // The same lease a triggered claim takes: if this process dies mid-way, the timer re-drives the claim.
  const claimed = await claimNextGeneration(
    deps.ledger,
    record.key,
    props,
    now,
    claimLeaseMs(deps.settings.invocationBudgetMs),
    (current) =>
      current.state === record.state && current.generation === record.generation ? reason : undefined,
  );
  if (claimed.kind !== 'updated') throw notWritten(record, lostClaim(claimed));
  logTransition(deps.logger, record, 'claimed', reason, claimed.record);
  const result = await submitClaimed(deps, claimed.record, props, now + deps.settings.invocationBudgetMs);
  return {
    action: 'new-generation',
    previousState: record.state,
    outcome: result.kind,
    record: await current(deps, claimed.record),
  };
}

/**
 * Where a blocked record picks up again: the state it was blocked from (looking through `stuck`, which is
 * only an alert). A record that may already have a submission is never sent back to `submit-pending` —
 * that could create a duplicate; it is followed or reconciled instead.
 */
function resumeState(record: LedgerRecord): LedgerState {
  let before: LedgerState | undefined;
  for (const entry of [...record.history].reverse()) {
    if (entry.to === 'blocked' || entry.to === 'stuck') before = entry.from;
    if (before !== undefined && before !== 'blocked' && before !== 'stuck') break;
  }
  if (record.submissionId) return before === 'retry-pending' ? 'retry-pending' : 'submitted';
  if (before === 'submitted-unconfirmed') return 'submitted-unconfirmed';
  if (before === undefined || before === 'blocked' || before === 'stuck') {
    return record.submitAttempts > 0 ? 'submitted-unconfirmed' : 'submit-pending';
  }
  return 'submit-pending';
}

async function current(deps: SubmitDeps, fallback: LedgerRecord): Promise<LedgerRecord> {
  return (await deps.ledger.get(fallback.key))?.record ?? fallback;
}

function refusal(record: LedgerRecord): CliFailure {
  const blob = quoteArg(record.source.name);
  const details = { blob: record.source.name, state: record.state };
  switch (record.state) {
    case 'complete':
      return new CliFailure(
        EXIT.refused,
        `"${record.source.name}" is complete: there is nothing to re-drive`,
        'to submit new content, upload the file again — a new upload is submitted automatically as a new version',
        details,
      );
    case 'stuck':
      return new CliFailure(
        EXIT.refused,
        `"${record.source.name}" is stuck (no progress since ${record.lastProgressAt}) but still followed by the timer; resubmitting could create a duplicate`,
        record.submissionId
          ? `look up submission ${record.submissionId} in MediaMagic (README: troubleshooting); \`mediamagic-autosubmit status --blob ${blob}\` shows its history`
          : `find its submission in MediaMagic by blob path ${record.blobPath ?? '(none yet)'} and run \`mediamagic-autosubmit link ${blob} <submission id>\``,
        details,
      );
    default:
      return new CliFailure(
        EXIT.refused,
        `"${record.source.name}" is ${record.state}: the pipeline is still working on it${record.due ? ` (next step at ${record.due})` : ''}; only rejected, dead-lettered and blocked files can be resubmitted`,
        `wait, and follow it with \`mediamagic-autosubmit status --blob ${blob}\``,
        details,
      );
  }
}

/** A claim that did not land, told the way a step's write that did not land is. */
function lostClaim(result: Exclude<UpdateResult, { kind: 'updated' }>): LostWrite {
  switch (result.kind) {
    case 'contention':
      return { kind: 'ledger-contention', attempts: result.attempts };
    case 'unchanged':
      return { kind: 'lost-ownership', current: result.record };
    case 'not-found':
      return { kind: 'lost-ownership' };
  }
}

/** Why nothing was done: the record changed meanwhile, or other writers kept it too busy to write. */
function notWritten(record: LedgerRecord, lost: LostWrite): CliFailure {
  const blob = record.source.name;
  const check = `check it with \`mediamagic-autosubmit status --blob ${quoteArg(blob)}\``;
  if (lost.kind === 'ledger-contention') {
    return new CliFailure(
      EXIT.refused,
      `"${blob}" is being written by other processes right now (all ${lost.attempts} attempts lost the race); nothing was done`,
      `try again in a moment; ${check} first`,
      { blob, state: record.state },
    );
  }
  const now = lost.current;
  return new CliFailure(
    EXIT.refused,
    `"${blob}" changed while it was being resubmitted${now ? ` (it is now ${now.state}, generation ${now.generation})` : ''}; nothing was done`,
    `${check} and try again if it is still failed`,
    { blob, state: now?.state ?? null },
  );
}
