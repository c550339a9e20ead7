/**
 * What the poison-queue drain needs. Built by the composition root (`AppDeps.poisonDeps`); tests build it
 * over Azurite and may inject the driver.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { Redactor } from '../logger.js';
import type { ProcessResult } from '../pipeline/processSourceBlob.js';
import type { SubmitDeps } from '../pipeline/submitDeps.js';
import type { PoisonRecords } from './poisonRecords.js';

/** Drives one source blob the way a BlobCreated event does; production: `processSourceBlob`. */
export type PoisonDriver = (blobName: string) => Promise<ProcessResult>;

/** Dependencies of {@link import('./drainPoisonQueue.js').drainPoisonQueue}. */
export interface PoisonDeps {
  /** The trigger's poison queue (`<BLOB_EVENTS_QUEUE>-poison`). */
  readonly queue: QueueClient;
  /** Poison records, in the ledger container. */
  readonly records: PoisonRecords;
  /** The submission step's deps: its clock, logger and source container are the drain's too. */
  readonly submitDeps: SubmitDeps;
  /** The app's secrets, kept out of records as well as logs. Default: SAS signatures only. */
  readonly redactor?: Redactor;
  /** Default: `processSourceBlob(submitDeps, name)`, exactly what a BlobCreated event runs. */
  readonly drive?: PoisonDriver;
}
