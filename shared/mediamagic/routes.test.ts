import { describe, expect, it } from 'vitest';
import { BUCKETS } from './buckets.js';
import { ROUTES, routePath, type Route } from './routes.js';

const ALL: readonly [string, Route][] = Object.entries(ROUTES);

describe('the route table', () => {
  it('resends every GET and DELETE on any retryable failure', () => {
    for (const [name, route] of ALL) {
      if (route.method === 'GET' || route.method === 'DELETE') {
        expect(route.resend, name).toBe('idempotent');
      }
    }
  });

  it('never resends submission creation or the asset retry once they may have been sent', () => {
    expect(ROUTES.createSubmission.resend).toBe('unprocessed-only');
    expect(ROUTES.retryAsset.resend).toBe('unprocessed-only');
  });

  it('spends only known buckets, and reads go to read buckets', () => {
    for (const [name, route] of ALL) {
      expect(BUCKETS, name).toContain(route.bucket);
      if (route.method === 'GET') expect(route.bucket, name).toMatch(/_read$/);
    }
  });

  it('reads a body for every route but the DELETE', () => {
    for (const [name, route] of ALL) expect(route.schema !== undefined, name).toBe(route.method !== 'DELETE');
  });
});

describe('routePath', () => {
  it('prefixes the API and encodes each parameter as one path segment', () => {
    expect(routePath(ROUTES.getAsset, { submissionId: 's/1', assetId: 'a 1?' })).toBe(
      '/api/integrations/submissions/s%2F1/assets/a%201%3F',
    );
  });

  it('adds the query in the order given, leaving out undefined values', () => {
    expect(
      routePath(
        ROUTES.listWebhookDeliveries,
        { id: 'w1' },
        { status_filter: 'failed', limit: 5, other: undefined },
      ),
    ).toBe('/api/integrations/webhooks/subscriptions/w1/deliveries?status_filter=failed&limit=5');
    expect(routePath(ROUTES.createSubmission, {}, { simulationDelaySeconds: undefined })).toBe(
      '/api/integrations/submissions',
    );
    expect(routePath(ROUTES.createSubmission, {}, { simulationDelaySeconds: 3 })).toBe(
      '/api/integrations/submissions?simulationDelaySeconds=3',
    );
  });

  it('refuses a missing parameter rather than call another endpoint', () => {
    const untyped = {} as { submissionId: string };
    expect(() => routePath(ROUTES.getSubmission, untyped)).toThrow(/needs the parameter "submissionId"/);
  });
});
