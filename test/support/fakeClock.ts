import type { Clock } from '../../shared/clock.js';

/**
 * A clock whose `sleep` returns at once after moving time forward by the requested amount, and records
 * every wait. Lets tests drive retry loops against real sockets and still assert the exact backoff.
 */
export class AutoAdvanceClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private current = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
    return Promise.resolve();
  }
}

/** A deterministic `Random` that cycles through the given values. */
export function sequenceRandom(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}
