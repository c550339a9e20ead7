import { describe, expect, it } from 'vitest';
import { requestWithRetries, seedDelayMs, type SeedResponse } from '../../bench/seedClient.js';

/** Runs the guide's retry loop over scripted answers, recording every wait instead of sleeping. */
async function run(answers: SeedResponse[], random = 0.5) {
  const waits: number[] = [];
  let sent = 0;
  const outcome = await requestWithRetries({
    send: () => Promise.resolve(answers[Math.min(sent++, answers.length - 1)] as SeedResponse),
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random: () => random,
  });
  return { outcome, waits, sent };
}

const status = (code: number, retryAfter: string | null = null): SeedResponse => ({
  status: code,
  retryAfter,
});

describe('the guide baseline (request_with_retries of MediaMagic’s error-handling guide)', () => {
  it('gives up after four attempts and returns the last 429 (the file is then not submitted)', async () => {
    const { outcome, waits, sent } = await run([status(429, '1')]);
    expect(sent).toBe(4);
    expect(outcome).toEqual({ response: status(429, '1'), attempts: 4 });
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it('backs off 1 s × 2^attempt plus up to 10 % jitter on 500/502 and on a 429 without Retry-After', async () => {
    const { waits } = await run([status(500), status(502), status(429), status(201)], 0.5);
    expect(waits).toEqual([1050, 2100, 4200]);
  });

  it('returns at once on success and on a status it does not retry', async () => {
    expect((await run([status(201)])).sent).toBe(1);
    const conflict = await run([status(409)]);
    expect(conflict).toMatchObject({ sent: 1, outcome: { response: status(409), attempts: 1 } });
  });

  it('reads Retry-After as Python float() would, in seconds', () => {
    expect(seedDelayMs(status(429, '2.5'), 0, () => 0)).toBe(2500);
  });
});
