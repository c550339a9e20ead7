/**
 * The log line of a 429, as the pacer read it. The pace of a bucket is learned from 429s, so when a bucket
 * runs slow the only way to tell why is a line at each change: what the pace was, what it became, and what
 * the server had been accepting.
 */
import type { Logger } from '../logger.js';
import type { RefusalEvent, RefusalObserver } from './bucketGate.js';

/**
 * An observer that logs the 429s that change or explain the pace: a first rate learned and a new congestion
 * episode at warn (the pace may have dropped); at info a refusal that was not the token bucket's and one of
 * a send the pacer held nothing back for (both only pause). A 429 of an episode already counted only paused
 * the bucket and is not logged: a burst would be one line per request.
 */
export function logRefusal(logger: Logger): RefusalObserver {
  return (event: RefusalEvent) => {
    if (event.reading === 'same-episode') return;
    const props = {
      bucket: event.bucket,
      reading: event.reading,
      paceBefore: round(event.rateBefore),
      paceAfter: round(event.rateAfter),
      recentAcceptedPerSecond: round(event.recentAcceptedPerSecond),
      pausedForMs: Math.round(event.pausedForMs),
      queued: event.queued,
    };
    if (event.reading === 'not-the-bucket' || event.reading === 'not-held-back') {
      const why =
        event.reading === 'not-the-bucket'
          ? 'after an honoured Retry-After'
          : 'with no send held back by the pace';
      logger.info(`MediaMagic 429 on ${event.bucket} ${why}: paused, pace kept`, props);
    } else {
      logger.warn(`MediaMagic 429 on ${event.bucket}: pace ${describe(event)}`, props);
    }
  };
}

function describe(event: RefusalEvent): string {
  const after = round(event.rateAfter);
  if (event.reading === 'learned') return `learned at ${after}/s`;
  return event.rateAfter === event.rateBefore
    ? `kept at ${after}/s`
    : `${round(event.rateBefore)} → ${after}/s`;
}

/** Two decimals: enough to see a slow bucket, not so many that the line is noise. */
function round(rate: number | undefined): number | undefined {
  return rate === undefined ? undefined : Math.round(rate * 100) / 100;
}
