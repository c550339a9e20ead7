import { z } from 'zod';
import { isBase64 } from './base64.js';
import { isLoopbackHost } from './loopback.js';
import type { Parser } from './parser.js';

/**
 * Microsoft's public, documented Azurite/emulator account key — not a secret. Copied from
 * `devkit/azurite.ts` because `devkit/` is not deployed with the app.
 */
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** What `UseDevelopmentStorage=true` stands for: Azurite on its default ports. */
export const DEVELOPMENT_STORAGE_CONNECTION_STRING =
  `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};` +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;' +
  'QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

/**
 * A storage connection string. `UseDevelopmentStorage=true` expands to Azurite's; anything else must
 * carry an account key or a SAS, and reach both the blob and the queue service (the host needs both),
 * over https unless the endpoint is on this machine ({@link endpointsProblem}).
 */
export function storageConnectionString(): Parser<string> {
  return z.string().transform((raw, ctx) => {
    if (/^UseDevelopmentStorage=true;?$/i.test(raw)) return DEVELOPMENT_STORAGE_CONNECTION_STRING;
    const problem = connectionStringProblem(raw);
    if (problem === undefined) return raw;
    ctx.addIssue(problem);
    return z.NEVER;
  });
}

function connectionStringProblem(raw: string): string | undefined {
  const parts = connectionStringParts(raw);
  if (parts === undefined) {
    return 'must be a storage connection string (Key=Value pairs separated by ";") or UseDevelopmentStorage=true';
  }
  const protocol = parts.get('defaultendpointsprotocol')?.toLowerCase();
  const reaches = (service: 'blob' | 'queue'): boolean =>
    parts.has(`${service}endpoint`) || protocol === 'https' || protocol === 'http';
  if (parts.has('accountkey')) {
    if (!parts.has('accountname')) return 'is missing AccountName';
    if (!isBase64(parts.get('accountkey') ?? '')) return 'has an AccountKey that is not base64';
  } else if (!parts.has('sharedaccesssignature')) {
    return 'must contain AccountName and AccountKey, or a SharedAccessSignature';
  }
  if (!reaches('blob') || !reaches('queue')) {
    return 'must contain DefaultEndpointsProtocol=https (or both BlobEndpoint and QueueEndpoint)';
  }
  return endpointsProblem(parts, protocol);
}

/** The endpoint keys a connection string may set explicitly. */
const ENDPOINT_KEYS = [
  ['blobendpoint', 'BlobEndpoint'],
  ['queueendpoint', 'QueueEndpoint'],
  ['tableendpoint', 'TableEndpoint'],
  ['fileendpoint', 'FileEndpoint'],
] as const;

const HTTP_ONLY_LOOPBACK = 'plain http is allowed only for localhost / 127.0.0.0/8 / [::1]';

/**
 * Plain http only where nothing leaves the machine (Azurite): over http a SharedKey-signed request, and
 * the read SAS the copy hands MediaMagic (which then allows http too, `shared/storage/sourceBlobs.ts`),
 * could be read or replayed on the wire. An explicit endpoint must be https or loopback http; and
 * `DefaultEndpointsProtocol=http` builds `<account>.blob.<suffix>` style hosts, never loopback, so it is
 * accepted only when both services the app needs have explicit endpoints. The host name is NOT checked
 * against `*.core.windows.net`: sovereign clouds (`core.chinacloudapi.cn`, `core.usgovcloudapi.net`),
 * Azure Stack, custom domains and private endpoints all use other names, and https is what protects the
 * key and the SAS. Problems name the key, never the value (a SAS may ride in an endpoint's query).
 */
function endpointsProblem(parts: Map<string, string>, protocol: string | undefined): string | undefined {
  for (const [key, name] of ENDPOINT_KEYS) {
    const value = parts.get(key);
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `has a ${name} that is not an absolute https URL`;
    }
    if (url.protocol === 'https:') continue;
    if (url.protocol !== 'http:') return `has a ${name} that is not an https URL`;
    if (!isLoopbackHost(url.hostname)) return `has a ${name} that must use https (${HTTP_ONLY_LOOPBACK})`;
  }
  if (protocol === 'http' && (!parts.has('blobendpoint') || !parts.has('queueendpoint'))) {
    return (
      'must use DefaultEndpointsProtocol=https (DefaultEndpointsProtocol=http needs loopback BlobEndpoint ' +
      `and QueueEndpoint: ${HTTP_ONLY_LOOPBACK})`
    );
  }
  return undefined;
}

/** Key=Value pairs (keys lower-cased); values may contain "=" (base64 padding). Undefined if malformed. */
export function connectionStringParts(raw: string): Map<string, string> | undefined {
  const parts = new Map<string, string>();
  for (const segment of raw.split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0 || eq === segment.length - 1) return undefined;
    parts.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  return parts.size > 0 ? parts : undefined;
}
