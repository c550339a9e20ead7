/**
 * Deterministic randomness for the emulator. Faults, webhook chaos and generated results all draw from
 * an injectable `() => number`, so a test can pin a seed and get the same run every time.
 */
import { createHash } from 'node:crypto';
import type { Random } from '../shared/clock.js';

/**
 * A small, fast seeded PRNG (mulberry32). Not cryptographic: it only has to make fault injection and
 * generated results reproducible for a given seed.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived from a string, so results generated for an asset id are stable across calls. */
export function seedFrom(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
