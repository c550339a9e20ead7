import { z } from 'zod';
import { isBase64 } from './base64.js';
import type { Parser } from './parser.js';

/** Whitespace-separated `whsec_<base64>` secrets. Problems name the entry by position, never by value. */
export function webhookSecrets(): Parser<string[]> {
  return z.string().transform((raw, ctx) => {
    const secrets = raw.split(/\s+/);
    const bad = secrets.flatMap((secret, i) =>
      secret.startsWith('whsec_') && isBase64(secret.slice('whsec_'.length)) ? [] : [i + 1],
    );
    if (bad.length === 0) return secrets;
    const which = secrets.length === 1 ? 'the secret' : `entry ${bad.join(', ')} of ${secrets.length}`;
    ctx.addIssue(`must be whsec_ followed by base64 (${which} is not)`);
    return z.NEVER;
  });
}
