/**
 * The soak's verdict, read once the host is stopped: every file in the terminal state its script promises,
 * with its results document or failure report; exactly one submission per file; every hand-over to a person
 * needed and done; nothing crashed or escaped. Every record is read from the ledger itself, not the tag
 * index, and checked against what MediaMagic (the emulator) saw.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { EmulatorHandle } from '../../emulator/server.js';
import type { EmulatorStats } from '../../emulator/stats.js';
import type { BlobLedger } from '../../shared/ledger/blobLedger.js';
import type { LedgerRecord } from '../../shared/ledger/record.js';
import { TERMINAL_STATES } from '../../shared/ledger/states.js';
import { resultPath } from '../../shared/storage/resultsStore.js';
import { pool } from '../stack.js';
import type { PlannedFile } from './files.js';
import { judgeHandOver, ledgerWriteAllowance, type HandOverVerdict, type HostLife } from './handOver.js';
import { crashes, loggedProblems, unhandledErrors } from './hostLogs.js';
import type { OperatorLink } from './operator.js';
import type { HostRun } from './hostSupervisor.js';
import type { SoakStack } from './stack.js';

/** Records described in full when the check fails; the rest are summarised by state and last reason. */
const DETAILED_RECORDS = 20;

/** A hand-over to a person, judged. */
export type HandOver = OperatorLink & HandOverVerdict;

/** What the final check found. */
export interface Findings {
  readonly violations: string[];
  /** Evidence for each violation: state, due, attempts, failure, history — printed after the table. */
  readonly details: string[];
  readonly byState: Record<string, number>;
  readonly wrongOrMissing: number;
  readonly resultsMissing: number;
  readonly duplicatePaths: readonly string[];
  readonly unhandled: readonly string[];
  readonly crashes: readonly string[];
  /** Messages still in the poison queue at the end (the recovery run should have drained them all). */
  readonly poisonMessages: number;
  /** Files whose event was dropped / poisoned on the way, and poison messages the drain recorded as driven. */
  readonly eventsLost: { readonly dropped: number; readonly poisoned: number; readonly poisonDriven: number };
  /** How completed records got there: the timer's shortcut after webhooks, or polling. */
  readonly completedVia: { readonly webhooks: number; readonly polling: number };
  /** Seconds from the submission being recorded to the record's terminal state. */
  readonly followUpSeconds: readonly number[];
  /** Lost creation responses and how each was settled: from an orphaned webhook, by a probe, by a person. */
  readonly lost: {
    readonly total: number;
    readonly webhook: number;
    readonly person: readonly HandOver[];
  };
  /** Warnings and errors the host logged and handled, by message (not asserted: the story of the run). */
  readonly loggedProblems: ReadonlyMap<string, number>;
}

/** Checks every file against its plan, and the run against its promises. */
export async function verify(
  stack: SoakStack,
  hostRuns: readonly HostRun[],
  files: readonly PlannedFile[],
  links: readonly OperatorLink[],
): Promise<Findings> {
  const records = await readRecords(stack.ledger);
  const outcomes = checkOutcomes(files, records, stack.emulator);
  const reports = await checkReports(records, stack.results);
  const stats = stack.emulator.stats();
  const submissions = checkOneSubmissionEach(records, stats);
  const judged = judgeHandOvers(links, hostRuns, records, stats);
  const handOvers = checkHandOvers(judged);
  const unhandled = unhandledErrors(hostRuns);
  const crashed = crashes(hostRuns);
  const poison = await stack.poisonQueue.getProperties().catch(() => undefined);
  const eventsLost = await checkLostEvents(files, stack);
  return {
    violations: [
      ...outcomes.violations,
      ...reports.violations,
      ...submissions,
      ...handOvers,
      ...unhandled.map((line) => `unhandled error: ${line}`),
      ...crashed.map((crash) => `host crashed: ${crash}`),
      ...eventsLost.violations,
    ],
    details: outcomes.details,
    byState: countByState(records),
    wrongOrMissing: outcomes.count,
    resultsMissing: reports.count,
    duplicatePaths: stats.duplicateBlobPaths,
    unhandled,
    crashes: crashed,
    poisonMessages: poison?.approximateMessagesCount ?? 0,
    eventsLost: eventsLost.counts,
    ...followUp(records),
    lost: {
      total: stats.lostCreations.length,
      webhook: [...records.values()].filter((r) =>
        r.history.some((h) => h.reason.includes('identified from a webhook')),
      ).length,
      person: judged,
    },
    loggedProblems: loggedProblems(hostRuns),
  };
}

/**
 * The files whose event never reached the trigger were brought in by the scheduled recovery run: every
 * poisoned file's message was recorded and driven, and nothing is left in the poison queue. (That every
 * such file ended right is the outcome check's.)
 */
async function checkLostEvents(
  files: readonly PlannedFile[],
  stack: SoakStack,
): Promise<{ violations: string[]; counts: Findings['eventsLost'] }> {
  const poisoned = files.filter((f) => f.event === 'poison').map((f) => f.name);
  const { records } = await stack.poisonRecords.list();
  const driven = new Set(records.filter((r) => r.outcome === 'driven').map((r) => r.blob?.name));
  const violations = poisoned
    .filter((name) => !driven.has(name))
    .map((name) => `${name}: its poison message was not recorded as driven by the recovery run`);
  const left =
    (await stack.poisonQueue.getProperties().catch(() => undefined))?.approximateMessagesCount ?? 0;
  if (left > 0)
    violations.push(`${left} message(s) left in the poison queue: the recovery run did not drain them`);
  return {
    violations,
    counts: {
      dropped: files.filter((f) => f.event === 'drop').length,
      poisoned: poisoned.length,
      poisonDriven: poisoned.filter((name) => driven.has(name)).length,
    },
  };
}

/** Every ledger record, by source blob name. */
async function readRecords(ledger: BlobLedger): Promise<Map<string, LedgerRecord>> {
  const records = new Map<string, LedgerRecord>();
  for await (const record of ledger.list()) records.set(record.source.name, record);
  return records;
}

function countByState(records: ReadonlyMap<string, LedgerRecord>): Record<string, number> {
  const byState: Record<string, number> = {};
  for (const record of records.values()) byState[record.state] = (byState[record.state] ?? 0) + 1;
  return byState;
}

/** A check's violations, and how many files failed it. */
interface Check {
  readonly violations: string[];
  readonly count: number;
}

/** Every file terminal, with the right reason. The first few wrong ones in full, the rest summarised. */
function checkOutcomes(
  files: readonly PlannedFile[],
  records: ReadonlyMap<string, LedgerRecord>,
  emulator: EmulatorHandle,
): Check & { readonly details: string[] } {
  const violations: string[] = [];
  const details: string[] = [];
  let wrongOrMissing = 0;
  const summary = new Map<string, number>();
  const retries = retriesBySubmission(emulator);
  for (const file of files) {
    const record = records.get(file.name);
    const problem = wrongOutcome(file, record, retries.get(record?.submissionId ?? '') ?? 0);
    if (!problem) continue;
    wrongOrMissing++;
    if (wrongOrMissing <= DETAILED_RECORDS) {
      violations.push(`${file.name}: ${problem}`);
      details.push(describeRecord(file, record), ...emulatorView(emulator, record));
    }
    const last = record?.history
      .at(-1)
      ?.reason.replace(/[0-9a-f-]{36}/g, '<id>')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
    const key = `${record?.state ?? 'no record'} (last transition: ${last ?? '—'})`;
    summary.set(key, (summary.get(key) ?? 0) + 1);
  }
  if (wrongOrMissing > DETAILED_RECORDS) {
    violations.push(
      `… and ${wrongOrMissing - DETAILED_RECORDS} more files not in their expected terminal state`,
    );
  }
  if (summary.size > 0) {
    details.unshift(
      'Files not in their expected terminal state, by state and last transition:',
      ...[...summary].sort(([, a], [, b]) => b - a).map(([key, n]) => `  ${n} × ${key}`),
      `The first ${Math.min(DETAILED_RECORDS, wrongOrMissing)} in full:`,
    );
  }
  return { violations, details, count: wrongOrMissing };
}

/** Why a file's record is not what its script promises, or undefined when it is. */
function wrongOutcome(
  file: PlannedFile,
  record: LedgerRecord | undefined,
  emulatorRetries: number,
): string | undefined {
  if (!record) return 'no ledger record (never claimed)';
  if (record.state !== file.expect) return `${record.state}, expected ${file.expect}`;
  if (file.expect === 'dead-lettered' && record.failure?.errorType !== 'UnprocessableMediaError')
    return `dead-lettered for the wrong reason: ${record.failure?.errorType ?? record.failure?.kind ?? '?'}`;
  const needed = file.script === 'mmfail-2' ? 2 : file.script === 'mmfail-1' ? 1 : 0;
  // MediaMagic's count, not the ledger's: a host killed between an accepted retry and its ledger write
  // leaves the ledger one short, while the retry did happen (and MediaMagic enforces its own cap).
  if (emulatorRetries < needed)
    return `complete after ${emulatorRetries} retries, but its script fails ${needed} time(s)`;
  return undefined;
}

/** Retries MediaMagic accepted for each submission's (single) asset, read once for the whole check. */
function retriesBySubmission(emulator: EmulatorHandle): Map<string, number> {
  return new Map(
    emulator.controls.processing.submissions().map((s) => [s.submissionId, s.assets[0]?.retryCount ?? 0]),
  );
}

/**
 * Results for every completed file (and a failure report for every dead-lettered one), about the
 * submission the record names.
 */
async function checkReports(
  records: ReadonlyMap<string, LedgerRecord>,
  results: ContainerClient,
): Promise<Check> {
  const violations: string[] = [];
  let resultsMissing = 0;
  const written = new Set<string>();
  for await (const blob of results.listBlobsFlat()) written.add(blob.name);
  await pool([...records.values()], 16, async (record) => {
    if (record.state === 'complete') {
      const name = resultPath(record.source.name, 'result');
      const ok = written.has(name) && (await resultNames(results, name, record.submissionId));
      if (!ok) {
        resultsMissing++;
        violations.push(
          `${record.source.name}: complete, but no results document for ${record.submissionId ?? '?'}`,
        );
      }
    } else if (record.state === 'dead-lettered' && !written.has(resultPath(record.source.name, 'failure'))) {
      resultsMissing++;
      violations.push(`${record.source.name}: dead-lettered, but no failure report`);
    }
  });
  return { violations, count: resultsMissing };
}

/** The results document exists and names the record's submission. */
async function resultNames(
  results: ContainerClient,
  name: string,
  submissionId: string | undefined,
): Promise<boolean> {
  try {
    const body = JSON.parse((await results.getBlobClient(name).downloadToBuffer()).toString('utf8')) as {
      submissionId?: string;
    };
    return body.submissionId === submissionId;
  } catch {
    return false;
  }
}

/** No duplicate submission, and exactly one per terminal file. */
function checkOneSubmissionEach(records: ReadonlyMap<string, LedgerRecord>, stats: EmulatorStats): string[] {
  const violations = stats.duplicateBlobPaths.map((path) => `duplicate submissions of ${path}`);
  for (const record of records.values()) {
    const n = record.blobPath ? (stats.submissionsByBlobPath[record.blobPath] ?? 0) : 0;
    if (TERMINAL_STATES.includes(record.state) && record.state !== 'rejected' && n !== 1)
      violations.push(`${record.source.name}: ${n} submissions of ${record.blobPath ?? '(no blob path)'}`);
  }
  return violations;
}

/**
 * Each hand-over judged against the evidence (bench/soak/handOver.ts): the emulator's view of its creation
 * response and webhooks, the host kills, and how long this run's 201s took to reach the ledger.
 */
function judgeHandOvers(
  links: readonly OperatorLink[],
  hostRuns: readonly HostRun[],
  records: ReadonlyMap<string, LedgerRecord>,
  stats: EmulatorStats,
): HandOver[] {
  // The HTTP process of a fleet never creates a submission, so no 201 can have been handed to it.
  const hosts: HostLife[] = hostRuns
    .filter((run) => run.role !== 'http')
    .map((run) => ({
      startedAt: run.startedAt,
      ...(run.killedAt !== undefined ? { killedAt: run.killedAt } : {}),
      ...(run.exit ? { exitedAt: run.exit.at } : {}),
    }));
  const ledgerWriteMs = ledgerWriteAllowance(ledgerWriteDelays(records, stats.creationsAnsweredAt));
  return links.map((link) => ({
    ...link,
    ...(link.evidence
      ? judgeHandOver(link.evidence, hosts, ledgerWriteMs)
      : { needed: false, why: `MediaMagic has no submission for ${link.blobPath ?? '?'}` }),
  }));
}

/** For every submission a record says was created: its 201's handing over → the ledger entry, in ms. */
function* ledgerWriteDelays(
  records: ReadonlyMap<string, LedgerRecord>,
  answeredAt: Readonly<Record<string, number>>,
): Generator<number> {
  for (const record of records.values())
    for (const entry of record.history) {
      // The reason submitClaimed.ts writes with the 201's id (shared/pipeline/submitClaimed.ts).
      const id = /^submission (\S+) created$/.exec(entry.reason)?.[1];
      const at = id === undefined ? undefined : answeredAt[id];
      if (at !== undefined) yield Date.parse(entry.at) - at;
    }
}

/** A person was asked only where nothing could have told the app the submission id, and it worked. */
function checkHandOvers(links: readonly HandOver[]): string[] {
  const violations: string[] = [];
  for (const link of links) {
    if (!link.needed) violations.push(`${link.name}: handed to a person although ${link.why}`);
    else if (link.exitCode !== 0)
      violations.push(`${link.name}: \`link ${link.submissionId ?? '?'}\` exited ${String(link.exitCode)}`);
  }
  return violations;
}

/** How the follow-up went (not asserted: the story behind the drain time). */
function followUp(
  records: ReadonlyMap<string, LedgerRecord>,
): Pick<Findings, 'completedVia' | 'followUpSeconds'> {
  const completedVia = { webhooks: 0, polling: 0 };
  const followUpSeconds: number[] = [];
  for (const record of records.values()) {
    const last = record.history.at(-1);
    const submitted = record.history.find((h) => h.to === 'submitted');
    if (record.state === 'complete' && last) {
      if (last.reason.includes('(from webhooks)')) completedVia.webhooks++;
      else completedVia.polling++;
    }
    if (TERMINAL_STATES.includes(record.state) && submitted && last)
      followUpSeconds.push((Date.parse(last.at) - Date.parse(submitted.at)) / 1000);
  }
  return { completedVia, followUpSeconds };
}

/**
 * What MediaMagic (the emulator) knows about a record's blob path: the submissions it created for it, and
 * what became of each one's webhook deliveries — e.g. a lost creation response whose only event was dropped
 * leaves nothing to tell the app its submission id.
 */
function emulatorView(emulator: EmulatorHandle, record: LedgerRecord | undefined): string[] {
  if (!record?.blobPath) return [];
  const submissions = emulator.controls.processing
    .submissions()
    .filter((s) => s.assets.some((a) => a.blobPath === record.blobPath));
  if (submissions.length === 0) return ['    emulator: no submission exists for this blob path'];
  const deliveries = emulator.controls.webhooks.deliveries();
  return submissions.map((submission) => {
    const mine = deliveries.filter((d) => d.body.includes(submission.submissionId));
    const outcomes = mine.map(
      (d) =>
        `${d.eventType} ${d.state}${d.duplicate ? ' (duplicate)' : ''}` +
        (d.attempts.length > 0 ? ` [${d.attempts.map((a) => a.responseStatus).join(',')}]` : ''),
    );
    return (
      `    emulator: submission ${submission.submissionId} created ${new Date(submission.createdAt).toISOString()}, ` +
      `asset ${submission.assets.map((a) => a.status).join('/')}; webhook deliveries: ${outcomes.join('; ') || 'none'}`
    );
  });
}

function describeRecord(file: PlannedFile, record: LedgerRecord | undefined): string {
  if (!record) return `  ${file.name}: no record`;
  const history = record.history.map((h) => `      ${h.at} ${h.from} → ${h.to}: ${h.reason}`).join('\n');
  return [
    `  ${file.name} (script ${file.script}, expected ${file.expect}):`,
    `    state ${record.state}, due ${record.due ?? '—'}, submitAttempts ${record.submitAttempts}, ` +
      `blobPath ${record.blobPath ?? '—'}, submissionId ${record.submissionId ?? '—'}`,
    `    failure ${record.failure ? JSON.stringify(record.failure) : '—'}; updatedAt ${record.updatedAt}`,
    `    history:\n${history}`,
  ].join('\n');
}
