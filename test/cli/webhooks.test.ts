import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/lib/exitCodes.js';
import type { SubscriptionView } from '../../cli/webhooks.js';
import { silentLogger } from '../../shared/logger.js';
import { processSourceBlob } from '../../shared/pipeline/processSourceBlob.js';
import { sampleMedia } from '../support/media.js';
import { useStack } from '../support/stack.js';
import { cli } from './support.js';

interface Created {
  subscription: SubscriptionView;
  secret: string;
  instructions: string;
}

describe('webhooks', () => {
  const stack = useStack({ emulator: { allowInsecureWebhookUrls: true } });
  let receiver: Server;
  let url = '';
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => received.push(chunk.toString('utf8')));
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/mediamagic`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('create --json prints the subscription and its secret once, with what to do with it', async () => {
    const run = await cli(
      ['webhooks', 'create', '--url', url, '--description', 'cli test', '--json'],
      stack.current.env,
    );

    expect(run.code).toBe(EXIT.ok);
    const created = run.json<Created>();
    expect(created.subscription).toEqual({
      id: expect.any(String) as string,
      endpointUrl: url,
      eventTypes: ['asset.processing.completed', 'asset.processing.failed'],
      enabled: true,
      description: 'cli test',
      createdAt: expect.any(String) as string,
      updatedAt: expect.anything() as unknown,
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(run.stdout.split(created.secret)).toHaveLength(2);
    expect(created.instructions).toContain('MEDIAMAGIC_WEBHOOK_SECRETS');
    expect(run.stderr).toContain('Key Vault');
    expect(run.stderr).not.toContain(created.secret);
  });

  it('create (text) shows the secret once with the instruction to store it', async () => {
    const run = await cli(
      ['webhooks', 'create', '--url', url, '--events', 'asset.processing.failed'],
      stack.current.env,
    );

    expect(run.code).toBe(EXIT.ok);
    const secret = /whsec_\S+/.exec(run.stdout)?.[0] ?? '';
    expect(secret).not.toBe('');
    expect(run.stdout.split(secret)).toHaveLength(2);
    expect(run.stdout).toContain('Signing secret (shown ONCE)');
    expect(run.stdout).toContain('MEDIAMAGIC_WEBHOOK_SECRETS');
    expect(run.stdout).toContain('events:      asset.processing.failed');
  });

  it('list shows every subscription, without secrets', async () => {
    const json = await cli(['webhooks', 'list', '--json'], stack.current.env);
    expect(json.code).toBe(EXIT.ok);
    const { subscriptions } = json.json<{ subscriptions: SubscriptionView[] }>();
    expect(subscriptions).toHaveLength(2);
    expect(subscriptions.every((s) => s.endpointUrl === url)).toBe(true);
    expect(json.stdout).not.toContain('whsec_');

    const text = await cli(['webhooks', 'list'], stack.current.env);
    for (const s of subscriptions) expect(text.stdout).toContain(s.id);
  });

  it('deliveries lists the attempts to the receiver; --status and --limit filter', async () => {
    const { subscriptions } = (await cli(['webhooks', 'list', '--json'], stack.current.env)).json<{
      subscriptions: SubscriptionView[];
    }>();
    const all = subscriptions.find((s) => s.eventTypes.length === 2);
    await stack.current.upload('hooks/a.png', sampleMedia('image/png'), 'image/png');
    await processSourceBlob(stack.current.deps.submitDeps(silentLogger), 'hooks/a.png');
    await stack.current.emulator.controls.processing.settled();
    await stack.current.emulator.controls.webhooks.idle();
    expect(received.length).toBeGreaterThan(0);

    const run = await cli(['webhooks', 'deliveries', all?.id ?? '', '--json'], stack.current.env);
    expect(run.code).toBe(EXIT.ok);
    const body = run.json<{ subscriptionId: string; attempts: Record<string, unknown>[]; total: number }>();
    expect(body.subscriptionId).toBe(all?.id);
    expect(body.total).toBe(1);
    expect(body.attempts).toEqual([
      {
        id: expect.any(String) as string,
        status: 'succeeded',
        createdAt: expect.any(String) as string,
        responseStatus: 200,
        eventId: expect.stringMatching(/^evt_/) as string,
      },
    ]);
    const failedOnly = await cli(
      ['webhooks', 'deliveries', all?.id ?? '', '--status', 'failed', '--limit', '5', '--json'],
      stack.current.env,
    );
    expect(failedOnly.json()).toMatchObject({ attempts: [], total: 0 });
    const text = await cli(['webhooks', 'deliveries', all?.id ?? ''], stack.current.env);
    expect(text.stdout).toMatch(/succeeded +HTTP 200/);
  });

  it('delete removes a subscription; deleting or reading it again is not found (4)', async () => {
    const { subscriptions } = (await cli(['webhooks', 'list', '--json'], stack.current.env)).json<{
      subscriptions: SubscriptionView[];
    }>();
    const id = subscriptions[0]?.id ?? '';

    const run = await cli(['webhooks', 'delete', id], stack.current.env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain(`Deleted webhook subscription ${id}`);
    expect(
      (await cli(['webhooks', 'list', '--json'], stack.current.env)).json<{ subscriptions: unknown[] }>()
        .subscriptions,
    ).toHaveLength(1);

    const again = await cli(['webhooks', 'delete', id, '--json'], stack.current.env);
    expect(again.code).toBe(EXIT.notFound);
    expect(again.json()).toMatchObject({ error: { exitCode: 4, kind: 'not-found', status: 404 } });
    expect(again.stderr).toContain('404 Subscription not found');
    expect((await cli(['webhooks', 'deliveries', id], stack.current.env)).code).toBe(EXIT.notFound);
  });

  it('API errors → 6 with the status and the API’s words, never the key', async () => {
    const badKey = `sk_test_${'0'.repeat(64)}`;
    const run = await cli(['webhooks', 'list', '--json'], {
      ...stack.current.env,
      MEDIAMAGIC_API_KEY: badKey,
    });
    expect(run.code).toBe(EXIT.api);
    expect(run.json()).toMatchObject({
      error: { exitCode: 6, kind: 'unauthorized', status: 401, detail: 'Invalid API key' },
    });
    expect(run.stderr).toContain('MediaMagic refused listing webhook subscriptions: 401 Invalid API key');
    expect(run.stderr).toContain('check MEDIAMAGIC_API_KEY');

    const insecure = await cli(['webhooks', 'create', '--url', 'http://example.com/hook'], stack.current.env);
    expect(insecure.code).toBe(EXIT.api);
    expect(insecure.stderr).toContain('422');
    expect(insecure.stderr).toContain('endpointUrl must use HTTPS');
  });

  it('bad configuration → 3 naming the setting', async () => {
    const run = await cli(['webhooks', 'list'], {
      ...stack.current.env,
      MEDIAMAGIC_WEBHOOK_SECRETS: 'not-a-secret',
    });
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toContain('MEDIAMAGIC_WEBHOOK_SECRETS must be whsec_');
  });
});
