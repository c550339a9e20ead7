/**
 * Every ledger record of this app's source container, each read in full (the truth, not the tag index):
 * another source container's records may share the ledger, and this app only answers for its own.
 */
import type { AppDeps } from '../../shared/app/appDeps.js';
import type { LedgerRecord } from '../../shared/ledger/record.js';

/** Reads the records of `SOURCE_CONTAINER`; proportional to the ledger's size. */
export async function readSourceRecords(deps: AppDeps): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  for await (const record of deps.ledger.list()) {
    if (record.source.container === deps.config.sourceContainer) records.push(record);
  }
  return records;
}
