/**
 * The app's tracer and meter, over `@opentelemetry/api` only: without an SDK registered (telemetry off,
 * ./startup.ts) every call here is a cheap no-op, so pipeline code records spans and metrics unconditionally.
 */
import {
  context,
  isSpanContextValid,
  metrics,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Counter,
  type Gauge,
  type Histogram,
  type Link,
  type MeterProvider,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { ATTRIBUTES, INSTRUMENTATION_SCOPE, METRICS } from './names.js';

/** The app's tracer (a proxy: it follows whichever tracer provider is registered, now or later). */
export function tracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_SCOPE);
}

/** The app's synchronous instruments. */
export interface Instruments {
  readonly transitions: Counter;
  readonly eventLag: Histogram;
  readonly timeToTerminal: Histogram;
  readonly apiCalls: Counter;
  readonly rateLimited: Counter;
  readonly due: Gauge;
  readonly overdue: Gauge;
  readonly stuck: Gauge;
  readonly stepErrors: Gauge;
  readonly orphans: Counter;
}

let built: { provider: MeterProvider; instruments: Instruments } | undefined;

/**
 * The instruments of the meter provider registered now. The metrics API has no proxy meter: instruments
 * made before a provider is registered stay no-ops, so they are rebuilt when the provider changes (start-up
 * registers it once; tests register their own).
 */
export function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (built?.provider !== provider) {
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    const options = (m: { description: string; unit: string }) => ({
      description: m.description,
      unit: m.unit,
    });
    built = {
      provider,
      instruments: {
        transitions: meter.createCounter(METRICS.transitions.name, options(METRICS.transitions)),
        eventLag: meter.createHistogram(METRICS.eventLag.name, options(METRICS.eventLag)),
        timeToTerminal: meter.createHistogram(METRICS.timeToTerminal.name, options(METRICS.timeToTerminal)),
        apiCalls: meter.createCounter(METRICS.apiCalls.name, options(METRICS.apiCalls)),
        rateLimited: meter.createCounter(METRICS.rateLimited.name, options(METRICS.rateLimited)),
        due: meter.createGauge(METRICS.due.name, options(METRICS.due)),
        overdue: meter.createGauge(METRICS.overdue.name, options(METRICS.overdue)),
        stuck: meter.createGauge(METRICS.stuck.name, options(METRICS.stuck)),
        stepErrors: meter.createGauge(METRICS.stepErrors.name, options(METRICS.stepErrors)),
        orphans: meter.createCounter(METRICS.orphans.name, options(METRICS.orphans)),
      },
    };
  }
  return built.instruments;
}

/** Where a span sits: under a stored trace (a record's `traceParent`), and linked to other spans. */
export interface SpanPlacement {
  /** A W3C `traceparent` to continue; when absent or malformed the span is a child of the active one. */
  readonly parent?: string | undefined;
  /** Spans this one relates to without being their child (a timer run, a webhook delivery). */
  readonly links?: readonly SpanContext[];
  /** A new trace even when a span is active (the timer run: each record continues its own trace). */
  readonly root?: boolean;
}

/**
 * Runs `work` in a new active span named `name`, ends it when `work` settles, and marks it failed (with the
 * exception) when `work` throws. The span is handed to `work` for attributes learned on the way.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  placement: SpanPlacement = {},
): Promise<T> {
  const links: Link[] = (placement.links ?? []).map((spanContext) => ({ context: spanContext }));
  const options = {
    attributes,
    ...(links.length > 0 ? { links } : {}),
    ...(placement.root ? { root: true } : {}),
  };
  const parent = contextOf(placement.parent) ?? context.active();
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Records a span that already happened (from `startTimeMs`, epoch ms, to now), for a step whose trace is
 * only known once it is done — a webhook learns which file's trace it continues from the record it wrote.
 */
export function recordSpan(
  name: string,
  attributes: Attributes,
  startTimeMs: number,
  placement: SpanPlacement = {},
): void {
  const links: Link[] = (placement.links ?? []).map((spanContext) => ({ context: spanContext }));
  const parent = contextOf(placement.parent) ?? context.active();
  tracer()
    .startSpan(name, { attributes, startTime: startTimeMs, ...(links.length > 0 ? { links } : {}) }, parent)
    .end();
}

/** The active span's context, when a real (sampled-or-not, SDK-made) span is active. */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * The active span as a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), for a ledger record to carry
 * to the processes that continue the file's trace; undefined when telemetry is off.
 */
export function activeTraceParent(): string | undefined {
  const spanContext = activeSpanContext();
  if (!spanContext) return undefined;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C `traceparent` format, for the ledger schema to validate a stored one. */
export const TRACE_PARENT_PATTERN = TRACE_PARENT;

/** A context whose remote parent is `traceParent`; undefined when it is absent or malformed. */
export function contextOf(traceParent: string | undefined): Context | undefined {
  const spanContext = spanContextOf(traceParent);
  return spanContext ? trace.setSpanContext(context.active(), spanContext) : undefined;
}

/** The span context a stored `traceparent` names; undefined when it is absent or malformed. */
export function spanContextOf(traceParent: string | undefined): SpanContext | undefined {
  const match = traceParent === undefined ? null : TRACE_PARENT.exec(traceParent);
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** Marks `span` failed with a stable error kind (never a message: messages may quote what was sent). */
export function markFailed(span: Span, kind: string): void {
  span.setAttribute(ATTRIBUTES.errorType, kind);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** `2xx` .. `5xx` for an HTTP status; `none` when no response came back. */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}
