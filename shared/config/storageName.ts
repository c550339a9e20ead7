import { z } from 'zod';
import type { Parser } from './parser.js';

/** Azure's rules for container and queue names (identical for both). */
export function storageName(what: 'container' | 'queue'): Parser<string> {
  return z
    .string()
    .refine(
      (name) => /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(name),
      `must be a valid ${what} name: 3–63 lowercase letters, digits and single hyphens, starting and ending ` +
        'with a letter or digit',
    );
}
