import { systemClock, type Clock } from '../../shared/clock.js';

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

/**
 * A clock the test moves by setting `at`, while `sleep` keeps real time — for tests whose stack (Azurite,
 * the emulator, sockets) runs in real time but whose decisions (backoff, due times, limits) read the clock.
 */
export function movableClock(start: number): Clock & { at: number } {
  const clock = {
    at: start,
    now: () => clock.at,
    sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
  };
  return clock;
}

/** A deterministic `Random` that cycles through the given values. */
export function sequenceRandom(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

/**
 * A clock that stands still until the test moves it: `sleep` resolves only when {@link advance} passes its
 * due time, so concurrent waiters (a queue, a timer) can be observed in between. `advance` fires due sleeps
 * in time order and lets their continuations run before moving on.
 */
export class ManualClock implements Clock {
  #current: number;
  #sleepers: { at: number; resolve: () => void }[] = [];

  constructor(start = Date.UTC(2026, 10, 25, 12, 0, 0)) {
    this.#current = start;
  }

  now(): number {
    return this.#current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const sleeper = {
        at: this.#current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Sleeps still pending. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward by `ms`, waking every sleep that falls due on the way, earliest first. */
  async advance(ms: number): Promise<void> {
    const until = this.#current + ms;
    for (;;) {
      await flushMicrotasks();
      const due = this.#sleepers.filter((s) => s.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      this.#current = Math.max(this.#current, due.at);
      due.resolve();
    }
    this.#current = until;
    await flushMicrotasks();
  }
}

/** Lets every queued promise continuation run (a few macrotask turns' worth of microtasks). */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
