import { describe, expect, it } from 'vitest';
import { classifyHttpError, classifyTransportError } from './classify.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

/** The four documented body shapes plus the three undocumented ones a gateway can produce. */
const SHAPES = {
  detail: (d: string) => JSON.stringify({ detail: d }),
  detailWithDocs: (d: string) =>
    JSON.stringify({ detail: d, docs_url: 'https://docs.mediamagic.app/concepts/assets' }),
  fields: () =>
    JSON.stringify({
      detail: 'Request validation failed',
      fields: [{ field: 'assets.0.blobPath', message: 'required' }],
    }),
  plan: () =>
    JSON.stringify({
      error_code: 'tier_not_authorized_for_integrations_api',
      message: 'Your plan does not include access to the Integrations API.',
      bucket: 'submission_write',
    }),
  error: () => JSON.stringify({ error: 'Rate limit exceeded: too many submission writes' }),
  empty: () => '',
  notJson: () => 'upstream connect error or disconnect/reset before headers',
  html: () => '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
} as const;

function classify(status: number, bodyText: string, headers: Record<string, string> = {}) {
  return classifyHttpError({ status, bodyText, header: (n) => headers[n.toLowerCase()] }, NOW);
}

/** docs/design.md, "MediaMagic's error table", as data: status → [kind, retryable]. */
const ERROR_TABLE: readonly [number, string, boolean][] = [
  [400, 'bad-request', false],
  [401, 'unauthorized', false],
  [402, 'plan-not-authorized', false],
  [403, 'forbidden', false],
  [404, 'not-found', false],
  [409, 'conflict', false],
  [413, 'too-large', false],
  [415, 'unsupported-type', false],
  [422, 'validation', false],
  [429, 'rate-limited', true],
  [500, 'server-error', true],
  [502, 'bad-gateway', true],
  [503, 'unexpected-status', false],
  [504, 'unexpected-status', false],
  [418, 'unexpected-status', false],
];

describe('classifyHttpError — MediaMagic’s error table × every body shape', () => {
  for (const [status, kind, retryable] of ERROR_TABLE) {
    for (const [shape, make] of Object.entries(SHAPES)) {
      it(`${status} with a ${shape} body → ${kind}, retryable=${retryable}`, () => {
        const f = classify(status, make('Something happened'));
        expect(f.kind).toBe(kind);
        expect(f.status).toBe(status);
        expect(f.retryable).toBe(retryable);
        expect(f.reach).toBe('received');
        expect(f.detail.length).toBeGreaterThan(0);
        expect(f.message).toContain(String(status));
      });
    }
  }
});

describe('classifyHttpError — what the body says', () => {
  it.each([
    ['Missing X-API-Key header', 'missing-key'],
    ['Invalid API key', 'invalid-key'],
    ['This API key has expired', 'expired-key'],
    ['This API key has been revoked', 'revoked-key'],
    ['Who are you?', 'unknown'],
  ])('401 "%s" → %s', (detail, reason) => {
    const f = classify(401, SHAPES.detail(detail));
    expect(f).toMatchObject({ kind: 'unauthorized', reason, detail });
  });

  it('402 keeps error_code, message and the gated bucket', () => {
    const f = classify(402, SHAPES.plan());
    expect(f).toMatchObject({
      kind: 'plan-not-authorized',
      bucket: 'submission_write',
      errorCode: 'tier_not_authorized_for_integrations_api',
      detail: 'Your plan does not include access to the Integrations API.',
    });
  });

  it.each([
    ['Invalid blob path', 'invalid-blob-path'],
    ['Invalid filename', 'invalid-filename'],
    ['This endpoint is only available with sandbox keys', 'sandbox-only'],
    ['Subscription belongs to a different workspace', 'other-workspace'],
  ])('403 "%s" → %s', (detail, reason) => {
    expect(classify(403, SHAPES.detail(detail))).toMatchObject({ kind: 'forbidden', reason });
  });

  it.each([
    ['Submission not found', 'missing'],
    ['Asset processing not finished', 'pending'],
    ['Topics are pending', 'pending'],
  ])('404 "%s" → %s', (detail, reason) => {
    expect(classify(404, SHAPES.detail(detail))).toMatchObject({ kind: 'not-found', reason });
  });

  it.each([
    ["Asset with blobPath 'ws-1/campaign-video.mp4' already submitted", 'already-submitted'],
    ['Asset already submitted', 'already-submitted'],
    ['A retry is already in progress for this asset', 'retry-in-progress'],
    ['Asset error is not retryable', 'not-retryable'],
    ['Asset is not in a failed state', 'not-retryable'],
    ['Maximum retry attempts reached', 'not-retryable'],
    ['Something else entirely', 'unknown'],
  ])('409 "%s" → %s', (detail, reason) => {
    expect(classify(409, SHAPES.detail(detail))).toMatchObject({ kind: 'conflict', reason });
  });

  it('409 already-submitted extracts the quoted blob path', () => {
    const f = classify(409, SHAPES.detail("Asset with blobPath 'ws-1/a b.mp4' already submitted"));
    expect(f).toMatchObject({ reason: 'already-submitted', blobPath: 'ws-1/a b.mp4' });
  });

  it('keeps docs_url when present', () => {
    expect(classify(409, SHAPES.detailWithDocs('Asset already submitted')).docsUrl).toBe(
      'https://docs.mediamagic.app/concepts/assets',
    );
  });

  it.each([
    ['our fields envelope', { fields: [{ field: 'assets', message: 'must not be empty' }] }, 'assets'],
    [
      'FastAPI default',
      { detail: [{ loc: ['body', 'assets', 0, 'blobPath'], msg: 'Field required' }] },
      'assets.0.blobPath',
    ],
    ['a name → message map', { fields: { assets: 'must not be empty' } }, 'assets'],
    ['bare strings', { fields: ['assets must not be empty'] }, '(body)'],
  ])('422 reads fields from %s', (_name, body, field) => {
    const f = classify(422, JSON.stringify(body));
    if (f.kind !== 'validation') throw new Error(`expected validation, got ${f.kind}`);
    expect(f.fields[0]?.field).toBe(field);
    expect(f.message).toContain(field);
  });

  it('429 reads the error shape and Retry-After seconds', () => {
    const f = classify(429, SHAPES.error(), { 'retry-after': '30' });
    expect(f).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 30_000,
      detail: 'Rate limit exceeded: too many submission writes',
    });
  });

  it('429 reads an HTTP-date Retry-After against the response Date header', () => {
    const f = classify(429, SHAPES.error(), {
      'retry-after': 'Wed, 25 Nov 2026 12:01:00 GMT',
      date: 'Wed, 25 Nov 2026 12:00:30 GMT',
    });
    expect(f).toMatchObject({ kind: 'rate-limited', retryAfterMs: 30_000 });
  });

  it.each(['-5', '120abc', '', '1.5'])('429 with malformed Retry-After %j → no retryAfterMs', (value) => {
    const f = classify(429, SHAPES.error(), { 'retry-after': value });
    expect(f.kind).toBe('rate-limited');
    expect('retryAfterMs' in f).toBe(false);
  });

  it('describes an HTML gateway page instead of echoing it', () => {
    const f = classify(502, SHAPES.html());
    expect(f.detail).toBe('HTTP 502 with an HTML page (a gateway or proxy answered: "502 Bad Gateway")');
  });

  it('describes an empty body', () => {
    expect(classify(500, '').detail).toBe('HTTP 500 with an empty body');
  });

  it('describes JSON in no documented shape', () => {
    expect(classify(500, '{"oops":1}').detail).toBe('HTTP 500 with a JSON body in no documented shape');
  });
});

describe('classifyTransportError — did the request reach the server?', () => {
  const err = (code: string, extra: object = {}) => Object.assign(new Error(`boom ${code}`), { code }, extra);

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])(
    '%s → not-sent',
    (code) => {
      expect(classifyTransportError(err(code))).toMatchObject({
        kind: 'network',
        reach: 'not-sent',
        code,
        retryable: true,
      });
    },
  );

  it('connect timeout → not-sent timeout', () => {
    expect(classifyTransportError(err('UND_ERR_CONNECT_TIMEOUT'))).toMatchObject({
      kind: 'timeout',
      phase: 'connect',
      reach: 'not-sent',
    });
  });

  it('headers timeout → maybe-sent', () => {
    expect(classifyTransportError(err('UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({
      kind: 'timeout',
      phase: 'headers',
      reach: 'maybe-sent',
    });
  });

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])('%s after writing → maybe-sent', (code) => {
    expect(classifyTransportError(err(code, { socket: { bytesWritten: 120 } }))).toMatchObject({
      reach: 'maybe-sent',
    });
  });

  it('a socket error with nothing written → not-sent', () => {
    expect(classifyTransportError(err('UND_ERR_SOCKET', { socket: { bytesWritten: 0 } }))).toMatchObject({
      reach: 'not-sent',
    });
  });

  it('digs the code out of fetch-style and AggregateError wrappers', () => {
    const wrapped = new TypeError('fetch failed', { cause: new AggregateError([err('ECONNREFUSED')]) });
    expect(classifyTransportError(wrapped)).toMatchObject({ code: 'ECONNREFUSED', reach: 'not-sent' });
  });

  it('an unknown error is conservatively maybe-sent', () => {
    expect(classifyTransportError('weird')).toMatchObject({ code: 'UNKNOWN', reach: 'maybe-sent' });
  });
});
