/**
 * The per-request pipeline every API call goes through, in the order the real service applies it:
 * route (404/405) → injected faults → authentication (401/402) → rate limit (429) → handler. Every
 * failure becomes one of the four documented body shapes; anything unexpected becomes a 500 and is
 * logged — no input can crash the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDPOINTS, routeLabel, type RouteId } from './catalogue.js';
import type { RouteContext, Services } from './context.js';
import { ApiError, domainError, rateLimitError } from './errors.js';
import type { FaultPlan } from './faults.js';
import { ClientAbortedError, onUndelivered, readJson, writeReply, type Reply } from './http.js';
import { ADMIN_PREFIX, handleAdmin } from './routes/admin.js';
import { HANDLERS } from './routes/index.js';
import { matchRoute } from './router.js';

/** Stats key for requests that matched no endpoint. */
export const UNMATCHED_ROUTE = 'unmatched';

const FAULT_DETAILS: Readonly<Record<500 | 502 | 503, string>> = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** Handles one request end to end. Never rejects. */
export async function handleRequest(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    // Apply due processing transitions first, so a read right after a deadline sees the new state.
    services.processor.tick();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      writeReply(res, await answer(services, () => handleAdmin(services, req, url.pathname)));
      return;
    }
    await handleApiRequest(services, req, res, url);
  } catch (error) {
    services.options.log('request pipeline failed', error);
    writeReply(res, { status: 500, body: { detail: 'Internal server error' } });
  }
}

async function handleApiRequest(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const match = matchRoute(req.method ?? '', url.pathname);
  if (match.kind !== 'found') {
    const reply: Reply =
      match.kind === 'not-found'
        ? { status: 404, body: { detail: 'Not Found' } }
        : { status: 405, body: { detail: 'Method Not Allowed' }, headers: { allow: match.allow.join(', ') } };
    services.stats.response(UNMATCHED_ROUTE, reply.status);
    writeReply(res, reply);
    return;
  }
  const label = routeLabel(match.id);
  const bucket = ENDPOINTS[match.id].bucket;
  const plan = services.faults.plan(match.id);
  if (plan.latencyMs > 0) await sleep(plan.latencyMs, undefined, { ref: false });
  if (plan.fault) services.stats.fault(plan.fault.kind);
  if (plan.fault?.kind === 'resetBefore') {
    resetConnection(req);
    services.stats.response(label, 'reset', bucket);
    return;
  }
  const reply = await answer(services, () => runRoute(services, req, url, match.id, match.params, plan));
  if (plan.fault?.kind === 'resetAfter') {
    // The work is done (e.g. the submission exists) but the client never hears about it.
    const created =
      match.id === 'submissions.create' && reply.status === 201 ? submissionIdOf(reply) : undefined;
    if (created) services.stats.creationLost(created);
    resetConnection(req);
    services.stats.response(label, 'reset', bucket);
    return;
  }
  services.stats.response(label, reply.status, bucket);
  const created =
    match.id === 'submissions.create' && reply.status === 201 ? submissionIdOf(reply) : undefined;
  // The client may have gone (killed, or timed out) while we worked: for it the 201 is lost all the same.
  // Or it may be killed right after: when the 201 was handed over is the soak's evidence for that.
  if (created)
    onUndelivered(
      res,
      () => services.stats.creationLost(created),
      () => services.stats.creationAnswered(created, Date.now()),
    );
  writeReply(res, reply);
}

async function runRoute(
  services: Services,
  req: IncomingMessage,
  url: URL,
  id: RouteId,
  params: Readonly<Record<string, string>>,
  plan: FaultPlan,
): Promise<Reply> {
  const bucket = ENDPOINTS[id].bucket;
  if (plan.fault?.kind === 'status') {
    throw domainError(plan.fault.status, plan.fault.detail ?? FAULT_DETAILS[plan.fault.status]);
  }
  if (plan.fault?.kind === 'rateLimit') throw rateLimitError(bucket, plan.fault.retryAfterSeconds ?? 1);
  const principal = services.keys.authenticate(req.headers['x-api-key'], bucket);
  const decision = services.limiter.take(principal.key, bucket);
  if (!decision.allowed) {
    services.stats.rateLimited(bucket);
    throw rateLimitError(bucket, decision.retryAfterSeconds);
  }
  const ctx: RouteContext = {
    route: id,
    req,
    url,
    params,
    principal,
    services,
    json: () => readJson(req, services.options.maxJsonBodyBytes),
  };
  return HANDLERS[id](ctx);
}

/** Runs a handler and turns whatever it throws into a reply. */
async function answer(services: Services, run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, body: error.body, headers: error.headers };
    // Not a fault of ours; the reply is recorded in stats but cannot be delivered.
    if (error instanceof ClientAbortedError) {
      return { status: 400, body: { detail: 'Client closed the request' } };
    }
    services.options.log('unexpected error in a handler', error);
    return { status: 500, body: { detail: 'Internal server error' } };
  }
}

/** Drops the TCP connection with an RST, the way a crashed gateway or a network blip looks to a client. */
function resetConnection(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** The id in a `201` submission-creation reply. */
function submissionIdOf(reply: Reply): string | undefined {
  const body = reply.body as { submissionId?: unknown } | undefined;
  return typeof body?.submissionId === 'string' ? body.submissionId : undefined;
}
