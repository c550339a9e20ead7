import { z } from 'zod';
import { isBase64 } from './base64.js';
import type { Parser } from './parser.js';

const PREFIX = 'whsec_';

/**
 * The fewest key bytes a webhook secret may decode to. Standard Webhooks secrets are `whsec_` + base64 of
 * 24–64 random bytes, and MediaMagic (like our emulator, `emulator/signing.ts`) issues 32; anything shorter
 * is a typo or a hand-made secret that would let a forger guess signatures (docs/design.md, decision 9).
 */
export const MIN_WEBHOOK_SECRET_BYTES = 24;

/** Whitespace-separated `whsec_<base64>` secrets. Problems name the entry by position, never by value. */
export function webhookSecrets(): Parser<string[]> {
  return z.string().transform((raw, ctx) => {
    const secrets = raw.split(/\s+/);
    const malformed = positions(secrets, (secret) => secret.startsWith(PREFIX) && isBase64(keyOf(secret)));
    const short = positions(
      secrets,
      (secret, i) => malformed.includes(i + 1) || decodedBytes(keyOf(secret)) >= MIN_WEBHOOK_SECRET_BYTES,
    );
    if (malformed.length === 0 && short.length === 0) return secrets;
    const which = (bad: number[]): string =>
      secrets.length === 1 ? 'the secret' : `entry ${bad.join(', ')} of ${secrets.length}`;
    if (malformed.length > 0) ctx.addIssue(`must be whsec_ followed by base64 (${which(malformed)} is not)`);
    if (short.length > 0) {
      ctx.addIssue(
        `must each decode to at least ${MIN_WEBHOOK_SECRET_BYTES} bytes, as Standard Webhooks secrets do ` +
          `(${which(short)} is shorter)`,
      );
    }
    return z.NEVER;
  });
}

/** 1-based positions of the entries that fail `ok`. */
function positions(secrets: string[], ok: (secret: string, i: number) => boolean): number[] {
  return secrets.flatMap((secret, i) => (ok(secret, i) ? [] : [i + 1]));
}

function keyOf(secret: string): string {
  return secret.slice(PREFIX.length);
}

/** Bytes a (valid) base64 string decodes to: 3 per 4 characters, padding not counted. */
function decodedBytes(base64: string): number {
  return Math.floor((base64.replace(/=+$/, '').length * 3) / 4);
}
