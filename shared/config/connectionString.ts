import { z } from 'zod';
import { isBase64 } from './base64.js';
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
 * carry an account key or a SAS, and reach both the blob and the queue service (the host needs both).
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
