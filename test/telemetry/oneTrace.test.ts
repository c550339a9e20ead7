import { afterAll, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { makePollSubmissionsHandler } from '../../functions/pollSubmissions.js';
import { makeSubmitOnBlobCreatedHandler } from '../../functions/submitOnBlobCreated.js';
import { secretsOf } from '../../shared/config/secretsOf.js';
import { ATTRIBUTES, METRICS, SPANS } from '../../shared/telemetry/names.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { captureTelemetry } from '../support/telemetryCapture.js';
import { useWebhookReceiver } from '../support/webhookReceiver.js';

// Registered before the stack builds the app's deps, as start-up registers the distro's in production.
const telemetry = captureTelemetry();
afterAll(() => telemetry.stop());

const FAST = {
  submitTimings: { firstPollDelayMs: 60_000, reconcileDelayMs: 60_000 },
  pollTimings: { firstPollMs: 60_000, maxPollMs: 120_000, assetRetryBaseMs: 100 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything an exporter would send about a span, as plain data. */
function exported(span: ReadableSpan): unknown {
  return {
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    links: span.links,
    status: span.status,
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
  };
}

/** Every data point of `name`, with its attributes. */
function points(
  metrics: ResourceMetrics,
  name: string,
): { attributes: Record<string, unknown>; value: unknown }[] {
  return metrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })));
}

/**
 * One file, one trace: the submit handler starts it, the webhook receiver and the timer — in production other
 * invocations, often other processes — continue it from the `traceParent` the claim stored in the ledger
 * record, through to the results write. Nothing secret reaches a span or a metric.
 */
describe('telemetry: one file, one trace, no secrets', () => {
  const stack = useStack({
    emulator: { webhooks: { retryScheduleMs: [50, 100, 200, 400], timeoutMs: 2_000 } },
  });
  const receiver = useWebhookReceiver(stack, FAST);
  const settle = async () => {
    await stack.current.emulator.controls.processing.settled();
    await stack.current.emulator.controls.webhooks.idle();
    await sleep(50);
  };

  it('submit, webhook and timer spans of one file share its trace; calls carry bucket, route and status', async () => {
    const name = 'trace/clip.mp4';
    await stack.current.upload(name, sampleMedia('video/mp4'), 'video/mp4');
    const submitted = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor(name),
      stack.current.invocation('s').context,
    );
    expect(submitted.kind).toBe('submitted');
    await settle();
    await makePollSubmissionsHandler(() => Promise.resolve(receiver.current))(
      undefined,
      stack.current.invocation('p').context,
    );
    const record = await stack.current.record(name);
    expect(record?.state).toBe('complete');

    const spans = telemetry.spans();
    const root = spans.find((s) => s.name === SPANS.blobCreated);
    if (!root) throw new Error('no BlobCreated span');
    const traceId = root.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    // The record carries the root's context to the later processes.
    expect(record?.traceParent).toBe(`00-${traceId}-${root.spanContext().spanId}-01`);

    const names = new Set(inTrace.map((s) => s.name));
    for (const span of [
      SPANS.claim,
      SPANS.copy,
      SPANS.apiCall,
      SPANS.webhookApply,
      SPANS.pollRecord,
      SPANS.resultsWrite,
    ])
      expect(names, span).toContain(span);

    // The webhook and the timer continue from the stored context (their own spans are other traces, linked).
    const apply = inTrace.find((s) => s.name === SPANS.webhookApply);
    const delivery = spans.find((s) => s.name === SPANS.webhookReceive);
    expect(apply?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(delivery?.spanContext().traceId).not.toBe(traceId);
    expect(apply?.links.map((l) => l.context.spanId)).toContain(delivery?.spanContext().spanId);
    const work = inTrace.find((s) => s.name === SPANS.pollRecord && s.attributes[ATTRIBUTES.blob] === name);
    const run = spans.find((s) => s.name === SPANS.pollRun);
    expect(work?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(run?.spanContext().traceId).not.toBe(traceId);
    expect(work?.links.map((l) => l.context.spanId)).toContain(run?.spanContext().spanId);
    const write = inTrace.find((s) => s.name === SPANS.resultsWrite);
    expect(write?.parentSpanContext?.spanId).toBe(work?.spanContext().spanId);

    // Every MediaMagic call of the file: bucket, route template, status.
    const calls = inTrace.filter((s) => s.name === SPANS.apiCall);
    expect(calls.map((s) => s.attributes[ATTRIBUTES.route])).toEqual(
      expect.arrayContaining([
        'POST /uploads/url',
        'POST /submissions',
        'GET /submissions/{submissionId}/assets/{assetId}',
      ]),
    );
    for (const call of calls) {
      expect(call.attributes[ATTRIBUTES.bucket]).toEqual(expect.any(String));
      expect(call.attributes[ATTRIBUTES.httpStatus]).toEqual(expect.any(Number));
      expect(String(call.attributes[ATTRIBUTES.route])).not.toMatch(/[?]|[0-9a-f]{8}-/);
    }

    const metrics = await telemetry.collect();
    expect(points(metrics, METRICS.transitions.name).map((p) => p.attributes)).toEqual(
      expect.arrayContaining([{ [ATTRIBUTES.fromState]: 'submitted', [ATTRIBUTES.toState]: 'complete' }]),
    );
    expect(points(metrics, METRICS.apiCalls.name).map((p) => p.attributes)).toEqual(
      expect.arrayContaining([{ [ATTRIBUTES.bucket]: 'submission_write', [ATTRIBUTES.statusClass]: '2xx' }]),
    );
    expect(points(metrics, METRICS.timeToTerminal.name).map((p) => p.attributes)).toEqual([
      { [ATTRIBUTES.toState]: 'complete' },
    ]);
    expect(points(metrics, METRICS.eventLag.name)).toHaveLength(1);
    expect(points(metrics, METRICS.due.name).length).toBeGreaterThan(0);
    expect(points(metrics, METRICS.breakerOpen.name).map((p) => p.value)).toContain(0);
  });

  it('a 429 is counted for its bucket and shows as a failed attempt on the call span', async () => {
    stack.current.emulator.controls.faults.set([
      { route: 'uploads.url', sequence: [{ kind: 'rateLimit', retryAfterSeconds: 1 }] },
    ]);
    const name = 'trace/limited.png';
    await stack.current.upload(name, sampleMedia('image/png'), 'image/png');
    const submitted = await makeSubmitOnBlobCreatedHandler(() => Promise.resolve(receiver.current))(
      stack.current.eventFor(name),
      stack.current.invocation('s').context,
    );
    expect(submitted.kind).toBe('submitted');

    const call = telemetry
      .spans()
      .find(
        (s) =>
          s.name === SPANS.apiCall && s.events.some((e) => e.attributes?.[ATTRIBUTES.httpStatus] === 429),
      );
    expect(call?.attributes[ATTRIBUTES.route]).toBe('POST /uploads/url');
    expect(call?.attributes[ATTRIBUTES.attempts]).toBe(2);
    const limited = points(await telemetry.collect(), METRICS.rateLimited.name);
    expect(limited.map((p) => p.attributes)).toEqual([
      { [ATTRIBUTES.bucket]: call?.attributes[ATTRIBUTES.bucket] },
    ]);
  }, 20_000);

  it('no exported span, event, attribute or metric carries the API key, a webhook secret, the storage key or a SAS', async () => {
    const secrets = [...secretsOf(receiver.current.config), ...secretsOf(stack.current.deps.config)];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const everything = JSON.stringify([telemetry.spans().map(exported), await telemetry.collect()]);
    expect(everything).toContain(SPANS.apiCall); // the scan reads real output
    for (const secret of new Set(secrets))
      expect(everything.includes(secret), 'a secret was exported').toBe(false);
    expect(everything).not.toMatch(/sig=|x-api-key|AccountKey/i);
  });
});
