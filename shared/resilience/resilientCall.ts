/**
 * The one retry layer (docs/design.md, decision 6): runs attempts of one logical API call through the bucket
 * gate, the host's circuit breaker and the retry budget, backs off with full jitter and a Retry-After floor,
 * and never sleeps past the invocation's deadline — it returns a typed `retry-later` instead.
 *
 * It knows no API: the caller names the bucket, and reads its own failures for it ({@link FailureReading}).
 */
import type { Clock, Random } from '../clock.js';
import type { AttemptFailure, FailureReading } from './attemptFailure.js';
import { INITIAL_BACKOFF, applyRetryAfterFloor, nextBackoff, type BackoffOptions } from './backoff.js';
import type { BucketGate, BucketGates, SendResult } from './bucketGate.js';
import type { CircuitBreaker, CircuitBreakers } from './circuitBreaker.js';
import { decideWait } from './deadline.js';
import type { AbortedFailure, LocalFailure, RetryLaterFailure } from './localFailure.js';
import type { RetryBudget } from './retryBudget.js';

/** The process-wide resilience state every call shares. Built once by the composition root. */
export interface ResilienceDeps<K extends string> {
  readonly clock: Clock;
  readonly random: Random;
  readonly gates: BucketGates<K>;
  readonly breakers: CircuitBreakers;
  readonly budget: RetryBudget;
  readonly backoff: BackoffOptions;
}

/**
 * When a failed attempt may be sent again.
 * - `idempotent`: any retryable failure (reads, deletes, PATCH to a fixed value).
 * - `unprocessed-only`: non-idempotent writes (create submission, retry asset): only when the request was
 *   not sent, or the server answered and the API marks that answer retryable (MediaMagic: 429/500/502).
 *   A request that may have been sent is never resent blindly.
 */
export type ResendPolicy = 'idempotent' | 'unprocessed-only';

/** What one attempt produced. */
export type AttemptOutcome<T, F extends AttemptFailure> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: F };

/** Facts about a failed attempt, for the caller's structured log line. */
export interface FailedAttempt<F extends AttemptFailure> {
  readonly attempt: number;
  readonly failure: F;
  /** Milliseconds until the next attempt, when there will be one. */
  readonly nextWaitMs?: number;
}

/** One logical call to bucket `K` of an API whose attempts fail with `F`. */
export interface CallSpec<T, K extends string, F extends AttemptFailure> {
  readonly bucket: K;
  /** The API's name, for the messages of failures decided here (e.g. `MediaMagic`). */
  readonly service: string;
  /** The API host, keying the circuit breaker. */
  readonly host: string;
  readonly resend: ResendPolicy;
  /** How the API reads its own failures: rate limits, faults, and whether the server may have acted. */
  readonly failures: FailureReading<F>;
  /** Upper bound on attempts (the deadline usually ends things first). */
  readonly maxAttempts: number;
  /** Epoch ms after which no attempt starts and no wait ends. */
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
  readonly attempt: (attemptNo: number, signal?: AbortSignal) => Promise<AttemptOutcome<T, F>>;
  readonly onFailedAttempt?: (info: FailedAttempt<F>) => void;
}

/** How a logical call ended: a value, the API's failure, or one the loop decided ({@link LocalFailure}). */
export type CallResult<T, F extends AttemptFailure> = (
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: F | LocalFailure<F> }
) & {
  readonly attempts: number;
  /** True when an earlier attempt may have been processed by the server (maybe-sent, or a 500/502). */
  readonly earlierAttemptAmbiguous: boolean;
};

type Ending<T, F extends AttemptFailure> =
  { ok: true; value: T } | { ok: false; failure: F | LocalFailure<F> };

/** Runs a call to completion, to a terminal failure, or to a typed hand-off (`retry-later`, `circuit-open`). */
export async function resilientCall<T, K extends string, F extends AttemptFailure>(
  deps: ResilienceDeps<K>,
  spec: CallSpec<T, K, F>,
): Promise<CallResult<T, F>> {
  const { clock } = deps;
  const gate = deps.gates.get(spec.bucket);
  const breaker = deps.breakers.forHost(spec.host);
  let backoffState = INITIAL_BACKOFF;
  let attempts = 0;
  let ambiguous = false;
  let last: F | undefined;
  const done = (r: Ending<T, F>): CallResult<T, F> => ({
    ...r,
    attempts,
    earlierAttemptAmbiguous: ambiguous,
  });

  try {
    for (;;) {
      if (spec.signal?.aborted) return done({ ok: false, failure: aborted() });

      // Queue for this bucket's pace and any 429 pause shared by every caller in the process.
      const slot = await gate.take(spec.deadlineMs, {
        ...(spec.signal ? { signal: spec.signal } : {}),
        retry: attempts > 0,
      });
      if (!slot.ok) return done({ ok: false, failure: retryLater(slot.retryAt, last, 'rate-limit pause') });

      const permit = breaker.tryAcquire();
      if (!permit.ok) {
        gate.settle(UNSENT);
        return done({
          ok: false,
          failure: {
            kind: 'circuit-open',
            reach: 'not-sent',
            retryable: true,
            retryAt: permit.retryAt,
            message: `${spec.service} at ${spec.host} is failing; calls paused until ${new Date(permit.retryAt).toISOString()}`,
          },
        });
      }
      // A retry after a 429 is not amplification: the gate held it until Retry-After and paces it with
      // everyone else's sends, so it cannot add load. Only retries after faults spend the budget.
      if (last !== undefined && !spec.failures.rateLimit(last) && !deps.budget.tryConsumeRetry()) {
        gate.settle(UNSENT);
        breaker.recordNeutral(permit.probe);
        return done({
          ok: false,
          failure: {
            kind: 'budget-exhausted',
            reach: 'not-sent',
            retryable: true,
            last,
            message: `retry budget exhausted (too many recent failures); last failure: ${last.message}`,
          },
        });
      }

      attempts++;
      let outcome: AttemptOutcome<T, F>;
      try {
        outcome = await spec.attempt(attempts, spec.signal);
      } catch (error) {
        gate.settle(FAILED);
        throw error;
      }
      if (outcome.ok) {
        breaker.recordSuccess(permit.probe);
        gate.settle(ACCEPTED);
        deps.budget.recordSuccess();
        return done(outcome);
      }

      const failure = outcome.failure;
      last = failure;
      report(deps, spec.failures, gate, breaker, permit.probe, failure);
      const mayHaveActed = spec.failures.mayHaveActed(failure);

      if (!mayResend(spec.resend, failure) || attempts >= spec.maxAttempts) {
        spec.onFailedAttempt?.({ attempt: attempts, failure });
        if (mayHaveActed) ambiguous = true;
        return done({ ok: false, failure });
      }
      if (mayHaveActed) ambiguous = true;

      const [backoffMs, nextState] = nextBackoff(backoffState, deps.backoff, deps.random);
      backoffState = nextState;
      const retryAfterMs = spec.failures.rateLimit(failure)?.retryAfterMs;
      const waitMs = applyRetryAfterFloor(backoffMs, retryAfterMs, deps.random);
      const decision = decideWait(clock.now(), waitMs, spec.deadlineMs);
      if (decision.kind === 'retry-later') {
        spec.onFailedAttempt?.({ attempt: attempts, failure });
        return done({ ok: false, failure: retryLater(decision.retryAt, failure, 'the next attempt') });
      }
      spec.onFailedAttempt?.({ attempt: attempts, failure, nextWaitMs: decision.ms });
      await clock.sleep(decision.ms, spec.signal);
    }
  } catch (error) {
    // Only an aborted sleep can land here; the attempt function returns failures as values.
    if (spec.signal?.aborted) return done({ ok: false, failure: aborted() });
    throw error;
  }
}

const ACCEPTED: SendResult = { kind: 'accepted' };
const FAILED: SendResult = { kind: 'failed' };
const UNSENT: SendResult = { kind: 'unsent' };

/** Feeds one failed attempt to the shared state: 429 paces its bucket, faults count for the breaker. */
function report<F extends AttemptFailure>(
  deps: ResilienceDeps<string>,
  failures: FailureReading<F>,
  gate: BucketGate,
  breaker: CircuitBreaker,
  probe: boolean,
  failure: F,
): void {
  const rateLimit = failures.rateLimit(failure);
  if (rateLimit) {
    gate.settle({ kind: 'rate-limited', retryAfterMs: rateLimit.retryAfterMs });
    breaker.recordNeutral(probe);
  } else if (failures.countsAgainstBreaker(failure)) {
    gate.settle(FAILED);
    breaker.recordFailure(probe);
  } else {
    // The server answered (a 4xx, or a 2xx we could not parse): it is healthy and not throttling us.
    breaker.recordNeutral(probe);
    gate.settle(ACCEPTED);
    deps.budget.recordSuccess();
  }
}

function mayResend(policy: ResendPolicy, failure: AttemptFailure): boolean {
  if (!failure.retryable) return false;
  if (policy === 'idempotent') return true;
  // Retryable and not maybe-sent: never sent, or an answer the API says to resend (it was not processed).
  return failure.reach !== 'maybe-sent';
}

function retryLater<F extends AttemptFailure>(
  retryAt: number,
  last: F | undefined,
  what: string,
): RetryLaterFailure<F> {
  return {
    kind: 'retry-later',
    reach: last?.reach === 'maybe-sent' ? 'maybe-sent' : 'not-sent',
    retryable: true,
    retryAt,
    ...(last ? { last } : {}),
    message:
      `${what} would end after this invocation's deadline; hand off and retry at ${new Date(retryAt).toISOString()}` +
      (last ? ` (last failure: ${last.message})` : ''),
  };
}

function aborted(): AbortedFailure {
  return {
    kind: 'aborted',
    reach: 'not-sent',
    retryable: false,
    message: 'the call was aborted by its caller',
  };
}
