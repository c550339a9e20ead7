import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHost, type HttpHost } from '../../scripts/devHost/httpHost.js';
import type { RegisteredFunction } from '../../scripts/devHost/loadApp.js';

describe('dev host HTTP routing (as the Functions host routes)', () => {
  let host: HttpHost;
  const calls: string[] = [];
  const webhook: RegisteredFunction = {
    name: 'hook',
    trigger: {
      type: 'httpTrigger',
      direction: 'in',
      methods: ['POST'],
      route: 'webhooks/mediamagic',
    },
    handler: (input) => {
      calls.push((input as { method: string }).method);
      return Promise.resolve({ status: 204 });
    },
  };

  beforeAll(async () => {
    host = await startHttpHost([webhook], { port: 0, log: () => undefined });
  });
  afterAll(() => host.stop());

  it('serves an allowed method on the route', async () => {
    const res = await fetch(`${host.url}/api/webhooks/mediamagic`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(204);
    expect(calls).toEqual(['POST']);
  });

  it('answers 404, not 405, to a method the route does not allow, and never calls the function', async () => {
    calls.length = 0;
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${host.url}/api/webhooks/mediamagic`, { method });
      expect(res.status, method).toBe(404);
      expect(res.headers.get('allow'), method).toBeNull();
    }
    expect(calls).toEqual([]);
  });

  it('answers 404 to a route no function serves', async () => {
    calls.length = 0;
    const res = await fetch(`${host.url}/api/webhooks/other`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(calls).toEqual([]);
  });
});
