/**
 * The one exception commands throw on purpose: a failure that already knows its exit code and what the
 * operator should do next. The command runner prints it; nothing else is needed to turn a problem into a
 * message and a code.
 */
import type { ExitCode } from './exitCodes.js';

/** A failure with its exit code, a message saying what went wrong and a hint saying what to do. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';

  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** What to do next, as an imperative sentence. */
    readonly hint?: string,
    /** Extra machine-readable fields for the `--json` error document. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
