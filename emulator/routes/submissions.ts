/**
 * `POST /api/integrations/submissions` (create), `GET .../submissions/{submission_id}` (status) and
 * `GET .../submissions/{submission_id}/versions`. Create validates like the real service, in this order
 * per asset: blob path (403) → previousSubmissionId (404) → already submitted (409) → declared type (415)
 * → blob exists (403) → category size cap (413) → sniffed bytes (415). Nothing is created unless every
 * asset passes.
 */
import { z } from 'zod';
import { filenameInWorkspace } from '../blobPaths.js';
import { categoryOf, typeForFilename } from '../contentTypes.js';
import type { Handler, RouteContext } from '../context.js';
import {
  conflict,
  domainError,
  DOCS_URL,
  forbidden,
  notFound,
  validationError,
  type FieldIssue,
} from '../errors.js';
import type { AssetRecord, SubmissionRecord } from '../model.js';
import { parseScript } from '../scripts.js';
import { sniffLength, sniffMatches } from '../sniff.js';
import { previousAssetFor, type NewAsset } from '../submissions.js';
import { fieldsOf, uuidParam } from '../validation.js';
import { creationView, submissionView, versionsView } from '../views.js';

const AssetInput = z.strictObject({
  blobPath: z.string().min(1),
  previousSubmissionId: z.guid().nullish(),
});

const createBody = (maxAssets: number) =>
  z.strictObject({
    assets: z.array(AssetInput).min(1).max(maxAssets),
    sidekickIds: z.array(z.guid()).nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  });

const MAX_SIMULATION_DELAY_SECONDS = 30;

/** `POST /submissions` → 201 with the submission-creation model. */
export const createSubmission: Handler = async (ctx) => {
  const { options, submissions, processor, stats } = ctx.services;
  const { delaySeconds, body } = await parseCreateRequest(ctx);
  if (delaySeconds !== undefined && !ctx.principal.sandbox) {
    throw domainError(400, 'simulationDelaySeconds is only available with sandbox (sk_test_) keys');
  }
  const workspaceId = ctx.principal.workspaceId;
  const validated: NewAsset[] = [];
  for (const input of body.assets) {
    validated.push(
      await validateAsset(ctx, input.blobPath, input.previousSubmissionId ?? undefined, validated),
    );
  }
  // Validation awaited storage; a concurrent create may have taken a path meanwhile. Re-check
  // synchronously right before creating, so two racing requests can never both create.
  for (const asset of validated) {
    if (!asset.previous && submissions.isSubmitted(workspaceId, asset.blobPath)) {
      throw alreadySubmitted(ctx, asset.blobPath);
    }
  }
  const submission = submissions.create(
    {
      workspaceId,
      assets: validated,
      sidekickIds: body.sidekickIds ?? [],
      metadata: body.metadata ?? {},
    },
    options.clock.now(),
  );
  for (const asset of submission.assets) processor.start(asset, (delaySeconds ?? 0) * 1000);
  stats.submissionCreated(submission.assets.map((a) => a.blobPath));
  return { status: 201, body: creationView(submission) };
};

/** `GET /submissions/{submission_id}` → 200 status with per-asset details; 404 outside the workspace. */
export const getSubmission: Handler = (ctx) => {
  const submission = findSubmission(ctx);
  const { processor, options } = ctx.services;
  return Promise.resolve({ status: 200, body: submissionView(submission, processor, options.clock.now()) });
};

/** `GET /submissions/{submission_id}/versions` → every version of each of the submission's assets. */
export const getVersions: Handler = (ctx) => {
  const submission = findSubmission(ctx);
  return Promise.resolve({ status: 200, body: versionsView(submission, ctx.services.submissions) });
};

/** The submission named by the path, in the caller's workspace, or 404. */
export function findSubmission(ctx: RouteContext): SubmissionRecord {
  const id = uuidParam('submission_id', ctx.params.submission_id);
  const submission = ctx.services.submissions.get(ctx.principal.workspaceId, id);
  if (!submission) throw notFound('Submission not found');
  return submission;
}

async function parseCreateRequest(ctx: RouteContext) {
  const fields: FieldIssue[] = [];
  const rawDelay = ctx.url.searchParams.get('simulationDelaySeconds');
  let delaySeconds: number | undefined;
  if (rawDelay !== null) {
    delaySeconds = /^\d+$/.test(rawDelay) ? Number(rawDelay) : NaN;
    if (!(delaySeconds >= 0 && delaySeconds <= MAX_SIMULATION_DELAY_SECONDS)) {
      fields.push({
        field: 'simulationDelaySeconds',
        message: `Input should be an integer between 0 and ${MAX_SIMULATION_DELAY_SECONDS}`,
      });
    }
  }
  const parsed = createBody(ctx.services.options.maxAssetsPerSubmission).safeParse(await ctx.json());
  if (!parsed.success) fields.push(...fieldsOf(parsed.error));
  if (fields.length > 0 || !parsed.success) throw validationError(fields);
  return { delaySeconds, body: parsed.data };
}

function alreadySubmitted(ctx: RouteContext, blobPath: string) {
  ctx.services.stats.duplicate();
  return conflict(`Asset with blobPath '${blobPath}' already submitted`, DOCS_URL.assets);
}

async function validateAsset(
  ctx: RouteContext,
  blobPath: string,
  previousSubmissionId: string | undefined,
  earlierInRequest: readonly NewAsset[],
): Promise<NewAsset> {
  const { submissions, storage, options } = ctx.services;
  const workspaceId = ctx.principal.workspaceId;
  const filename = filenameInWorkspace(workspaceId, blobPath);
  if (filename === undefined) throw forbidden('Invalid blob path');
  let previous: AssetRecord | undefined;
  if (previousSubmissionId) {
    const previousSubmission = submissions.get(workspaceId, previousSubmissionId.toLowerCase());
    if (!previousSubmission) throw notFound('Previous submission not found');
    previous = previousAssetFor(previousSubmission, blobPath);
  }
  // A repeat is a 409 unless it is versioned; a path twice in one request is a repeat either way.
  const repeated = earlierInRequest.some((a) => a.blobPath === blobPath);
  if (repeated || (!previous && submissions.isSubmitted(workspaceId, blobPath))) {
    throw alreadySubmitted(ctx, blobPath);
  }
  const mimeType = typeForFilename(filename);
  const category = mimeType ? categoryOf(mimeType) : undefined;
  if (!mimeType || !category) throw domainError(415, 'Unsupported content type');
  const blob = await storage.inspect(blobPath, sniffLength(mimeType));
  if (!blob) throw forbidden('Invalid blob path');
  const cap = options.categoryMaxBytes[category];
  if (blob.size > cap) {
    throw domainError(
      413,
      `File too large: ${blob.size} bytes exceeds the ${category} limit of ${cap} bytes`,
    );
  }
  if (!sniffMatches(mimeType, blob.head, blob.complete)) {
    throw domainError(415, `Unsupported content type: the stored bytes are not ${mimeType}`);
  }
  return {
    blobPath,
    filename,
    mimeType,
    script: parseScript(filename, blob.metadata),
    ...(previous ? { previous } : {}),
  };
}
