import { z } from 'zod';
import type { Parser } from './parser.js';

/** A whole number in `[min, max]`, written as plain digits (no sign, decimals, exponent or hex). */
export function wholeNumber(min: number, max: number): Parser<number> {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.string().regex(/^\d+$/, rule).transform(Number).pipe(z.number().min(min, rule).max(max, rule));
}
