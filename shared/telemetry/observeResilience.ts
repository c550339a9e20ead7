/**
 * Observable gauges over the process-wide resilience state: each bucket's pace and the API host's breaker.
 * Read through two small interfaces, so shared/resilience stays generic and knows nothing of telemetry.
 */
import { metrics, type ObservableResult } from '@opentelemetry/api';
import { ATTRIBUTES, INSTRUMENTATION_SCOPE, METRICS } from './names.js';

/** The pace of each bucket, as the bucket gates' `snapshot()` reports it. */
export interface PaceSource {
  snapshot(): Partial<Record<string, { readonly ratePerSecond?: number }>>;
}

/** The circuit breaker of one API host. */
export interface BreakerSource {
  readonly host: string;
  state(): 'closed' | 'half-open' | 'open';
}

const BREAKER_LEVEL = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Registers the gauges with the meter provider registered now (start-up registers it before the composition
 * root runs). Returns a function that removes them (tests).
 */
export function observeResilience(pace: PaceSource, breaker: BreakerSource): () => void {
  const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
  const paceGauge = meter.createObservableGauge(METRICS.pace.name, {
    description: METRICS.pace.description,
    unit: METRICS.pace.unit,
  });
  const breakerGauge = meter.createObservableGauge(METRICS.breakerOpen.name, {
    description: METRICS.breakerOpen.description,
    unit: METRICS.breakerOpen.unit,
  });
  const observePace = (result: ObservableResult): void => {
    for (const [bucket, stats] of Object.entries(pace.snapshot())) {
      if (stats?.ratePerSecond !== undefined)
        result.observe(stats.ratePerSecond, { [ATTRIBUTES.bucket]: bucket });
    }
  };
  const observeBreaker = (result: ObservableResult): void => {
    result.observe(BREAKER_LEVEL[breaker.state()], { [ATTRIBUTES.host]: breaker.host });
  };
  paceGauge.addCallback(observePace);
  breakerGauge.addCallback(observeBreaker);
  return () => {
    paceGauge.removeCallback(observePace);
    breakerGauge.removeCallback(observeBreaker);
  };
}
