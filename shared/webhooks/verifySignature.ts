/**
 * Standard Webhooks signature verification (docs/design.md, decision 9), over the raw body bytes exactly as
 * they arrived: re-serialising parsed JSON would change the bytes and break every signature.
 *
 * Our own code on `node:crypto` rather than the `standardwebhooks` package: it takes several secrets (key
 * rotation), reads the clock we inject, signs the body bytes without a UTF-8 round trip, and reports WHY a
 * delivery failed so our logs can tell a forger from clock skew. The package stays the independent
 * reference the tests sign with.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a delivery's timestamp may be from our clock, either way (the reference libraries' value). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** The Standard Webhooks header names (lower case; `Headers#get` is case-insensitive anyway). */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Anything headers can be read from by name: the fetch `Headers` of an `HttpRequest`, or a test double. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** What {@link verifyWebhookSignature} checks. */
export interface SignatureInput {
  readonly headers: HeaderSource;
  /** The body bytes as received, before any decoding. */
  readonly rawBody: Uint8Array;
  /** Every accepted secret, each `whsec_<base64>`; a delivery signed with ANY of them is valid. */
  readonly secrets: readonly string[];
  /** Now, in epoch milliseconds, from the injected clock. */
  readonly nowMs: number;
  /** Defaults to {@link SIGNATURE_TOLERANCE_SECONDS}. */
  readonly toleranceSeconds?: number;
}

/**
 * Why a delivery was refused. For OUR logs only: the HTTP answer is the same for every reason, so a forger
 * learns nothing about which check failed.
 */
export type SignatureFailureReason =
  'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature' | 'no-secrets';

/** The outcome of {@link verifyWebhookSignature}. `timestamp` is the header's value, in Unix seconds. */
export type SignatureResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: SignatureFailureReason };

const SECRET_PREFIX = 'whsec_';
/** Unix seconds as digits only: `parseInt`'s leniency ("12abc") would accept headers nobody signed. */
const TIMESTAMP_PATTERN = /^\d{1,15}$/;

/**
 * Checks a delivery: all three headers present, the timestamp within tolerance of now (both directions),
 * and at least one `v1` signature equal to HMAC-SHA256(secret, `${id}.${timestamp}.${body}`) for at least
 * one secret. Signatures of other versions are ignored. Pure and total: never throws.
 */
export function verifyWebhookSignature(input: SignatureInput): SignatureResult {
  const keys = signingKeys(input.secrets);
  if (keys.length === 0) return refuse('no-secrets');

  const id = input.headers.get(WEBHOOK_HEADERS.id);
  const timestampText = input.headers.get(WEBHOOK_HEADERS.timestamp);
  const signatureList = input.headers.get(WEBHOOK_HEADERS.signature);
  if (!id || !timestampText || !signatureList) return refuse('missing-headers');

  if (!TIMESTAMP_PATTERN.test(timestampText)) return refuse('bad-timestamp');
  const timestamp = Number(timestampText);
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(Math.floor(input.nowMs / 1000) - timestamp) > tolerance) return refuse('stale');

  const offered = v1Signatures(signatureList);
  const expected = keys.map((key) => sign(key, id, timestampText, input.rawBody));
  return anyEqual(expected, offered) ? { ok: true, id, timestamp } : refuse('bad-signature');
}

function refuse(reason: SignatureFailureReason): SignatureResult {
  return { ok: false, reason };
}

/** The HMAC keys: the base64 after the `whsec_` prefix, decoded. Blank or empty entries are skipped. */
function signingKeys(secrets: readonly string[]): Buffer[] {
  return secrets
    .map((secret) => secret.trim())
    .map((secret) => (secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret))
    .map((base64) => Buffer.from(base64, 'base64'))
    .filter((key) => key.length > 0);
}

/** The base64 part of each `v1,<base64>` entry of the space-separated list; other versions are ignored. */
function v1Signatures(signatureList: string): Buffer[] {
  const signatures: Buffer[] = [];
  for (const entry of signatureList.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma <= 0 || entry.slice(0, comma) !== 'v1') continue;
    const signature = entry.slice(comma + 1);
    if (signature.length > 0) signatures.push(Buffer.from(signature, 'utf8'));
  }
  return signatures;
}

/**
 * The expected signature as base64 text. Compared as text (not decoded bytes) because Node's base64
 * decoder skips characters it does not know, so decoding would accept many spellings of one signature.
 */
function sign(key: Buffer, id: string, timestamp: string, body: Uint8Array): Buffer {
  const digest = createHmac('sha256', key)
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(body)
    .digest('base64');
  return Buffer.from(digest, 'utf8');
}

/**
 * Constant-time per comparison, and every pair is compared (no early exit), so the time taken says
 * nothing about which secret or signature came close. Lengths are public (every v1 signature has 44
 * characters), so unequal lengths are skipped: `timingSafeEqual` requires equal ones.
 */
function anyEqual(expected: readonly Buffer[], offered: readonly Buffer[]): boolean {
  let matched = false;
  for (const mine of expected) {
    for (const theirs of offered) {
      if (theirs.length === mine.length && timingSafeEqual(theirs, mine)) matched = true;
    }
  }
  return matched;
}
