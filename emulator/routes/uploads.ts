/**
 * `POST /api/integrations/uploads/url` (presigned write SAS URL) and `POST /api/integrations/uploads/direct`
 * (multipart upload of up to 10 MiB through the API). Both answer with the `blobPath` a submission uses.
 */
import { z } from 'zod';
import { blobPathFor, isValidFilename } from '../blobPaths.js';
import { baseType, extensionMatches, isAllowedType } from '../contentTypes.js';
import type { Handler } from '../context.js';
import { domainError, forbidden, validationError } from '../errors.js';
import { readBody } from '../http.js';
import { multipartBoundary, parseMultipart } from '../multipart.js';
import { sniffMatches } from '../sniff.js';
import { parseOrThrow } from '../validation.js';

const UploadUrlBody = z.strictObject({
  filename: z.string(),
  contentType: z.string(),
});

/** Room for multipart framing around a file at the size cap, so a cap-sized file is not a 413. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** `POST /uploads/url` → 200 `{uploadUrl, blobPath, expiresAt}`; 403 bad filename; 415 type; 422. */
export const createUploadUrl: Handler = async (ctx) => {
  const body = parseOrThrow(UploadUrlBody, await ctx.json());
  checkFileType(body.filename, body.contentType);
  const { storage, options } = ctx.services;
  const blobPath = blobPathFor(ctx.principal.workspaceId, body.filename);
  // Whole seconds, like the documented `2026-06-03T13:00:00Z`, and the SAS expiry matches it exactly.
  const expiresOn = new Date(Math.floor((options.clock.now() + options.uploadUrlTtlMs) / 1000) * 1000);
  const uploadUrl = await storage.uploadUrl(blobPath, expiresOn);
  return {
    status: 200,
    body: { uploadUrl, blobPath, expiresAt: expiresOn.toISOString().replace('.000Z', 'Z') },
  };
};

/**
 * `POST /uploads/direct` (multipart field `file`) → 201 `{blobPath, filename, contentType, size}`.
 * Over the cap → 413 pointing at the presigned flow; missing, unlisted or mismatched type → 415.
 */
export const directUpload: Handler = async (ctx) => {
  const boundary = multipartBoundary(ctx.req.headers['content-type']);
  if (!boundary) throw validationError([{ field: 'file', message: 'Field required' }]);
  const cap = ctx.services.options.directUploadMaxBytes;
  const { data, tooLarge } = await readBody(ctx.req, cap + MULTIPART_OVERHEAD_BYTES);
  if (tooLarge) throw fileTooLarge();
  let file;
  try {
    file = parseMultipart(data, boundary).find((p) => p.name === 'file' && p.filename !== undefined);
  } catch {
    throw validationError([{ field: 'body', message: 'There was an error parsing the body' }]);
  }
  if (!file) throw validationError([{ field: 'file', message: 'Field required' }]);
  if (file.data.length > cap) throw fileTooLarge();
  const filename = file.filename ?? '';
  const contentType = file.contentType ? baseType(file.contentType) : '';
  checkFileType(filename, contentType);
  if (!sniffMatches(contentType, file.data, true)) throw mismatch();
  const blobPath = blobPathFor(ctx.principal.workspaceId, filename);
  await ctx.services.storage.upload(blobPath, file.data, contentType);
  return { status: 201, body: { blobPath, filename, contentType, size: file.data.length } };
};

/** 403 for an unusable name, then 415 for a type that is missing, not allowlisted, or not the extension's. */
function checkFileType(filename: string, contentType: string): void {
  if (!isValidFilename(filename)) throw forbidden('Invalid filename');
  if (!contentType || !isAllowedType(contentType)) throw domainError(415, 'Unsupported content type');
  if (!extensionMatches(filename, contentType)) throw mismatch();
}

function mismatch() {
  return domainError(415, 'Unsupported content type: does not match the file');
}

function fileTooLarge() {
  return domainError(413, 'File too large; use the presigned upload URL');
}
