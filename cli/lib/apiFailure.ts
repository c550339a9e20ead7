/**
 * A classified MediaMagic failure as the operator reads it: the API's status and own words (already
 * redacted by the client — never the key), and what to do about that class of error. A 404 is "not found"
 * (exit 4); every other API failure is exit 6.
 */
import type { Failure } from '../../shared/mediamagic/failure.js';
import { EXIT } from './exitCodes.js';
import { CliFailure } from './failure.js';

/** The failure of `action` (e.g. "listing webhook subscriptions") as a {@link CliFailure}. */
export function apiFailure(action: string, failure: Failure): CliFailure {
  const status = 'status' in failure ? failure.status : undefined;
  const detail = 'detail' in failure ? failure.detail : undefined;
  const words = [status !== undefined ? `${status}` : undefined, detail ?? failure.message]
    .filter((part) => part !== undefined)
    .join(' ');
  const fields = 'fields' in failure ? failure.fields.map((f) => `\n  field ${f.field}: ${f.message}`) : [];
  return new CliFailure(
    failure.kind === 'not-found' ? EXIT.notFound : EXIT.api,
    `MediaMagic refused ${action}: ${words}${fields.join('')}`,
    adviceFor(failure),
    {
      kind: failure.kind,
      status: status ?? null,
      detail: detail ?? failure.message,
      ...('fields' in failure ? { fields: failure.fields } : {}),
    },
  );
}

/** What an operator does about each class of API error (the README's troubleshooting table, condensed). */
export function adviceFor(failure: Failure): string {
  switch (failure.kind) {
    case 'unauthorized':
      return 'check MEDIAMAGIC_API_KEY: it is missing, wrong, expired or revoked — create a new key in MediaMagic and update the setting (Key Vault in Azure)';
    case 'plan-not-authorized':
      return `your MediaMagic plan does not include this${failure.bucket ? ` (${failure.bucket})` : ''}; upgrade the plan or use a key of a workspace that has it`;
    case 'forbidden':
      return 'the key may not do this (a sandbox-only call with a live key, another workspace, or a name MediaMagic refuses); check the key and the names involved';
    case 'not-found':
      return 'check the id; list what exists (e.g. `mediamagic-autosubmit webhooks list`)';
    case 'conflict':
      return 'MediaMagic already has this; check its current state before retrying';
    case 'too-large':
      return 'the file is over MediaMagic’s size limit for its type; compress or split it';
    case 'unsupported-type':
      return 'MediaMagic does not accept this media type; convert the file to a supported format';
    case 'validation':
    case 'bad-request':
      return 'fix the values named above and try again';
    case 'rate-limited':
    case 'retry-later':
    case 'budget-exhausted':
      return 'MediaMagic is rate limiting or retries ran out of time; wait a minute and run the command again';
    case 'server-error':
    case 'bad-gateway':
    case 'unexpected-status':
    case 'invalid-response':
    case 'circuit-open':
      return 'MediaMagic is having trouble; wait and try again, and check MediaMagic’s status if it persists';
    case 'network':
    case 'timeout':
      return 'MediaMagic could not be reached; check MEDIAMAGIC_API_BASE_URL and the network (is the emulator running?)';
    case 'aborted':
      return 'the command was interrupted; run it again';
  }
}
