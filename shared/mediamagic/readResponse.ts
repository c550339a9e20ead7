/**
 * Reads one MediaMagic response against its route: a status the route does not expect is a classified
 * failure, and a success body must be JSON that meets the route's zod contract — the trust boundary between
 * the API and our code.
 */
import type { AttemptOutcome } from '../resilience/resilientCall.js';
import { classifyHttpError } from './classify.js';
import type { Failure } from './failure.js';
import type { ResponseOf, Route } from './routes.js';
import type { RawResponse } from './transport.js';

/** The value of a success response, or the failure it is; `nowMs` anchors a 429's Retry-After. */
export function readResponse<R extends Route>(
  route: R,
  res: RawResponse,
  nowMs: number,
): AttemptOutcome<ResponseOf<R>, Failure> {
  if (!route.expect.includes(res.status)) {
    if (res.status >= 200 && res.status < 300) {
      return { ok: false, failure: invalidResponse(res, `expected status ${route.expect.join('/')}`) };
    }
    return {
      ok: false,
      failure: classifyHttpError(
        { status: res.status, header: (n) => res.headers[n.toLowerCase()], bodyText: res.bodyText },
        nowMs,
      ),
    };
  }
  // ResponseOf<R> is by definition the output of `route.schema`, or undefined when the route has none.
  if (!route.schema) return { ok: true, value: undefined as ResponseOf<R> };
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.bodyText);
  } catch {
    return { ok: false, failure: invalidResponse(res, 'the body is not JSON') };
  }
  const checked = route.schema.safeParse(parsed);
  if (!checked.success) {
    const problems = checked.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return {
      ok: false,
      failure: invalidResponse(res, `the body does not match the contract (${problems})`),
    };
  }
  return { ok: true, value: checked.data as ResponseOf<R> };
}

function invalidResponse(res: RawResponse, problem: string): Failure {
  return {
    kind: 'invalid-response',
    reach: 'received',
    status: res.status,
    retryable: false,
    detail: problem,
    message: `MediaMagic answered ${res.status} but ${problem}`,
  };
}
