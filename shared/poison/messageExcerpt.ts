/**
 * The part of an unreadable poison message the record and the alert keep: enough to recognise it, never a
 * secret. Event Grid writes base64, which would hide a SAS signature from every redaction pattern, so the
 * text is decoded first when it is base64 of UTF-8; then the configured secrets, SAS signatures and
 * account keys are redacted, and only then is it cut, so a cut can never leave half a secret unredacted.
 */
import { Redactor } from '../logger.js';

/** How many characters of an unreadable message are kept. */
export const EXCERPT_CHARS = 200;

/** `AccountKey=…` / `SharedAccessSignature=…` in a pasted connection string. */
const CONNECTION_SECRETS = /((?:AccountKey|SharedAccessSignature)=)[^;\s"']+/gi;

/** A short, redacted excerpt of `messageText`. `redactor` holds the app's configured secrets. */
export function messageExcerpt(messageText: string, redactor: Redactor = new Redactor([])): string {
  return cut(redactSecrets(decodedIfBase64(messageText), redactor), EXCERPT_CHARS);
}

/**
 * `text` without the configured secrets, SAS signatures or account keys: for anything derived from a
 * message (a parse reason quotes its first characters) or an error that goes into a record or a log line.
 */
export function redactSecrets(text: string, redactor: Redactor = new Redactor([])): string {
  return redactor.text(text).replace(CONNECTION_SECRETS, '$1[REDACTED]');
}

/** `text` on one line, at most `limit` characters (and an ellipsis when cut). */
export function cut(text: string, limit: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > limit ? `${oneLine.slice(0, limit)}…` : oneLine;
}

function decodedIfBase64(text: string): string {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return text;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    return text;
  }
}
