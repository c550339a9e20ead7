/**
 * Typed MediaMagic Integrations API client: every endpoint of the contract (./routes.ts), each call run
 * through the shared resilience layer, every response validated with zod, every failure a classified value.
 * The API key is sent in `X-API-Key` and never appears in a log line, a failure message or a thrown error.
 */
import type { Dispatcher } from 'undici';
import { Redactor, type Logger } from '../logger.js';
import { resilientCall, type AttemptOutcome, type CallResult } from '../resilience/resilientCall.js';
import { ATTRIBUTES, EVENTS, SPANS } from '../telemetry/names.js';
import { inSpan, instruments, markFailed, statusClass } from '../telemetry/telemetry.js';
import { failureReading, type Failure } from './failure.js';
import { readResponse } from './readResponse.js';
import type { MediaMagicResilience } from './resilience.js';
import { ROUTES, routePath, type PathParams, type Query, type ResponseOf, type Route } from './routes.js';
import type {
  AssetIssues,
  AssetResult,
  AssetTopics,
  DirectUploadResponse,
  FireEventResponse,
  SubmissionStatus,
  SubmissionVersions,
  UploadUrlResponse,
  WebhookDeliveries,
  WebhookEventType,
  WebhookSubscription,
  WebhookSubscriptionCreated,
  WebhookSubscriptionList,
} from './schemas.js';
import {
  createAgent,
  exchange,
  DEFAULT_TIMEOUTS,
  type RawRequest,
  type TransportTimeouts,
} from './transport.js';
import {
  retryOutcome,
  submissionOutcome,
  type RetryOutcome,
  type SubmissionOutcome,
} from './writeOutcomes.js';

/** How the client is built. One instance per process, shared by every invocation. */
export interface MediaMagicClientOptions {
  /** e.g. `https://mm-midmarket-integrations-api-preview.azurewebsites.net` (no trailing slash). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly logger: Logger;
  readonly resilience: MediaMagicResilience;
  readonly timeouts?: TransportTimeouts;
  /** Attempts per call before giving up (the invocation deadline usually ends things first). Default 5. */
  readonly maxAttempts?: number;
  /** Deadline for calls that do not pass one. Default 60 s from the call. */
  readonly defaultBudgetMs?: number;
  /** Inject a dispatcher (tests); default a keep-alive undici Agent the client owns. */
  readonly dispatcher?: Dispatcher;
  /** Extra secrets to scrub from logs and messages (SAS tokens are always scrubbed). */
  readonly extraSecrets?: readonly string[];
}

/** Per-call options. */
export interface CallOptions {
  /** Epoch ms by which this call must be done; past it the call returns `retry-later`. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
}

/** Result of any call: a value or a classified failure, with the attempt count. */
export type ApiResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly failure: Failure; readonly attempts: number };

/** One asset in a create-submission request: only these two fields are accepted by the API. */
export interface SubmissionAssetInput {
  readonly blobPath: string;
  readonly previousSubmissionId?: string;
}

/** Create-submission request. */
export interface CreateSubmissionInput {
  readonly assets: readonly SubmissionAssetInput[];
  readonly sidekickIds?: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Sandbox keys only, 0–30. */
  readonly simulationDelaySeconds?: number;
}

/** Webhook subscription creation input. */
export interface CreateSubscriptionInput {
  readonly endpointUrl: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly description?: string;
}

/** What a call carries besides its path parameters: a query string, and a JSON or multipart body. */
interface RequestParts {
  readonly query?: Query;
  readonly json?: unknown;
  readonly form?: () => FormData;
}

/** A request with neither a body nor a query string. */
const NO_BODY: RequestParts = {};

/** The MediaMagic client. */
export class MediaMagicClient {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly host: string;
  private readonly redactor: Redactor;
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeouts: TransportTimeouts;

  constructor(private readonly options: MediaMagicClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.host = url.host;
    this.redactor = new Redactor([options.apiKey, ...(options.extraSecrets ?? [])]);
    this.logger = this.redactor.wrap(options.logger);
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createAgent(this.timeouts);
  }

  /** `POST /uploads/url`: a write SAS URL valid for an hour, and the blob path to submit. */
  requestUploadUrl(
    input: { filename: string; contentType: string },
    opts?: CallOptions,
  ): Promise<ApiResult<UploadUrlResponse>> {
    return this.call(ROUTES.requestUploadUrl, {}, { json: input }, opts);
  }

  /** `POST /uploads/direct`: multipart upload of a small file (the API caps it at 10 MB). */
  uploadDirect(
    input: { filename: string; contentType: string; data: Uint8Array },
    opts?: CallOptions,
  ): Promise<ApiResult<DirectUploadResponse>> {
    const form = (): FormData => {
      const fd = new FormData();
      fd.append('file', new Blob([input.data], { type: input.contentType }), input.filename);
      return fd;
    };
    return this.call(ROUTES.uploadDirect, {}, { form }, opts);
  }

  /** `POST /submissions`, guarded against duplicates: see {@link SubmissionOutcome}. */
  async createSubmission(input: CreateSubmissionInput, opts?: CallOptions): Promise<SubmissionOutcome> {
    const json = {
      assets: input.assets.map((a) => ({
        blobPath: a.blobPath,
        ...(a.previousSubmissionId ? { previousSubmissionId: a.previousSubmissionId } : {}),
      })),
      ...(input.sidekickIds ? { sidekickIds: input.sidekickIds } : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
    };
    const query = { simulationDelaySeconds: input.simulationDelaySeconds };
    return submissionOutcome(
      await this.callWithAmbiguity(ROUTES.createSubmission, {}, { json, query }, opts),
    );
  }

  /** `GET /submissions/{id}` (no `/status` suffix): submission and per-asset status. */
  getSubmission(submissionId: string, opts?: CallOptions): Promise<ApiResult<SubmissionStatus>> {
    return this.call(ROUTES.getSubmission, { submissionId }, NO_BODY, opts);
  }

  /** `GET /submissions/{id}/versions`: the version group of a submission. */
  listVersions(submissionId: string, opts?: CallOptions): Promise<ApiResult<SubmissionVersions>> {
    return this.call(ROUTES.listVersions, { submissionId }, NO_BODY, opts);
  }

  /** `GET .../assets/{asset_id}`: the asset result with its issues. */
  getAsset(submissionId: string, assetId: string, opts?: CallOptions): Promise<ApiResult<AssetResult>> {
    return this.call(ROUTES.getAsset, { submissionId, assetId }, NO_BODY, opts);
  }

  /** `GET .../assets/{asset_id}/issues`: enriched issues (404 `pending` until processing finished). */
  getAssetIssues(submissionId: string, assetId: string, opts?: CallOptions): Promise<ApiResult<AssetIssues>> {
    return this.call(ROUTES.getAssetIssues, { submissionId, assetId }, NO_BODY, opts);
  }

  /** `GET .../assets/{asset_id}/topics`: topics and orphan issues (404 `pending` until processing finished). */
  getAssetTopics(submissionId: string, assetId: string, opts?: CallOptions): Promise<ApiResult<AssetTopics>> {
    return this.call(ROUTES.getAssetTopics, { submissionId, assetId }, NO_BODY, opts);
  }

  /** `POST .../assets/{asset_id}/retry`, guarded like submission creation: see {@link RetryOutcome}. */
  async retryAsset(submissionId: string, assetId: string, opts?: CallOptions): Promise<RetryOutcome> {
    return retryOutcome(
      await this.callWithAmbiguity(ROUTES.retryAsset, { submissionId, assetId }, NO_BODY, opts),
    );
  }

  /** `POST /webhooks/subscriptions`: the response is the only place the signing secret is ever returned. */
  createWebhookSubscription(
    input: CreateSubscriptionInput,
    opts?: CallOptions,
  ): Promise<ApiResult<WebhookSubscriptionCreated>> {
    return this.call(ROUTES.createWebhookSubscription, {}, { json: input }, opts);
  }

  /** `GET /webhooks/subscriptions`. */
  listWebhookSubscriptions(opts?: CallOptions): Promise<ApiResult<WebhookSubscriptionList>> {
    return this.call(ROUTES.listWebhookSubscriptions, {}, NO_BODY, opts);
  }

  /** `GET /webhooks/subscriptions/{id}`. */
  getWebhookSubscription(id: string, opts?: CallOptions): Promise<ApiResult<WebhookSubscription>> {
    return this.call(ROUTES.getWebhookSubscription, { id }, NO_BODY, opts);
  }

  /** `PATCH /webhooks/subscriptions/{id}`: enable or disable (the only supported change). */
  updateWebhookSubscription(
    id: string,
    patch: { enabled: boolean },
    opts?: CallOptions,
  ): Promise<ApiResult<WebhookSubscription>> {
    return this.call(ROUTES.updateWebhookSubscription, { id }, { json: patch }, opts);
  }

  /** `DELETE /webhooks/subscriptions/{id}` → 204. */
  deleteWebhookSubscription(id: string, opts?: CallOptions): Promise<ApiResult<undefined>> {
    return this.call(ROUTES.deleteWebhookSubscription, { id }, NO_BODY, opts);
  }

  /** `GET /webhooks/subscriptions/{id}/deliveries`. */
  listWebhookDeliveries(
    id: string,
    query: { statusFilter?: string; limit?: number } = {},
    opts?: CallOptions,
  ): Promise<ApiResult<WebhookDeliveries>> {
    const search = {
      // An empty filter means "no filter", not `status_filter=`.
      status_filter: query.statusFilter || undefined,
      limit: query.limit,
    };
    return this.call(ROUTES.listWebhookDeliveries, { id }, { query: search }, opts);
  }

  /** `POST /sandbox/events/fire` (sandbox keys only): a synthetic webhook event per asset. */
  fireSandboxEvent(
    input: { eventType: WebhookEventType; submissionId: string; errorMessage?: string },
    opts?: CallOptions,
  ): Promise<ApiResult<FireEventResponse>> {
    return this.call(ROUTES.fireSandboxEvent, {}, { json: input }, opts);
  }

  /** Closes the keep-alive connections the client opened (no-op for an injected dispatcher). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One call through the route table, as the value or its failure. */
  private async call<R extends Route>(
    route: R,
    params: PathParams<R>,
    parts: RequestParts,
    opts?: CallOptions,
  ): Promise<ApiResult<ResponseOf<R>>> {
    const r = await this.callWithAmbiguity(route, params, parts, opts);
    return r.ok
      ? { ok: true, value: r.value, attempts: r.attempts }
      : { ok: false, failure: r.failure, attempts: r.attempts };
  }

  /** One call, with whether an earlier attempt may have been processed (non-idempotent writes read it). */
  private async callWithAmbiguity<R extends Route>(
    route: R,
    params: PathParams<R>,
    parts: RequestParts,
    opts: CallOptions = {},
  ): Promise<CallResult<ResponseOf<R>, Failure>> {
    const { clock } = this.options.resilience;
    const deadlineMs = opts.deadlineMs ?? clock.now() + (this.options.defaultBudgetMs ?? 60_000);
    const path = routePath(route, params, parts.query);
    const url = `${this.origin}${this.basePath}${path}`;
    // The route template, never the path: ids and the query stay out of telemetry.
    const spanAttributes = {
      [ATTRIBUTES.bucket]: route.bucket,
      [ATTRIBUTES.route]: `${route.method} ${route.path}`,
    };
    return inSpan(SPANS.apiCall, spanAttributes, async (span) => {
      const seen: { status?: number } = {};
      const result = await resilientCall(this.options.resilience, {
        bucket: route.bucket,
        service: 'MediaMagic',
        host: this.host,
        resend: route.resend,
        failures: failureReading,
        maxAttempts: this.options.maxAttempts ?? 5,
        deadlineMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        attempt: (_n, signal) => this.attempt(route, path, parts, deadlineMs - clock.now(), seen, signal),
        onFailedAttempt: ({ attempt, failure, nextWaitMs }) => {
          span.addEvent(EVENTS.attemptFailed, {
            [ATTRIBUTES.attempt]: attempt,
            [ATTRIBUTES.errorType]: failure.kind,
            ...('status' in failure && failure.status !== undefined
              ? { [ATTRIBUTES.httpStatus]: failure.status }
              : {}),
          });
          this.logFailedAttempt(route, url, attempt, failure, nextWaitMs);
        },
      });
      span.setAttributes({
        [ATTRIBUTES.attempts]: result.attempts,
        ...(seen.status !== undefined ? { [ATTRIBUTES.httpStatus]: seen.status } : {}),
      });
      if (!result.ok) markFailed(span, result.failure.kind);
      return result.ok ? result : { ...result, failure: this.redactor.value(result.failure) as Failure };
    });
  }

  /** The structured warning for one failed attempt (the key and any SAS are redacted by the logger). */
  private logFailedAttempt(
    route: Route,
    url: string,
    attempt: number,
    failure: Failure,
    nextWaitMs: number | undefined,
  ): void {
    this.logger.warn('MediaMagic request failed', {
      method: route.method,
      url,
      bucket: route.bucket,
      attempt,
      kind: failure.kind,
      reach: failure.reach,
      ...('status' in failure ? { status: failure.status } : {}),
      ...('detail' in failure ? { detail: failure.detail } : {}),
      ...('fields' in failure ? { fields: failure.fields } : {}),
      retryable: failure.retryable,
      ...(nextWaitMs !== undefined ? { nextWaitMs } : { final: true }),
      message: failure.message,
    });
  }

  private async attempt<R extends Route>(
    route: R,
    path: string,
    parts: RequestParts,
    maxWaitMs: number,
    seen: { status?: number },
    signal?: AbortSignal,
  ): Promise<AttemptOutcome<ResponseOf<R>, Failure>> {
    const headers: Record<string, string> = { 'x-api-key': this.options.apiKey, accept: 'application/json' };
    let body: RawRequest['body'];
    if (parts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(parts.json);
    } else if (parts.form) {
      // Serialise the multipart body once so it can be resent byte-for-byte.
      const encoded = new Response(parts.form());
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
      body = new Uint8Array(await encoded.arrayBuffer());
    }
    const sent = await exchange(this.dispatcher, this.origin, this.timeouts, {
      method: route.method,
      path: `${this.basePath}${path}`,
      headers,
      ...(body !== undefined ? { body } : {}),
      maxWaitMs,
      ...(signal ? { signal } : {}),
    });
    countAttempt(route.bucket, sent.ok ? sent.value.status : undefined);
    if (sent.ok) seen.status = sent.value.status;
    if (!sent.ok) return sent;
    return readResponse(route, sent.value, this.options.resilience.clock.now());
  }
}

/** Counts one attempt by bucket and status class, and a 429 as a rate-limit refusal. */
function countAttempt(bucket: string, status: number | undefined): void {
  const metrics = instruments();
  metrics.apiCalls.add(1, { [ATTRIBUTES.bucket]: bucket, [ATTRIBUTES.statusClass]: statusClass(status) });
  if (status === 429) metrics.rateLimited.add(1, { [ATTRIBUTES.bucket]: bucket });
}
