/**
 * The polling timer's last run, kept beside the ledger (`runs/pollSubmissions.json` in the ledger container)
 * for the operator's view: when the safety net last ran, what it did, and each API bucket's pace and 429s as
 * the timer's process saw them. One small write per run; the status command reads it. Not a lock and not a
 * work index: nothing in the pipeline reads it back.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { readJsonBlob } from '../storage/readJsonBlob.js';

/** Where the document lives in the ledger container (outside `records/`, so ledger listings never see it). */
export const LAST_POLL_RUN_BLOB = 'runs/pollSubmissions.json';

const BucketSchema = z.object({
  /** The pace the process sends at now; absent when unpaced. */
  ratePerSecond: z.number().exactOptional(),
  /** Sends granted since the process started. */
  sends: z.number(),
  /** 429s since the process started. */
  rateLimited: z.number(),
});

/** The document: validated when read, since any writer's version may meet any reader's. */
export const LastPollRunSchema = z.object({
  /** When the run ended. */
  at: z.string(),
  /** When the process that ran it started (the bucket counters count from then). */
  processStartedAt: z.string(),
  found: z.number(),
  worked: z.number(),
  leftForNextRun: z.number(),
  errors: z.number(),
  blocked: z.boolean(),
  buckets: z.record(z.string(), BucketSchema),
});

/** The timer's last run. */
export type LastPollRun = z.infer<typeof LastPollRunSchema>;

/** Reads and writes {@link LAST_POLL_RUN_BLOB}. */
export class LastPollRunStore {
  constructor(private readonly container: ContainerClient) {}

  /** Replaces the document (last writer wins: runs overlap rarely and either is a true "last run"). */
  async write(run: LastPollRun): Promise<void> {
    const body = JSON.stringify(run);
    await this.container.getBlockBlobClient(LAST_POLL_RUN_BLOB).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }

  /** The last run, or undefined when the timer has not run yet or the document is not valid. */
  async read(): Promise<LastPollRun | undefined> {
    const found = await readJsonBlob(this.container, LAST_POLL_RUN_BLOB);
    if (found.kind !== 'json') return undefined;
    const parsed = LastPollRunSchema.safeParse(found.value);
    return parsed.success ? parsed.data : undefined;
  }
}
