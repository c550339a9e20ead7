/**
 * The storage adapters' last line of defence against a blob name that would address another blob
 * (../validation/blobAddress.ts, docs/design.md, decision 5, "Names storage treats specially"). Every entry
 * point refuses such names before they reach here; this guard makes sure that whatever still carries one
 * (a ledger record written before the rule existed, a future caller) fails loudly instead of reading or
 * tagging a blob it did not name.
 */
import { blobAddressProblem, type BlobAddressProblemKind } from '../validation/blobAddress.js';

/** Thrown instead of building a blob URL for a name that does not address exactly that blob. */
export class UnsafeBlobNameError extends Error {
  override readonly name = 'UnsafeBlobNameError';
  /** Stable: branch on this, never on the message. */
  readonly code = 'unsafe-blob-name';
  constructor(
    /** Which rule the name broke. */
    readonly problem: BlobAddressProblemKind,
    message: string,
  ) {
    super(message);
  }
}

/** `name`, unchanged, when it addresses exactly one blob; otherwise throws {@link UnsafeBlobNameError}. */
export function requireAddressableName(name: string): string {
  const problem = blobAddressProblem(name);
  if (problem !== undefined) throw new UnsafeBlobNameError(problem.kind, problem.message);
  return name;
}
