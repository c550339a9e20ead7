/**
 * zod schemas → the 422 envelope. Field paths are dotted (`assets.0.blobPath`); a problem with the body
 * as a whole is reported against `body`.
 */
import { z } from 'zod';
import { validationError, type FieldIssue } from './errors.js';

/** Parses `value` with `schema` or throws the 422 envelope listing every issue. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, root = 'body'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(fieldsOf(result.error, root));
}

/** The `fields` entries of a zod error. */
export function fieldsOf(error: z.ZodError, root = 'body'): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : root,
    message: /received undefined/.test(issue.message) ? 'Field required' : issue.message,
  }));
}

/** A path parameter that must be a UUID (the reference types every id as `string<uuid>`). */
export function uuidParam(name: string, value: string | undefined): string {
  const parsed = z.guid().safeParse(value);
  if (parsed.success) return parsed.data.toLowerCase();
  throw validationError([{ field: name, message: 'Input should be a valid UUID' }]);
}
