import { context, trace, TraceFlags } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { captureTelemetry } from '../../test/support/telemetryCapture.js';
import { ATTRIBUTES } from './names.js';
import { activeTraceParent, contextOf, inSpan, spanContextOf, statusClass } from './telemetry.js';

const telemetry = captureTelemetry();
afterAll(() => telemetry.stop());

describe('trace context kept in a record', () => {
  it('the active span round-trips through its traceparent', async () => {
    let stored: string | undefined;
    await inSpan('outer', {}, () => {
      stored = activeTraceParent();
      return Promise.resolve();
    });
    const outer = telemetry.spans().find((s) => s.name === 'outer');
    expect(stored).toBe(`00-${outer?.spanContext().traceId}-${outer?.spanContext().spanId}-01`);
    await inSpan('later', {}, () => Promise.resolve(), { parent: stored });
    const later = telemetry.spans().find((s) => s.name === 'later');
    expect(later?.spanContext().traceId).toBe(outer?.spanContext().traceId);
    expect(later?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
  });

  it('a malformed or absent traceparent is ignored: the span is a child of the active one', async () => {
    for (const bad of [undefined, '', 'garbage', `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`, '01-x-y-z']) {
      expect(spanContextOf(bad)).toBeUndefined();
      expect(contextOf(bad)).toBeUndefined();
    }
    await inSpan('parent', {}, () => inSpan('child', {}, () => Promise.resolve(), { parent: 'garbage' }));
    const parent = telemetry.spans().find((s) => s.name === 'parent');
    const child = telemetry.spans().find((s) => s.name === 'child');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
  });

  it('an unsampled stored context stays unsampled', () => {
    const spanContext = spanContextOf(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`);
    expect(spanContext).toMatchObject({ traceFlags: TraceFlags.NONE, isRemote: true });
  });

  it('no active span: no traceparent (telemetry off stores nothing)', () => {
    expect(trace.getSpan(context.active())).toBeUndefined();
    expect(activeTraceParent()).toBeUndefined();
  });

  it('a step that throws marks its span failed and rethrows', async () => {
    await expect(inSpan('boom', {}, () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    const boom = telemetry.spans().find((s) => s.name === 'boom');
    expect(boom?.status.code).toBe(2);
    expect(boom?.events.map((e) => e.name)).toContain('exception');
  });

  it('status classes', () => {
    expect([200, 201, 404, 429, 502, undefined].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '4xx',
      '4xx',
      '5xx',
      'none',
    ]);
    expect(ATTRIBUTES.statusClass).toBe('mediamagic.status_class');
  });
});
