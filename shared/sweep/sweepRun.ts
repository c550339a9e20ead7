/**
 * One run of the reconciliation sweep (docs/design.md, decision 13, "The reconciliation sweep"): walks the
 * source container page by page from the persisted cursor and drives every blob whose content the ledger
 * has not claimed — no record, or a record for other content — once it is older than the grace period.
 * Those are files whose BlobCreated event never arrived: delivery given up or dead-lettered, the
 * subscription disabled during a deployment, uploads from before it existed.
 *
 * Driving is `processSourceBlob`, the claim-then-submit path an event takes, so a sweep racing a late event
 * (or another sweep) submits once. A run is bounded: it stops taking blobs at its deadline, after a cap of
 * ledger reads, on a `blocked` result, or when another run moved the cursor first; blobs in flight finish
 * and the cursor is saved just past the last blob handled, so the next run goes on without a gap. A blob
 * whose examination or drive throws is counted and logged and the cursor moves on; the next pass retries it.
 */
import { ledgerKey } from '../ledger/ledgerKey.js';
import { isoTimestamp } from '../ledger/record.js';
import type { LedgerState } from '../ledger/states.js';
import type { ProcessResult } from '../pipeline/processSourceBlob.js';
import type { SourcePage } from './sourcePages.js';
import { handledUpTo, pageDone, type SweepCursor } from './sweepCursor.js';
import { decideSweep, type DriveReason, type ListedBlob } from './sweepDecision.js';
import type { SweepDeps } from './sweepDeps.js';

/** How to run, beyond the deps' settings (the backfill command uses these; the timer none). */
export interface SweepOptions {
  /** Only blobs whose names start with it ('' or absent: the whole container). */
  readonly prefix?: string;
  /** Decide, but drive nothing (`backfill --dry-run`). */
  readonly dryRun?: boolean;
  /** Stops taking new blobs; blobs in flight finish. */
  readonly signal?: AbortSignal;
  /** Called once per blob examined, when it has been handled. */
  readonly onBlob?: (examined: SweepExamined) => void;
}

/** What happened to one examined blob. */
export type SweepExamined =
  /** The ledger has claimed this content. */
  | { readonly kind: 'known'; readonly name: string; readonly state: LedgerState }
  /** Unclaimed but within the grace period: left for a later pass. */
  | { readonly kind: 'too-new'; readonly name: string; readonly reason: DriveReason }
  /** A dry run's "would drive"; `state` is the current record's, if there is one. */
  | {
      readonly kind: 'would-drive';
      readonly name: string;
      readonly reason: DriveReason;
      readonly state: LedgerState | null;
    }
  | {
      readonly kind: 'driven';
      readonly name: string;
      readonly reason: DriveReason;
      readonly result: ProcessResult;
    }
  /** Reading its record or driving it threw; the next pass retries it. */
  | { readonly kind: 'error'; readonly name: string; readonly detail: string };

/** Why a run stopped. */
export type SweepStop =
  /** It reached the end of the container: the pass is complete (the next run starts a new one). */
  | 'pass-complete'
  | 'deadline'
  /** It made as many ledger reads as one run may. */
  | 'read-cap'
  /** MediaMagic refused the API key or plan: driving more would only fail the same way. */
  | 'blocked'
  | 'aborted'
  /** Another run moved the cursor since this one read it; that run goes on. */
  | 'cursor-lost'
  /** Listing the container or saving the cursor failed; the next run resumes from the last saved cursor. */
  | 'storage-error';

/** What one run did. */
export interface SweepSummary {
  readonly container: string;
  readonly prefix: string;
  readonly dryRun: boolean;
  /** Block blobs taken from the listing and examined (one ledger read each). */
  readonly listed: number;
  /** Examined and already claimed by the ledger. */
  readonly known: number;
  /** Examined, unclaimed, but younger than the grace period. */
  readonly tooNew: number;
  /** Dry run: would have been driven. */
  readonly wouldDrive: number;
  /** Driven, by the kind of result `processSourceBlob` returned. */
  readonly driven: Readonly<Partial<Record<ProcessResult['kind'], number>>>;
  /** Examinations or drives that threw. */
  readonly errors: number;
  /** Page and append blobs passed over (never media uploads). */
  readonly otherTypes: number;
  readonly stopped: SweepStop;
  /** True when this run wrote the cursor at least once. */
  readonly cursorSaved: boolean;
  /** True when this run reached the end of the container. */
  readonly passCompleted: boolean;
  /** Passes completed so far, this one included. */
  readonly passesCompleted: number;
  readonly lastPassCompletedAt: string | null;
  /** Set when the stored cursor was not valid and this run started a fresh pass: why. */
  readonly cursorReset: string | null;
  /** Set when the run stopped on `storage-error`: what failed. */
  readonly failure: string | null;
}

/** Runs the sweep once; per-blob failures are counted, never thrown. */
export async function runSweep(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepSummary> {
  const { clock, logger, settings } = deps;
  const container = deps.pages.containerName;
  const prefix = options.prefix ?? '';
  const dryRun = options.dryRun === true;
  const deadline = clock.now() + settings.budgetMs;
  const nowIso = (): string => isoTimestamp(clock.now());

  const loaded = await deps.cursors.read(nowIso());
  if (loaded.reset !== undefined) {
    logger.warn('sweep cursor was not valid; starting a fresh pass over the container', {
      container,
      problem: loaded.reset,
    });
  }
  let cursor: SweepCursor = loaded.cursor;
  let etag = loaded.etag;
  let cursorSaved = false;
  let stopped: SweepStop | undefined;
  let reads = 0;
  let blocked = false;
  let failure: string | null = null;
  const counts = { known: 0, tooNew: 0, wouldDrive: 0, errors: 0, otherTypes: 0 };
  const driven: Partial<Record<ProcessResult['kind'], number>> = {};

  /** Why no new blob may be taken, or undefined while the run may go on. */
  const stopReason = (): SweepStop | undefined => {
    if (stopped !== undefined) return stopped;
    if (options.signal?.aborted === true) return 'aborted';
    if (blocked) return 'blocked';
    if (clock.now() >= deadline) return 'deadline';
    if (reads >= settings.maxLedgerReads) return 'read-cap';
    return undefined;
  };

  const examine = async (blob: ListedBlob): Promise<void> => {
    const report = options.onBlob ?? (() => undefined);
    try {
      const stored = await deps.ledger.get(ledgerKey(container, blob.name));
      const decision = decideSweep(blob, stored?.record.sourceEtag, clock.now(), settings.graceMs);
      if (decision.kind === 'known') {
        counts.known++;
        // Known implies a record: only a record's ETag can match.
        return report({ kind: 'known', name: blob.name, state: stored?.record.state ?? 'claimed' });
      }
      if (decision.kind === 'too-new') {
        counts.tooNew++;
        return report({ kind: 'too-new', name: blob.name, reason: decision.reason });
      }
      if (dryRun) {
        counts.wouldDrive++;
        const state = stored?.record.state ?? null;
        return report({ kind: 'would-drive', name: blob.name, reason: decision.reason, state });
      }
      const result = await deps.drive(blob.name);
      driven[result.kind] = (driven[result.kind] ?? 0) + 1;
      if (result.kind === 'blocked') blocked = true;
      report({ kind: 'driven', name: blob.name, reason: decision.reason, result });
    } catch (error) {
      counts.errors++;
      const detail = firstLine(error);
      logger.warn('sweep could not examine or drive a blob; the next pass retries it', {
        blob: blob.name,
        reason: detail,
      });
      report({ kind: 'error', name: blob.name, detail });
    }
  };

  /** Examines `blobs` in order, `concurrency` at a time; resolves with how many were taken (all handled). */
  const handle = async (blobs: readonly ListedBlob[]): Promise<number> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < blobs.length && stopReason() === undefined) {
        const blob = blobs[next++] as ListedBlob;
        reads++;
        await examine(blob);
      }
    };
    const workers = Math.max(1, Math.min(settings.concurrency, blobs.length));
    await Promise.all(Array.from({ length: workers }, worker));
    return next;
  };

  /** Writes the cursor conditioned on the ETag read; a lost race or a failure stops the run. */
  const save = async (next: SweepCursor): Promise<void> => {
    try {
      const written = await deps.cursors.write(next, etag);
      if (written.kind === 'lost') {
        logger.warn('another sweep run moved the cursor first; this run stops and leaves it the container', {
          container,
        });
        stopped = 'cursor-lost';
        return;
      }
      cursor = next;
      etag = written.etag;
      cursorSaved = true;
    } catch (error) {
      failure = `could not save the sweep cursor: ${firstLine(error)}`;
      logger.error('sweep could not save its cursor; the next run resumes from the last one saved', {
        container,
        reason: firstLine(error),
      });
      stopped = 'storage-error';
    }
  };

  let passCompleted = false;
  while (stopReason() === undefined) {
    let page: SourcePage;
    try {
      page = await deps.pages.page(cursor.pageToken, settings.pageSize, prefix);
    } catch (error) {
      failure = `could not list container ${container}: ${firstLine(error)}`;
      logger.error('sweep could not list the source container; the next run resumes from its cursor', {
        container,
        reason: firstLine(error),
      });
      stopped = 'storage-error';
      break;
    }
    counts.otherTypes += page.otherTypes;
    const todo = notYetHandled(page.blobs, cursor.after);
    const taken = await handle(todo);
    if (taken < todo.length) {
      const last = todo[taken - 1];
      if (last !== undefined) await save(handledUpTo(cursor, last.name, nowIso()));
      break;
    }
    await save(pageDone(cursor, page.continuationToken, nowIso()));
    if (stopped === undefined && page.continuationToken === undefined) {
      passCompleted = true;
      stopped = blocked ? 'blocked' : 'pass-complete';
      logger.info('sweep pass completed', { container, passesCompleted: cursor.passesCompleted });
    }
  }

  return {
    container,
    prefix,
    dryRun,
    listed: reads,
    ...counts,
    driven,
    stopped: stopReason() ?? 'pass-complete',
    cursorSaved,
    passCompleted,
    passesCompleted: cursor.passesCompleted,
    lastPassCompletedAt: cursor.lastPassCompletedAt ?? null,
    cursorReset: loaded.reset ?? null,
    failure,
  };
}

/**
 * The page's blobs after the cursor's last handled name. By position when that blob is still listed, by
 * name order when it was deleted since (the listing is in name order, so nothing after it is skipped).
 */
function notYetHandled(blobs: readonly ListedBlob[], after: string | undefined): readonly ListedBlob[] {
  if (after === undefined) return blobs;
  const at = blobs.findIndex((b) => b.name === after);
  if (at >= 0) return blobs.slice(at + 1);
  return blobs.filter((b) => Buffer.compare(Buffer.from(b.name), Buffer.from(after)) > 0);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
