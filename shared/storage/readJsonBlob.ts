/**
 * Reads a small JSON document from a blob — the ledger container's side documents (orphans, blob paths,
 * poison records) — telling apart the two outcomes callers handle differently: no such blob, and a blob whose
 * text is not JSON. Anything else (a storage error) is thrown.
 */
import { RestError, type ContainerClient } from '@azure/storage-blob';

/** What {@link readJsonBlob} found. */
export type JsonBlob =
  | { readonly kind: 'absent' }
  | { readonly kind: 'not-json' }
  | { readonly kind: 'json'; readonly value: unknown };

/** Reads and parses blob `name` of `container`; the value is unchecked (callers validate it with zod). */
export async function readJsonBlob(container: ContainerClient, name: string): Promise<JsonBlob> {
  let text: string;
  try {
    text = (await container.getBlobClient(name).downloadToBuffer()).toString('utf8');
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return { kind: 'absent' };
    throw error;
  }
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'not-json' };
  }
}
