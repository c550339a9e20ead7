/**
 * The guide baseline: the `request_with_retries` of MediaMagic's error-handling guide, ported line for line
 * from its Python so the benchmarks compare our pipeline with what the guide tells integrators to write.
 *
 * ```python
 * for attempt in range(max_retries):                       # max_retries = 4
 *     response = requests.request(method, url, timeout=10, **kwargs)
 *     if response.status_code not in RETRYABLE or attempt == max_retries - 1:
 *         return response
 *     retry_after = response.headers.get("Retry-After")
 *     if response.status_code == 429 and retry_after:
 *         delay = float(retry_after)
 *     else:
 *         delay = base_delay * (2 ** attempt)               # base_delay = 1.0
 *         delay += random.uniform(0, delay * 0.1)
 *     time.sleep(delay)
 * ```
 *
 * No pacing, no shared state between callers, no ledger: each call stands alone. A network error raises
 * (as `requests` does), and the caller's file is then not submitted.
 */

/** The retry policy of MediaMagic's error-handling guide. */
export const SEED_POLICY = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 1000,
  /** Upward jitter as a share of the exponential delay (`random.uniform(0, delay * 0.1)`). */
  jitterShare: 0.1,
  retryable: Object.freeze<readonly number[]>([429, 500, 502]),
});

/** What one HTTP attempt answered. */
export interface SeedResponse {
  readonly status: number;
  readonly retryAfter: string | null;
}

/** The last response of a call and how many attempts it took. */
export interface SeedOutcome {
  readonly response: SeedResponse;
  readonly attempts: number;
}

/** The effects the loop needs, injectable so the unit test can check every wait without sleeping. */
export interface SeedEffects {
  readonly send: () => Promise<SeedResponse>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/** `request_with_retries`: returns the last response (a 429 after four tries is returned, not thrown). */
export async function requestWithRetries(effects: SeedEffects, policy = SEED_POLICY): Promise<SeedOutcome> {
  for (let attempt = 0; ; attempt++) {
    const response = await effects.send();
    if (!policy.retryable.includes(response.status) || attempt === policy.maxRetries - 1) {
      return { response, attempts: attempt + 1 };
    }
    await effects.sleep(seedDelayMs(response, attempt, effects.random, policy));
  }
}

/**
 * The wait before the next attempt: Retry-After as given on a 429 (Python's `float()` of the header), else
 * `base × 2^attempt` plus up to 10 % upward jitter.
 */
export function seedDelayMs(
  response: SeedResponse,
  attempt: number,
  random: () => number,
  policy = SEED_POLICY,
): number {
  if (response.status === 429 && response.retryAfter) return Number.parseFloat(response.retryAfter) * 1000;
  const delay = policy.baseDelayMs * 2 ** attempt;
  return delay + random() * delay * policy.jitterShare;
}

/** `send` for one JSON POST over the global fetch, reporting status and Retry-After. */
export function jsonPost(url: string, apiKey: string, body: unknown): () => Promise<SeedResponse> {
  return async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000), // `timeout=10` in the guide
    });
    await response.arrayBuffer();
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  };
}
