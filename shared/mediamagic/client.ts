/**
 * Typed MediaMagic Integrations API client: every endpoint of the contract, each call run through the shared
 * resilience layer, every response validated with zod, every failure a classified value. The API key is sent
 * in `X-API-Key` and never appears in a log line, a failure message or a thrown error.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { Redactor, type Logger } from '../logger.js';
import { resilientCall, type AttemptOutcome, type ResendPolicy } from '../resilience/resilientCall.js';
import type { Bucket } from './buckets.js';
import { classifyHttpError } from './classify.js';
import { failureReading, type Failure } from './failure.js';
import type { MediaMagicResilience } from './resilience.js';
import {
  AssetIssues,
  AssetResult,
  AssetTopics,
  DirectUploadResponse,
  FireEventResponse,
  RetryAccepted,
  SubmissionCreated,
  SubmissionStatus,
  SubmissionVersions,
  UploadUrlResponse,
  WebhookDeliveries,
  WebhookSubscription,
  WebhookSubscriptionCreated,
  WebhookSubscriptionList,
  type WebhookEventType,
} from './schemas.js';
import {
  createAgent,
  exchange,
  DEFAULT_TIMEOUTS,
  type RawRequest,
  type RawResponse,
  type TransportTimeouts,
} from './transport.js';

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

/**
 * What creating a submission led to. Submission creation is not idempotent and has no idempotency key, so:
 * - `created`: 201, here is the submission.
 * - `already-submitted`: 409 "already submitted". `ours` is true when an earlier attempt of this very call
 *   may have landed (it was maybe-sent, or got 500/502) — our first attempt created it.
 * - `unconfirmed`: the only attempt that may have reached the server lost its response; it was not resent.
 * - `failed`: anything else, classified.
 */
export type SubmissionOutcome =
  | { readonly kind: 'created'; readonly submission: SubmissionCreated; readonly attempts: number }
  | {
      readonly kind: 'already-submitted';
      readonly ours: boolean;
      readonly blobPath?: string;
      readonly attempts: number;
    }
  | { readonly kind: 'unconfirmed'; readonly failure: Failure; readonly attempts: number }
  | { readonly kind: 'failed'; readonly failure: Failure; readonly attempts: number };

/** What asking for an asset retry led to; the same ambiguity rules as {@link SubmissionOutcome}. */
export type RetryOutcome =
  | { readonly kind: 'accepted'; readonly attempts: number }
  | { readonly kind: 'in-progress'; readonly ours: boolean; readonly attempts: number }
  | { readonly kind: 'unconfirmed'; readonly failure: Failure; readonly attempts: number }
  | { readonly kind: 'failed'; readonly failure: Failure; readonly attempts: number };

/** Webhook subscription creation input. */
export interface CreateSubscriptionInput {
  readonly endpointUrl: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly description?: string;
}

interface Route<T> {
  readonly method: RawRequest['method'];
  readonly path: string;
  readonly bucket: Bucket;
  readonly resend: ResendPolicy;
  /** Expected success status(es). */
  readonly expect: readonly number[];
  readonly schema?: z.ZodType<T>;
  readonly json?: unknown;
  readonly form?: () => FormData;
}

const API = '/api/integrations';

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
    return this.call(
      {
        method: 'POST',
        path: `${API}/uploads/url`,
        bucket: 'upload',
        resend: 'idempotent',
        expect: [200, 201],
        schema: UploadUrlResponse,
        json: input,
      },
      opts,
    );
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
    return this.call(
      {
        method: 'POST',
        path: `${API}/uploads/direct`,
        bucket: 'upload',
        resend: 'idempotent',
        expect: [200, 201],
        schema: DirectUploadResponse,
        form,
      },
      opts,
    );
  }

  /** `POST /submissions`, guarded against duplicates: see {@link SubmissionOutcome}. */
  async createSubmission(input: CreateSubmissionInput, opts?: CallOptions): Promise<SubmissionOutcome> {
    const query =
      input.simulationDelaySeconds !== undefined
        ? `?simulationDelaySeconds=${input.simulationDelaySeconds}`
        : '';
    const body = {
      assets: input.assets.map((a) => ({
        blobPath: a.blobPath,
        ...(a.previousSubmissionId ? { previousSubmissionId: a.previousSubmissionId } : {}),
      })),
      ...(input.sidekickIds ? { sidekickIds: input.sidekickIds } : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
    };
    const result = await this.callWithAmbiguity(
      {
        method: 'POST',
        path: `${API}/submissions${query}`,
        bucket: 'submission_write',
        resend: 'unprocessed-only',
        expect: [200, 201],
        schema: SubmissionCreated,
        json: body,
      },
      opts,
    );
    if (result.ok) return { kind: 'created', submission: result.value, attempts: result.attempts };
    const f = result.failure;
    if (f.kind === 'conflict' && f.reason === 'already-submitted') {
      return {
        kind: 'already-submitted',
        ours: result.earlierAttemptAmbiguous,
        ...(f.blobPath !== undefined ? { blobPath: f.blobPath } : {}),
        attempts: result.attempts,
      };
    }
    if (isUnconfirmed(f)) return { kind: 'unconfirmed', failure: f, attempts: result.attempts };
    return { kind: 'failed', failure: f, attempts: result.attempts };
  }

  /** `GET /submissions/{id}` (no `/status` suffix): submission and per-asset status. */
  getSubmission(submissionId: string, opts?: CallOptions): Promise<ApiResult<SubmissionStatus>> {
    return this.get(`/submissions/${enc(submissionId)}`, SubmissionStatus, opts);
  }

  /** `GET /submissions/{id}/versions`: the version group of a submission. */
  listVersions(submissionId: string, opts?: CallOptions): Promise<ApiResult<SubmissionVersions>> {
    return this.get(`/submissions/${enc(submissionId)}/versions`, SubmissionVersions, opts);
  }

  /** `GET .../assets/{asset_id}`: the asset result with its issues. */
  getAsset(submissionId: string, assetId: string, opts?: CallOptions): Promise<ApiResult<AssetResult>> {
    return this.get(`/submissions/${enc(submissionId)}/assets/${enc(assetId)}`, AssetResult, opts);
  }

  /** `GET .../assets/{asset_id}/issues`: enriched issues (404 `pending` until processing finished). */
  getAssetIssues(submissionId: string, assetId: string, opts?: CallOptions): Promise<ApiResult<AssetIssues>> {
    return this.get(`/submissions/${enc(submissionId)}/assets/${enc(assetId)}/issues`, AssetIssues, opts);
  }

  /** `GET .../assets/{asset_id}/topics`: topics and orphan issues (404 `pending` until processing finished). */
  getAssetTopics(submissionId: string, assetId: string, opts?: CallOptions): Promise<ApiResult<AssetTopics>> {
    return this.get(`/submissions/${enc(submissionId)}/assets/${enc(assetId)}/topics`, AssetTopics, opts);
  }

  /** `POST .../assets/{asset_id}/retry`, guarded like submission creation: see {@link RetryOutcome}. */
  async retryAsset(submissionId: string, assetId: string, opts?: CallOptions): Promise<RetryOutcome> {
    const result = await this.callWithAmbiguity(
      {
        method: 'POST',
        path: `${API}/submissions/${enc(submissionId)}/assets/${enc(assetId)}/retry`,
        bucket: 'submission_write',
        resend: 'unprocessed-only',
        expect: [200, 201, 202],
        schema: RetryAccepted,
      },
      opts,
    );
    if (result.ok) return { kind: 'accepted', attempts: result.attempts };
    const f = result.failure;
    if (f.kind === 'conflict' && f.reason === 'retry-in-progress') {
      return { kind: 'in-progress', ours: result.earlierAttemptAmbiguous, attempts: result.attempts };
    }
    if (isUnconfirmed(f)) return { kind: 'unconfirmed', failure: f, attempts: result.attempts };
    return { kind: 'failed', failure: f, attempts: result.attempts };
  }

  /** `POST /webhooks/subscriptions`: the response is the only place the signing secret is ever returned. */
  createWebhookSubscription(
    input: CreateSubscriptionInput,
    opts?: CallOptions,
  ): Promise<ApiResult<WebhookSubscriptionCreated>> {
    return this.call(
      {
        method: 'POST',
        path: `${API}/webhooks/subscriptions`,
        bucket: 'webhook_write',
        resend: 'unprocessed-only',
        expect: [200, 201],
        schema: WebhookSubscriptionCreated,
        json: input,
      },
      opts,
    );
  }

  /** `GET /webhooks/subscriptions`. */
  listWebhookSubscriptions(opts?: CallOptions): Promise<ApiResult<WebhookSubscriptionList>> {
    return this.call(
      {
        method: 'GET',
        path: `${API}/webhooks/subscriptions`,
        bucket: 'webhook_read',
        resend: 'idempotent',
        expect: [200],
        schema: WebhookSubscriptionList,
      },
      opts,
    );
  }

  /** `GET /webhooks/subscriptions/{id}`. */
  getWebhookSubscription(id: string, opts?: CallOptions): Promise<ApiResult<WebhookSubscription>> {
    return this.call(
      {
        method: 'GET',
        path: `${API}/webhooks/subscriptions/${enc(id)}`,
        bucket: 'webhook_read',
        resend: 'idempotent',
        expect: [200],
        schema: WebhookSubscription,
      },
      opts,
    );
  }

  /** `PATCH /webhooks/subscriptions/{id}`: enable or disable (the only supported change). */
  updateWebhookSubscription(
    id: string,
    patch: { enabled: boolean },
    opts?: CallOptions,
  ): Promise<ApiResult<WebhookSubscription>> {
    return this.call(
      {
        method: 'PATCH',
        path: `${API}/webhooks/subscriptions/${enc(id)}`,
        bucket: 'webhook_write',
        resend: 'idempotent',
        expect: [200],
        schema: WebhookSubscription,
        json: patch,
      },
      opts,
    );
  }

  /** `DELETE /webhooks/subscriptions/{id}` → 204. */
  deleteWebhookSubscription(id: string, opts?: CallOptions): Promise<ApiResult<undefined>> {
    return this.call(
      {
        method: 'DELETE',
        path: `${API}/webhooks/subscriptions/${enc(id)}`,
        bucket: 'webhook_write',
        resend: 'idempotent',
        expect: [200, 204],
      },
      opts,
    );
  }

  /** `GET /webhooks/subscriptions/{id}/deliveries`. */
  listWebhookDeliveries(
    id: string,
    query: { statusFilter?: string; limit?: number } = {},
    opts?: CallOptions,
  ): Promise<ApiResult<WebhookDeliveries>> {
    const params = new URLSearchParams();
    if (query.statusFilter) params.set('status_filter', query.statusFilter);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const qs = params.size ? `?${params.toString()}` : '';
    return this.call(
      {
        method: 'GET',
        path: `${API}/webhooks/subscriptions/${enc(id)}/deliveries${qs}`,
        bucket: 'webhook_read',
        resend: 'idempotent',
        expect: [200],
        schema: WebhookDeliveries,
      },
      opts,
    );
  }

  /** `POST /sandbox/events/fire` (sandbox keys only): a synthetic webhook event per asset. */
  fireSandboxEvent(
    input: { eventType: WebhookEventType; submissionId: string; errorMessage?: string },
    opts?: CallOptions,
  ): Promise<ApiResult<FireEventResponse>> {
    return this.call(
      {
        method: 'POST',
        path: `${API}/sandbox/events/fire`,
        bucket: 'sandbox',
        resend: 'unprocessed-only',
        expect: [200],
        schema: FireEventResponse,
        json: input,
      },
      opts,
    );
  }

  /** Closes the keep-alive connections the client opened (no-op for an injected dispatcher). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private get<T>(path: string, schema: z.ZodType<T>, opts?: CallOptions): Promise<ApiResult<T>> {
    return this.call(
      {
        method: 'GET',
        path: `${API}${path}`,
        bucket: 'submission_read',
        resend: 'idempotent',
        expect: [200],
        schema,
      },
      opts,
    );
  }

  private async call<T>(route: Route<T>, opts?: CallOptions): Promise<ApiResult<T>> {
    const r = await this.callWithAmbiguity(route, opts);
    return r.ok
      ? { ok: true, value: r.value, attempts: r.attempts }
      : { ok: false, failure: r.failure, attempts: r.attempts };
  }

  private async callWithAmbiguity<T>(route: Route<T>, opts: CallOptions = {}) {
    const { clock } = this.options.resilience;
    const deadlineMs = opts.deadlineMs ?? clock.now() + (this.options.defaultBudgetMs ?? 60_000);
    const url = `${this.origin}${this.basePath}${route.path}`;
    const result = await resilientCall(this.options.resilience, {
      bucket: route.bucket,
      service: 'MediaMagic',
      host: this.host,
      resend: route.resend,
      failures: failureReading,
      maxAttempts: this.options.maxAttempts ?? 5,
      deadlineMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      attempt: (_n, signal) => this.attempt(route, deadlineMs - clock.now(), signal),
      onFailedAttempt: ({ attempt, failure, nextWaitMs }) =>
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
        }),
    });
    return result.ok ? result : { ...result, failure: this.redactor.value(result.failure) as Failure };
  }

  private async attempt<T>(
    route: Route<T>,
    maxWaitMs: number,
    signal?: AbortSignal,
  ): Promise<AttemptOutcome<T, Failure>> {
    const headers: Record<string, string> = { 'x-api-key': this.options.apiKey, accept: 'application/json' };
    let body: RawRequest['body'];
    if (route.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(route.json);
    } else if (route.form) {
      // Serialise the multipart body once so it can be resent byte-for-byte.
      const encoded = new Response(route.form());
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
      body = new Uint8Array(await encoded.arrayBuffer());
    }
    const sent = await exchange(this.dispatcher, this.origin, this.timeouts, {
      method: route.method,
      path: `${this.basePath}${route.path}`,
      headers,
      ...(body !== undefined ? { body } : {}),
      maxWaitMs,
      ...(signal ? { signal } : {}),
    });
    if (!sent.ok) return sent;
    return this.interpret(route, sent.value);
  }

  private interpret<T>(route: Route<T>, res: RawResponse): AttemptOutcome<T, Failure> {
    const now = this.options.resilience.clock.now();
    if (!route.expect.includes(res.status)) {
      if (res.status >= 200 && res.status < 300) {
        return { ok: false, failure: invalidResponse(res, `expected status ${route.expect.join('/')}`) };
      }
      return {
        ok: false,
        failure: classifyHttpError(
          { status: res.status, header: (n) => res.headers[n.toLowerCase()], bodyText: res.bodyText },
          now,
        ),
      };
    }
    if (!route.schema) return { ok: true, value: undefined as T };
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
    return { ok: true, value: checked.data };
  }
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

/** A write that may have reached the server and was (rightly) not resent. */
function isUnconfirmed(f: Failure): boolean {
  if (f.kind === 'retry-later') return f.reach === 'maybe-sent' && f.last?.kind !== 'rate-limited';
  return (f.kind === 'network' || f.kind === 'timeout') && f.reach === 'maybe-sent';
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
