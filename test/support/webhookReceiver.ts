/**
 * The webhook receiver as MediaMagic reaches it: a webhook subscription created through the stack's client,
 * app deps built with its signing secret, and `receiveWebhook` served over real HTTP by the dev host, so the
 * emulator signs and delivers to it. Registered with `beforeAll` / `afterAll`, like `useStack`.
 */
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../devkit/freePort.js';
import { makeReceiveWebhookFunction } from '../../functions/receiveWebhook.js';
import { startHttpHost, type HttpHost } from '../../scripts/devHost/httpHost.js';
import { buildAppDeps, type AppDeps, type BuildOptions } from '../../shared/app/appDeps.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import type { Stack } from './stack.js';

/** Starts the receiver for the suite; `current` is the deps it (and the suite's handlers) run with. */
export function useWebhookReceiver(stack: { current: Stack }, build: BuildOptions): { current: AppDeps } {
  const holder = {} as { current: AppDeps };
  let host: HttpHost | undefined;

  beforeAll(async () => {
    // The subscription names the endpoint before the host exists, so the port is chosen first.
    const port = await freePort();
    const created = await stack.current.deps.client.createWebhookSubscription({
      endpointUrl: `http://127.0.0.1:${port}/api/webhooks/mediamagic`,
      eventTypes: ['asset.processing.completed', 'asset.processing.failed'],
    });
    if (!created.ok) throw new Error(created.failure.message);
    holder.current = await buildAppDeps(
      loadConfig({ ...stack.current.env, MEDIAMAGIC_WEBHOOK_SECRETS: created.value.secret }),
      build,
    );
    const handler = makeReceiveWebhookFunction(() => Promise.resolve(holder.current));
    host = await startHttpHost(
      [
        {
          name: 'receiveWebhook',
          trigger: { type: 'httpTrigger', direction: 'in', route: 'webhooks/mediamagic', methods: ['POST'] },
          handler: (i, c) => handler(i as never, c as never),
        },
      ],
      { port, log: () => undefined },
    );
  });
  afterAll(async () => {
    await host?.stop();
    await holder.current?.close();
  });

  return holder;
}
