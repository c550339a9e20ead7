/**
 * MediaMagic webhooks (DESIGN decision 9): an anonymous HTTP trigger guarded by Standard Webhooks signature
 * verification, not by a function key — MediaMagic signs its deliveries and cannot be given our key. A thin
 * adapter: the logic lives in `shared/webhooks/`.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { makeReceiveWebhookHandler } from '../shared/webhooks/receiveWebhookHandler.js';
import { getWebhookDeps } from '../shared/webhooks/webhookDeps.js';

/** The registered handler: builds its deps on first use, then verifies, applies and answers. */
export async function receiveWebhook(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  let handle;
  try {
    handle = makeReceiveWebhookHandler(await getWebhookDeps());
  } catch (error) {
    // A ConfigError names settings, never their values. 500: MediaMagic redelivers once we are fixed.
    context.error(
      `receiveWebhook could not build its dependencies: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { status: 500, jsonBody: { detail: 'The webhook receiver is not available; please redeliver' } };
  }
  return handle(request, context);
}

app.http('receiveWebhook', {
  methods: ['POST'],
  route: 'webhooks/mediamagic',
  authLevel: 'anonymous',
  handler: receiveWebhook,
});
