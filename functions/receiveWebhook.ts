/**
 * MediaMagic webhooks (docs/design.md, decision 9): an anonymous HTTP trigger guarded by Standard Webhooks
 * signature verification, not by a function key — MediaMagic signs its deliveries and cannot be given our
 * key. A thin adapter: the logic lives in `shared/webhooks/`, loaded on the first delivery so that loading
 * the app stays cheap (`shared/app/lazyAppDeps.ts`).
 */
// First: telemetry starts (when configured) before @azure/functions loads; see the module.
import '../shared/telemetry/register.js';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppDeps } from '../shared/app/appDeps.js';
import { getAppDepsLazily, lazily } from '../shared/app/lazyAppDeps.js';
import { checkSettingsAtStartup } from '../shared/app/startupCheck.js';
import { closeDepsOnTerminate } from '../shared/app/terminateHook.js';
import { ATTRIBUTES, SPANS } from '../shared/telemetry/names.js';

// Even @opentelemetry/api waits for the first delivery: loading the app stays cheap.
const telemetry = lazily(() => import('../shared/telemetry/telemetry.js'));

const webhooks = lazily(async () => {
  const [{ makeReceiveWebhookHandler }, { webhookDepsFrom }] = await Promise.all([
    import('../shared/webhooks/receiveWebhookHandler.js'),
    import('../shared/app/webhookDeps.js'),
  ]);
  return { makeReceiveWebhookHandler, webhookDepsFrom };
});

/** Builds the handler over a deps provider (the composition root in production, test deps in tests). */
export function makeReceiveWebhookFunction(getDeps: () => Promise<AppDeps>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    (await telemetry()).inSpan(SPANS.webhookReceive, {}, async (span) => {
      const response = await receive(getDeps, request, context);
      if (response.status !== undefined) span.setAttribute(ATTRIBUTES.httpStatus, response.status);
      return response;
    });
}

async function receive(
  getDeps: () => Promise<AppDeps>,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const { makeReceiveWebhookHandler, webhookDepsFrom } = await webhooks();
  let deps: AppDeps;
  try {
    deps = await getDeps();
  } catch (error) {
    // A ConfigError names settings, never their values. 500: MediaMagic redelivers once we are fixed.
    context.error(
      `receiveWebhook could not build its dependencies: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { status: 500, jsonBody: { detail: 'The webhook receiver is not available; please redeliver' } };
  }
  return makeReceiveWebhookHandler(webhookDepsFrom(deps))(request, context);
}

/** The registered handler: builds its deps on first use, then verifies, applies and answers. */
export const receiveWebhook = makeReceiveWebhookFunction(getAppDepsLazily);

checkSettingsAtStartup();
closeDepsOnTerminate();

app.http('receiveWebhook', {
  methods: ['POST'],
  route: 'webhooks/mediamagic',
  authLevel: 'anonymous',
  handler: receiveWebhook,
});
