/**
 * Where the sweep is in its pass over the source container (docs/design.md, decision 13, "The reconciliation
 * sweep"), persisted between runs as a small JSON document in the ledger container (./sweepCursorStore.ts).
 *
 * The position is the continuation token that fetched the current page (none: the first page) plus the
 * last name handled in that page. Resuming refetches that page and skips names up to and including it —
 * the listing is in name order — so a run stopped mid-page neither skips nor repeats a blob.
 */
import { z } from 'zod';

/** The persisted cursor. */
export interface SweepCursor {
  readonly version: 1;
  /** The source container it walks (the document's name says so too; kept for people reading it). */
  readonly container: string;
  /** The token that fetches the page the pass is in; absent for the first page. */
  readonly pageToken?: string;
  /** The last blob name handled in that page; absent when none was. */
  readonly after?: string;
  /** When the current pass started (ISO). */
  readonly passStartedAt: string;
  /** Passes that reached the end of the container. */
  readonly passesCompleted: number;
  /** When the last pass reached the end (ISO); absent before the first one did. */
  readonly lastPassCompletedAt?: string;
  readonly updatedAt: string;
}

const CursorSchema = z.object({
  version: z.literal(1),
  container: z.string().min(1),
  pageToken: z.string().min(1).exactOptional(),
  after: z.string().min(1).exactOptional(),
  passStartedAt: z.iso.datetime(),
  passesCompleted: z.number().int().min(0),
  lastPassCompletedAt: z.iso.datetime().exactOptional(),
  updatedAt: z.iso.datetime(),
});

/** A cursor document read back: valid, or a problem saying why not. */
export type ParsedCursor =
  { readonly ok: true; readonly cursor: SweepCursor } | { readonly ok: false; readonly problem: string };

/** Validates a cursor document's text (a trust boundary: anyone with access to the container can edit it). */
export function parseSweepCursor(text: string, container: string): ParsedCursor {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = CursorSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'}` };
  }
  if (parsed.data.container !== container) {
    return { ok: false, problem: `it walks container ${parsed.data.container}, not ${container}` };
  }
  return { ok: true, cursor: parsed.data };
}

/** A cursor at the start of a first pass. */
export function freshCursor(container: string, nowIso: string): SweepCursor {
  return { version: 1, container, passStartedAt: nowIso, passesCompleted: 0, updatedAt: nowIso };
}

/** The cursor after the names of its current page up to and including `name` were handled. */
export function handledUpTo(cursor: SweepCursor, name: string, nowIso: string): SweepCursor {
  return { ...cursor, after: name, updatedAt: nowIso };
}

/** The cursor after its current page was handled to the end; `nextToken` undefined ends the pass. */
export function pageDone(cursor: SweepCursor, nextToken: string | undefined, nowIso: string): SweepCursor {
  const { pageToken: _page, after: _after, ...rest } = cursor;
  if (nextToken !== undefined) return { ...rest, pageToken: nextToken, updatedAt: nowIso };
  return {
    ...rest,
    passesCompleted: cursor.passesCompleted + 1,
    lastPassCompletedAt: nowIso,
    passStartedAt: nowIso,
    updatedAt: nowIso,
  };
}
