import type { z } from 'zod';

/**
 * A setting's parser: a zod schema from the raw (trimmed, non-blank) string to its typed value. Each
 * issue message is a predicate ("must …") because `loadConfig` prefixes it with the setting's name.
 */
export type Parser<T> = z.ZodType<T, string>;
