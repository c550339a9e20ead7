/**
 * Which upload URLs from `POST /uploads/url` the server-side copy may write to (docs/design.md, decision 4,
 * "Upload URLs are checked"). The copy sends our source blob's read SAS in `x-ms-copy-source` to whatever
 * host the URL names, so the URL is checked before the SAS is minted:
 *
 * - `https`; plain `http` only when the API itself is on a loopback host (the emulator) and so is the upload
 *   URL (Azurite): a SAS never crosses a network in clear text;
 * - no user name or password in the URL;
 * - blob-service shaped: a container name (3–63 lowercase letters, digits and single hyphens) and a blob
 *   name that addresses exactly one blob (../validation/blobAddress.ts); on a path-style host (an IP address
 *   or `localhost`, as Azurite serves) the account comes first.
 *
 * The host is not required to look like `<account>.blob.core.windows.net`: MediaMagic chooses its storage,
 * which may sit in a sovereign cloud or behind a custom domain; over https only that host's certificate
 * holder can read the SAS.
 */
import { isLoopbackHost } from '../config/loopback.js';
import { blobAddressProblem } from '../validation/blobAddress.js';

/** Why an upload URL was refused. Stable, for logs and the ledger. */
export type UploadUrlProblemKind =
  'not-a-url' | 'scheme' | 'insecure-http' | 'credentials' | 'not-blob-shaped';

/** A refused upload URL: a stable kind and a sentence naming the URL without its query (the SAS). */
export interface UploadUrlProblem {
  readonly kind: UploadUrlProblemKind;
  readonly message: string;
}

/** The ledger failure kind of a refused upload URL. */
export const UNTRUSTED_UPLOAD_URL = 'untrusted-upload-url';

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Why the copy must not write to `uploadUrl`, given the API's base URL; undefined when it may. Never
 * throws, and no message carries the URL's query string, fragment or credentials.
 */
export function uploadUrlProblem(uploadUrl: string, apiBaseUrl: string): UploadUrlProblem | undefined {
  const shown = displayUrl(uploadUrl);
  const refuse = (kind: UploadUrlProblemKind, why: string): UploadUrlProblem => ({
    kind,
    message: `MediaMagic's upload URL ${shown} ${why}; nothing was copied and no SAS was sent`,
  });
  const url = URL.parse(uploadUrl);
  if (url === null) return refuse('not-a-url', 'is not a URL');
  if (url.protocol === 'http:') {
    if (!isLoopbackUrl(apiBaseUrl) || !isLoopbackHost(url.hostname)) {
      return refuse(
        'insecure-http',
        'is plain http; only https is accepted (http only on a loopback host with a local API)',
      );
    }
  } else if (url.protocol !== 'https:') {
    return refuse('scheme', `uses ${url.protocol.replace(/:$/, '')}; only https is accepted`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('credentials', 'carries a user name or password');
  }
  const shapeProblem = blobShapeProblem(uploadUrl, url.hostname);
  return shapeProblem === undefined ? undefined : refuse('not-blob-shaped', shapeProblem);
}

/** The URL as it may be logged: scheme, host and path only — never the query (the SAS) or credentials. */
export function displayUrl(text: string): string {
  const withoutQuery = text.split(/[?#]/, 1)[0] ?? '';
  const withoutCredentials = withoutQuery.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  const shortened =
    withoutCredentials.length > 200 ? `${withoutCredentials.slice(0, 200)}…` : withoutCredentials;
  return JSON.stringify(shortened);
}

function isLoopbackUrl(text: string): boolean {
  const url = URL.parse(text);
  return url !== null && isLoopbackHost(url.hostname);
}

/**
 * What is missing for a blob URL, read from the raw path (the URL parser would already have resolved `..`
 * segments); undefined when it names a container and a blob.
 */
function blobShapeProblem(raw: string, hostname: string): string | undefined {
  const rawPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?/i.exec(raw)?.[1] ?? '';
  const segments = rawPath.split('/').slice(1);
  const pathStyle = hostname === 'localhost' || hostname.startsWith('[') || /^[\d.]+$/.test(hostname);
  if (pathStyle && segments.shift() === undefined) return 'names no storage account';
  const [container, ...name] = segments;
  if (container === undefined || !CONTAINER_NAME.test(safeDecode(container))) {
    return 'does not name a blob container';
  }
  const blobName = name.map(safeDecode).join('/');
  if (blobName === '') return 'does not name a blob';
  return blobAddressProblem(blobName) === undefined ? undefined : 'does not name exactly one blob';
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
