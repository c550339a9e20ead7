/**
 * One file's story, as `status --blob NAME` shows it: where its record is in the state machine, what was
 * submitted, every state change with its reason, and where its results (or failure report) are. Every
 * field is always present (`null` when unknown) so `--json` readers never branch on a missing key.
 */
import type { LedgerRecord } from '../../shared/ledger/record.js';
import { isTerminal, type LedgerState } from '../../shared/ledger/states.js';
import { actionFor, FAILURE_STATES, failureReason, type FailureReason } from './statusReport.js';
import { failedRuns, stepFailureView, type StepFailureView } from './stepFailureView.js';

/** Where a results document is, and whether it exists yet. */
export interface ResultLocation {
  readonly path: string;
  readonly exists: boolean;
}

/** `status --blob NAME --json`. */
export interface RecordView {
  readonly blob: string;
  readonly container: string;
  readonly key: string;
  readonly state: LedgerState;
  readonly terminal: boolean;
  readonly generation: number;
  readonly sourceEtag: string;
  readonly contentType: string | null;
  readonly contentLength: number | null;
  readonly submissionId: string | null;
  readonly previousSubmissionId: string | null;
  readonly blobPath: string | null;
  readonly due: string | null;
  readonly submitAttempts: number;
  readonly failure: FailureReason | null;
  /** The timer runs in a row whose step threw on this record (`null` when the last did not). */
  readonly stepFailures: StepFailureView | null;
  readonly assets: {
    readonly assetId: string;
    readonly status: string | null;
    readonly retryCount: number;
    readonly errorType: string | null;
    readonly errorMessage: string | null;
    readonly isRetryable: boolean | null;
    readonly resultsWritten: boolean;
  }[];
  readonly history: {
    readonly at: string;
    readonly from: string;
    readonly to: string;
    readonly reason: string;
  }[];
  readonly results: {
    readonly container: string;
    readonly result: ResultLocation;
    readonly failure: ResultLocation;
  };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastProgressAt: string;
  /** What happens next, or what to do. */
  readonly next: string;
}

/** Shapes a record and its result locations into a {@link RecordView}. */
export function recordView(record: LedgerRecord, results: RecordView['results']): RecordView {
  return {
    blob: record.source.name,
    container: record.source.container,
    key: record.key,
    state: record.state,
    terminal: isTerminal(record.state),
    generation: record.generation,
    sourceEtag: record.sourceEtag,
    contentType: record.contentType ?? null,
    contentLength: record.contentLength ?? null,
    submissionId: record.submissionId ?? null,
    previousSubmissionId: record.previousSubmissionId ?? null,
    blobPath: record.blobPath ?? null,
    due: record.due ?? null,
    submitAttempts: record.submitAttempts,
    failure: FAILURE_STATES.includes(record.state) || record.failure ? failureReason(record) : null,
    stepFailures: stepFailureView(record),
    assets: record.assets.map((a) => ({
      assetId: a.assetId,
      status: a.status ?? null,
      retryCount: a.retryCount,
      errorType: a.errorType ?? null,
      errorMessage: a.errorMessage ?? null,
      isRetryable: a.isRetryable ?? null,
      resultsWritten: a.resultsWritten ?? false,
    })),
    history: record.history.map(({ at, from, to, reason }) => ({ at, from, to, reason })),
    results,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastProgressAt: record.lastProgressAt,
    next: nextStep(record),
  };
}

function nextStep(record: LedgerRecord): string {
  if (record.state === 'complete') return 'nothing: it is complete; the results are in the results container';
  if (FAILURE_STATES.includes(record.state)) return actionFor(record);
  const when = record.due ? ` at ${record.due}` : '';
  const failing = stepFailureView(record);
  if (failing !== null && !isTerminal(record.state)) {
    return (
      `its ${failedRuns(failing)} (last: ${failing.lastError}); the timer tries again${when}, and at ` +
      `${failing.limit} it goes stuck with an ALERT — fix the cause the error names (e.g. rehydrate an archived blob)`
    );
  }
  switch (record.state) {
    case 'claimed':
      return `being submitted; if that invocation died, the timer re-drives it${when}`;
    case 'submit-pending':
      return `the timer submits it again${when}`;
    case 'submitted-unconfirmed':
      return `the timer checks with MediaMagic whether the submission landed${when} (it is never sent blindly twice)`;
    case 'submitted':
      return `MediaMagic is processing it; webhooks or the timer${when} move it on`;
    case 'retry-pending':
      return `the timer asks MediaMagic to retry the failed asset${when}`;
    default:
      return actionFor(record);
  }
}
