/**
 * Blob-created submission: a queue trigger on the BlobCreated events Event Grid writes to
 * `BLOB_EVENTS_QUEUE` (docs/design.md, decision 1 — not the host's blob trigger, which loads the whole blob
 * into memory). A thin adapter: the logic lives in `shared/pipeline/`, loaded on the first invocation so that
 * loading the app stays cheap (`shared/app/lazyAppDeps.ts`).
 */
// First: telemetry starts (when configured) before @azure/functions loads; see the module.
import '../shared/telemetry/register.js';
import { app, type InvocationContext } from '@azure/functions';
import type { AppDeps } from '../shared/app/appDeps.js';
import { contextLogger } from '../shared/contextLogger.js';
import { getAppDepsLazily, lazily } from '../shared/app/lazyAppDeps.js';
import { checkSettingsAtStartup } from '../shared/app/startupCheck.js';
import { closeDepsOnTerminate } from '../shared/app/terminateHook.js';
import { settingOrDefault } from '../shared/config/settings.js';
import type { MessageResult } from '../shared/pipeline/handleBlobCreatedMessage.js';
import { ATTRIBUTES, SPANS } from '../shared/telemetry/names.js';

const pipeline = lazily(() => import('../shared/pipeline/handleBlobCreatedMessage.js'));
// Even @opentelemetry/api waits for the first invocation: loading the app stays cheap.
const telemetry = lazily(() => import('../shared/telemetry/telemetry.js'));

/** Builds the handler over a deps provider (the composition root in production, test deps in tests). */
export function makeSubmitOnBlobCreatedHandler(getDeps: () => Promise<AppDeps>) {
  // The root of the file's trace (under the host's invocation span when telemetry is on).
  return async (message: unknown, context: InvocationContext): Promise<MessageResult> =>
    (await telemetry()).inSpan(SPANS.blobCreated, {}, async (span) => {
      const { handleBlobCreatedMessage } = await pipeline();
      const deps = await getDeps();
      const result = await handleBlobCreatedMessage(deps.submitDeps(contextLogger(context)), message);
      span.setAttribute(ATTRIBUTES.outcome, result.kind);
      context.log(`submitOnBlobCreated: ${result.kind}`);
      return result;
    });
}

/** The registered handler. */
export const submitOnBlobCreated = makeSubmitOnBlobCreatedHandler(getAppDepsLazily);

checkSettingsAtStartup();
closeDepsOnTerminate();

app.storageQueue('submitOnBlobCreated', {
  // Resolved here rather than as `%BLOB_EVENTS_QUEUE%` so the documented default applies when it is unset
  // (the host would refuse to index an unresolvable binding expression).
  queueName: settingOrDefault('BLOB_EVENTS_QUEUE'),
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    await submitOnBlobCreated(message, context);
  },
});
