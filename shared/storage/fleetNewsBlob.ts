/**
 * Fleet news kept in one small JSON blob (docs/pacing.md, "Fleet news"): `fleet/news.json` in the ledger
 * container, which lives in the storage account every process of the app already uses, so one blob is one
 * API key's news.
 *
 * - **Off the send path.** Gates and breakers read only the copy in memory. Asking for it starts a
 *   background read when the copy is older than `refreshMs`, so a process that is not sending makes no
 *   storage calls at all, and a sending one reads at most once per `refreshMs`.
 * - **Publishing is rare** (a 429, a breaker opening; with fleet pacing only while other processes send on
 *   the bucket, and a cut of the fleet's rate goes in the same write) and read-modify-write with the blob's ETag: the
 *   document is merged with what was read (`mergeFleetNews`: per field the later time wins) and written
 *   only if nobody wrote in between; on a conflict it is read and merged again. A newer pause-until is
 *   therefore never overwritten by an older one.
 * - **Never in the way.** A read or write that fails (throttled, 5xx, a missing container, a timeout) is
 *   logged once — until the next success — and dropped: the process carries on with what it learns
 *   itself, as without fleet news.
 */
import { RestError, type ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { OutageLog } from './outageLog.js';
import {
  mergeFleetNews,
  NO_FLEET_NEWS,
  type FleetCut,
  type FleetNews,
  type FleetNewsState,
} from '../resilience/fleetNews.js';

/** The news blob's name inside the ledger container. */
export const FLEET_NEWS_BLOB = 'fleet/news.json';

/** Timings of {@link BlobFleetNews}; tests shorten them. */
export interface BlobFleetNewsOptions {
  /** The shortest time between two background reads, in ms. */
  readonly refreshMs: number;
  /** The bound on each storage request, in ms: a hung storage account must not hold a read forever. */
  readonly timeoutMs: number;
  /** Read-merge-write rounds before a publication lost to concurrent writers is given up. */
  readonly maxConflicts: number;
}

/**
 * Two seconds between reads: a pause another process was told about reaches this one within about two
 * seconds plus one read, short against the Retry-After pauses worth sharing, and costs a sending process at
 * most one storage read per two seconds.
 */
export const DEFAULT_FLEET_NEWS_OPTIONS: BlobFleetNewsOptions = Object.freeze({
  refreshMs: 2_000,
  timeoutMs: 3_000,
  maxConflicts: 5,
});

const epochMs = z.number().finite().nonnegative();
const rate = z.number().finite().positive();
/** `cuts` came after version 1's first readers, which ignore it; a document without it has none. */
const newsDocument = z.object({
  version: z.literal(1),
  pauses: z.record(z.string(), epochMs),
  breakerOpenUntil: epochMs,
  cuts: z
    .record(z.string(), z.object({ at: epochMs, rate }))
    .optional()
    .default({}),
});

type Read =
  | { readonly news: FleetNewsState; readonly etag: string }
  | { readonly news: FleetNewsState; readonly etag?: undefined };

/** {@link FleetNews} over one blob of the ledger container. */
export class BlobFleetNews implements FleetNews {
  readonly #container: ContainerClient;
  readonly #clock: Clock;
  readonly #options: BlobFleetNewsOptions;
  #known: FleetNewsState = NO_FLEET_NEWS;
  /** This process's news not yet written. */
  #unpublished: FleetNewsState = NO_FLEET_NEWS;
  #lastReadAt = Number.NEGATIVE_INFINITY;
  #reading = false;
  #publishing: Promise<void> | undefined;
  readonly #outage: OutageLog;

  constructor(
    container: ContainerClient,
    clock: Clock,
    logger: Logger,
    options: Partial<BlobFleetNewsOptions> = {},
  ) {
    this.#container = container;
    this.#clock = clock;
    this.#options = { ...DEFAULT_FLEET_NEWS_OPTIONS, ...options };
    this.#outage = new OutageLog(logger, {
      unavailable: 'fleet news unavailable; carrying on with per-process pacing',
      availableAgain: 'fleet news available again',
      where: { blob: FLEET_NEWS_BLOB },
    });
  }

  /** @inheritdoc */
  publishPause(bucket: string, untilMs: number, cut?: FleetCut): void {
    this.#publish({
      pauses: { [bucket]: untilMs },
      breakerOpenUntil: 0,
      cuts: cut !== undefined ? { [bucket]: cut } : {},
    });
  }

  /** @inheritdoc */
  publishBreakerOpen(untilMs: number): void {
    this.#publish({ pauses: {}, breakerOpenUntil: untilMs, cuts: {} });
  }

  /** @inheritdoc */
  pauseUntil(bucket: string): number {
    this.#refreshIfStale();
    return this.#known.pauses[bucket] ?? 0;
  }

  /** @inheritdoc */
  breakerOpenUntil(): number {
    this.#refreshIfStale();
    return this.#known.breakerOpenUntil;
  }

  /** @inheritdoc */
  latestCut(bucket: string): FleetCut | undefined {
    this.#refreshIfStale();
    return this.#known.cuts[bucket];
  }

  /** Resolves when no publication is in flight (tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.#publishing) await this.#publishing;
  }

  #refreshIfStale(): void {
    const now = this.#clock.now();
    if (this.#reading || now - this.#lastReadAt < this.#options.refreshMs) return;
    this.#reading = true;
    this.#lastReadAt = now;
    this.#read()
      .then(
        (read) => {
          this.#known = mergeFleetNews(this.#known, read.news, this.#clock.now());
          this.#outage.succeeded();
        },
        (error: unknown) => this.#outage.failed(error, { operation: 'read' }),
      )
      .finally(() => {
        this.#reading = false;
      });
  }

  #publish(news: FleetNewsState): void {
    const now = this.#clock.now();
    this.#known = mergeFleetNews(this.#known, news, now);
    this.#unpublished = mergeFleetNews(this.#unpublished, news, now);
    this.#publishing ??= this.#writeAll().finally(() => {
      this.#publishing = undefined;
    });
  }

  /** Writes until nothing is left unpublished; news arriving meanwhile goes in the next round. */
  async #writeAll(): Promise<void> {
    while (!isEmpty(this.#unpublished)) {
      const news = this.#unpublished;
      this.#unpublished = NO_FLEET_NEWS;
      try {
        await this.#write(news);
        this.#outage.succeeded();
      } catch (error) {
        this.#outage.failed(error, { operation: 'write' });
      }
    }
  }

  async #write(news: FleetNewsState): Promise<void> {
    const blob = this.#container.getBlockBlobClient(FLEET_NEWS_BLOB);
    for (let round = 1; ; round++) {
      const read = await this.#read();
      const now = this.#clock.now();
      this.#known = mergeFleetNews(this.#known, read.news, now);
      const merged = mergeFleetNews(read.news, news, now);
      const body = JSON.stringify({ version: 1, ...merged });
      try {
        await blob.upload(body, Buffer.byteLength(body), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
          conditions: read.etag !== undefined ? { ifMatch: read.etag } : { ifNoneMatch: '*' },
          abortSignal: AbortSignal.timeout(this.#options.timeoutMs),
        });
        return;
      } catch (error) {
        const conflict = error instanceof RestError && (error.statusCode === 412 || error.statusCode === 409);
        if (!conflict || round >= this.#options.maxConflicts) throw error;
      }
    }
  }

  /** The document and its ETag; an absent blob is no news. A document that is not ours is no news either. */
  async #read(): Promise<Read> {
    const blob = this.#container.getBlobClient(FLEET_NEWS_BLOB);
    let text: string;
    let etag: string | undefined;
    try {
      const response = await blob.download(0, undefined, {
        abortSignal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      etag = response.etag;
      text = response.readableStreamBody ? await readAll(response.readableStreamBody) : '';
    } catch (error) {
      // The blob missing is no news; its container missing is a storage fault (errorCode tells them apart).
      if (error instanceof RestError && error.statusCode === 404 && error.code === 'BlobNotFound') {
        return { news: NO_FLEET_NEWS };
      }
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
    const document = newsDocument.safeParse(parsed);
    const news: FleetNewsState = document.success
      ? {
          pauses: document.data.pauses,
          breakerOpenUntil: document.data.breakerOpenUntil,
          cuts: document.data.cuts,
        }
      : NO_FLEET_NEWS;
    return etag !== undefined ? { news, etag } : { news };
  }
}

function isEmpty(news: FleetNewsState): boolean {
  return (
    news.breakerOpenUntil === 0 &&
    Object.keys(news.pauses).length === 0 &&
    Object.keys(news.cuts).length === 0
  );
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
