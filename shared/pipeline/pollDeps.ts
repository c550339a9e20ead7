/**
 * The ports and settings of the timer's work: following submissions, retrying assets, writing results,
 * re-driving pending submissions and reconciling unconfirmed ones.
 */
import type { MediaMagicClient } from '../mediamagic/client.js';
import type { ResultsStore } from '../storage/resultsStore.js';
import type { SubmitDeps } from './submitDeps.js';

/** The part of the MediaMagic client the timer uses. */
export type PollApi = Pick<
  MediaMagicClient,
  'getSubmission' | 'getAsset' | 'getAssetTopics' | 'retryAsset' | 'requestUploadUrl' | 'createSubmission'
>;

/** Tunables of one timer run. */
export interface PollSettings {
  /** Wall-clock budget of one run; records not reached stay due for the next run. */
  readonly budgetMs: number;
  /** Records worked on at once. */
  readonly concurrency: number;
  /** Most records looked up per run. */
  readonly batchSize: number;
  /** Retries we ask for per asset before dead-lettering it (`MAX_ASSET_RETRIES`). */
  readonly maxAssetRetries: number;
  /** Delay before the 2nd, 3rd … asset retry (the first is immediate), multiplied by 4 each time. */
  readonly assetRetryBaseMs: number;
  /**
   * The ceiling of that delay (lowered to half of `stuckAfterMs` when that is less; see
   * `assetRetryWait.ts`).
   */
  readonly assetRetryMaxWaitMs: number;
  /** Adaptive polling: first interval (after submit or webhook activity) and the ceiling it doubles to. */
  readonly firstPollMs: number;
  readonly maxPollMs: number;
  /** A non-terminal record without progress for this long is marked `stuck` and alerted on. */
  readonly stuckAfterMs: number;
}

/** Defaults for what configuration does not set. */
export const DEFAULT_POLL_TIMINGS = {
  batchSize: 500,
  assetRetryBaseMs: 30_000,
  // An hour: ×4 from 30 s passes it after the 4th retry (the 6th would wait 128 minutes, past the default
  // STUCK_AFTER_MINUTES of 120). Long enough to space retries out across a MediaMagic incident, short enough
  // that a waiting record comes due well inside the stuck threshold. docs/design.md, decision 9.
  assetRetryMaxWaitMs: 60 * 60_000,
  firstPollMs: 30_000,
  maxPollMs: 10 * 60_000,
} as const;

/** Everything the timer's work needs: the submit step's deps (for re-drives) plus its own. */
export interface PollDeps extends Omit<SubmitDeps, 'api'> {
  readonly api: PollApi;
  readonly results: ResultsStore;
  readonly poll: PollSettings;
}
