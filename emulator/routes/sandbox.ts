/**
 * `POST /api/integrations/sandbox/events/fire`: sends a synthetic `asset.processing.*` event for every
 * asset of a submission to every enabled, subscribed webhook of the workspace. Sandbox keys only.
 */
import { z } from 'zod';
import type { Handler } from '../context.js';
import { forbidden, notFound } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { EVENT_TYPES } from '../webhooks.js';

const FireBody = z.strictObject({
  eventType: z.enum(EVENT_TYPES),
  submissionId: z.guid(),
  errorMessage: z.string().nullish(),
});

/** The default `error_message` of a synthetic failure, as the contract documents it. */
export const SANDBOX_FAILURE_MESSAGE = 'Sandbox simulated failure';

/** → 200 `{dispatched}`: subscriptions notified, summed over the submission's assets. */
export const fireSandboxEvent: Handler = async (ctx) => {
  if (!ctx.principal.sandbox) throw forbidden('This endpoint is only available with sandbox keys');
  const body = parseOrThrow(FireBody, await ctx.json());
  const submission = ctx.services.submissions.get(ctx.principal.workspaceId, body.submissionId.toLowerCase());
  if (!submission) throw notFound('Submission not found');
  const failed = body.eventType === 'asset.processing.failed';
  let dispatched = 0;
  for (const asset of submission.assets) {
    dispatched += ctx.services.emitAssetEvent({
      type: body.eventType,
      workspaceId: submission.workspaceId,
      submissionId: submission.submissionId,
      assetId: asset.assetId,
      ...(failed ? { errorMessage: body.errorMessage ?? SANDBOX_FAILURE_MESSAGE } : {}),
      sandbox: true,
    });
  }
  return { status: 200, body: { dispatched } };
};
