/**
 * Logging a storage-backed side feature that can go away and come back (fleet news, the fleet roster): one
 * warn line when it becomes unavailable, nothing while it stays so, one info line when it is back — so a
 * storage account that fails every two seconds does not flood the log, and an operator still sees both edges.
 */
import { RestError } from '@azure/storage-blob';
import type { LogProps, Logger } from '../logger.js';

/** The two lines and what they carry. */
export interface OutageMessages {
  /** Logged (warn) at the first failure after a success, with the error. */
  readonly unavailable: string;
  /** Logged (info) at the first success after a failure. */
  readonly availableAgain: string;
  /** Said on both lines (which blob or prefix). */
  readonly where: LogProps;
}

/** One feature's availability, as the log has told it. */
export class OutageLog {
  #failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly messages: OutageMessages,
  ) {}

  /** A storage call failed: logs the outage once, with `props` and the error's message and status. */
  failed(error: unknown, props: LogProps = {}): void {
    if (this.#failing) return;
    this.#failing = true;
    this.logger.warn(this.messages.unavailable, {
      ...props,
      ...this.messages.where,
      error: error instanceof Error ? error.message : String(error),
      ...(error instanceof RestError ? { statusCode: error.statusCode, code: error.code } : {}),
    });
  }

  /** A storage call succeeded: logs the recovery once if an outage was logged. */
  succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.logger.info(this.messages.availableAgain, this.messages.where);
  }
}
