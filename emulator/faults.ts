/**
 * Fault injection per route, by probability or as a scripted sequence. The faults are the ones a client
 * must survive in production: 500/502/503, 429 bursts, added latency, a connection reset before the
 * request is processed, and a reset *after* it was processed — for `submissions.create` that is the
 * lost-response case, where the submission exists but the client never hears about it.
 */
import type { Random } from '../shared/clock.js';
import { isRouteId, type RouteId } from './catalogue.js';

/** One fault. `latency` delays the request and lets it proceed; every other kind replaces the answer. */
export type Fault =
  | { readonly kind: 'status'; readonly status: 500 | 502 | 503; readonly detail?: string }
  | { readonly kind: 'rateLimit'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'resetBefore' }
  | { readonly kind: 'resetAfter' };

/** Which requests a rule applies to: one route id, or `*` for every API route. */
export type FaultTarget = RouteId | '*';

/**
 * A fault rule. Probability rules inject `fault` on each matching request with the given probability
 * (default 1), at most `times` times (default unlimited). Sequence rules consume one entry per matching
 * request (`null` = no fault this time) and go inert when exhausted — e.g. three 429s then success.
 */
export type FaultRule =
  | {
      readonly route: FaultTarget;
      readonly fault: Fault;
      readonly probability?: number;
      readonly times?: number;
    }
  | { readonly route: FaultTarget; readonly sequence: readonly (Fault | null)[] };

/** What to do to one request: wait `latencyMs`, then apply `fault` if any. */
export interface FaultPlan {
  readonly latencyMs: number;
  readonly fault?: Exclude<Fault, { kind: 'latency' }>;
}

interface LiveRule {
  readonly rule: FaultRule;
  /** Injections so far (probability rules) or entries consumed (sequence rules). */
  used: number;
}

/** Holds the active rules and decides, per request, which faults apply. */
export class FaultInjector {
  private rules: LiveRule[] = [];

  constructor(
    rules: readonly FaultRule[],
    private readonly random: Random,
  ) {
    this.set(rules);
  }

  /** Replaces all rules (their counters restart). */
  set(rules: readonly FaultRule[]): void {
    rules.forEach(assertValidRule);
    this.rules = rules.map((rule) => ({ rule, used: 0 }));
  }

  /** Appends a rule. */
  add(rule: FaultRule): void {
    assertValidRule(rule);
    this.rules.push({ rule, used: 0 });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The active rules with how often each has fired. */
  list(): { rule: FaultRule; used: number }[] {
    return this.rules.map(({ rule, used }) => ({ rule, used }));
  }

  /**
   * Evaluates every rule matching `route`, in order. Latencies add up; the first non-latency fault wins,
   * and later rules are not consulted (so their sequences are not consumed by a request they cannot affect).
   */
  plan(route: RouteId): FaultPlan {
    let latencyMs = 0;
    for (const live of this.rules) {
      if (live.rule.route !== '*' && live.rule.route !== route) continue;
      const fault = this.draw(live);
      if (!fault) continue;
      if (fault.kind === 'latency') {
        latencyMs += fault.ms;
        continue;
      }
      return { latencyMs, fault };
    }
    return { latencyMs };
  }

  private draw(live: LiveRule): Fault | null {
    const { rule } = live;
    if ('sequence' in rule) {
      if (live.used >= rule.sequence.length) return null;
      return rule.sequence[live.used++] ?? null;
    }
    if (rule.times !== undefined && live.used >= rule.times) return null;
    if (this.random() >= (rule.probability ?? 1)) return null;
    live.used++;
    return rule.fault;
  }
}

/** A convenience for scripted bursts: `burst({kind: 'rateLimit'}, 3)` is three 429s in a row. */
export function burst(fault: Fault, count: number): Fault[] {
  return Array.from({ length: count }, () => fault);
}

function assertValidRule(rule: FaultRule): void {
  const route: string = rule.route;
  if (route !== '*' && !isRouteId(route)) throw new Error(`Unknown route in fault rule: ${route}`);
  if ('probability' in rule && rule.probability !== undefined) {
    if (!(rule.probability >= 0 && rule.probability <= 1)) {
      throw new Error('Fault probability must be in [0, 1]');
    }
  }
}
