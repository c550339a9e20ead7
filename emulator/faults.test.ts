import { describe, expect, it } from 'vitest';
import { burst, FaultInjector } from './faults.js';
import { seededRandom } from './random.js';

describe('FaultInjector', () => {
  it('plays a sequence once per matching request, then goes inert', () => {
    const injector = new FaultInjector(
      [
        {
          route: 'submissions.create',
          sequence: [null, { kind: 'status', status: 500 }, { kind: 'resetAfter' }],
        },
      ],
      () => 0,
    );
    expect(injector.plan('submissions.get')).toEqual({ latencyMs: 0 });
    expect(injector.plan('submissions.create')).toEqual({ latencyMs: 0 });
    expect(injector.plan('submissions.create').fault).toEqual({ kind: 'status', status: 500 });
    expect(injector.plan('submissions.create').fault).toEqual({ kind: 'resetAfter' });
    expect(injector.plan('submissions.create').fault).toBeUndefined();
  });

  it('adds latencies and lets the first replacing fault win without consuming later rules', () => {
    const injector = new FaultInjector(
      [
        { route: '*', fault: { kind: 'latency', ms: 20 } },
        { route: 'uploads.url', fault: { kind: 'latency', ms: 5 } },
        { route: 'uploads.url', sequence: burst({ kind: 'rateLimit', retryAfterSeconds: 3 }, 2) },
        { route: 'uploads.url', sequence: [{ kind: 'resetBefore' }] },
      ],
      () => 0,
    );
    expect(injector.plan('uploads.url')).toEqual({
      latencyMs: 25,
      fault: { kind: 'rateLimit', retryAfterSeconds: 3 },
    });
    expect(injector.plan('uploads.url').fault?.kind).toBe('rateLimit');
    expect(injector.plan('uploads.url').fault?.kind).toBe('resetBefore');
    expect(injector.list().map((r) => r.used)).toEqual([3, 3, 2, 1]);
  });

  it('is reproducible for a seed and honours probability and times', () => {
    const run = (seed: number) => {
      const injector = new FaultInjector(
        [{ route: 'webhooks.list', fault: { kind: 'status', status: 502 }, probability: 0.3 }],
        seededRandom(seed),
      );
      return Array.from({ length: 200 }, () => injector.plan('webhooks.list').fault !== undefined);
    };
    expect(run(7)).toEqual(run(7));
    const hits = run(7).filter(Boolean).length;
    expect(hits).toBeGreaterThan(30);
    expect(hits).toBeLessThan(90);
    const capped = new FaultInjector([{ route: '*', fault: { kind: 'resetBefore' }, times: 2 }], () => 0);
    expect([1, 2, 3].map(() => capped.plan('sandbox.fire').fault?.kind)).toEqual([
      'resetBefore',
      'resetBefore',
      undefined,
    ]);
  });

  it('rejects unknown routes and probabilities outside [0, 1]', () => {
    expect(
      () => new FaultInjector([{ route: 'nope' as 'uploads.url', fault: { kind: 'resetBefore' } }], () => 0),
    ).toThrow();
    expect(
      () => new FaultInjector([{ route: '*', fault: { kind: 'resetBefore' }, probability: 2 }], () => 0),
    ).toThrow();
  });
});
