/**
 * The frame every command runs in: it turns whatever the command throws into a message that says what to
 * do, on stderr, plus — under `--json` — an `{"error": …}` document on stdout, so a script that asked for
 * JSON always gets JSON. Configuration errors name every bad setting (exit 3); storage and other surprises
 * are exit 1.
 */
import { RestError } from '@azure/storage-blob';
import { ConfigError } from '../../shared/config/configError.js';
import { LedgerStorageError } from '../../shared/ledger/errors.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { CliFailure } from './failure.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { settingsSources } from './settings.js';

/** The body of a command: does the work, prints the result, returns the exit code. */
export type CommandBody = (output: Output) => Promise<number>;

/** The `--json` error document. */
export interface JsonError {
  readonly error: {
    readonly exitCode: ExitCode;
    readonly message: string;
    readonly hint: string | null;
    readonly [detail: string]: unknown;
  };
}

/** Runs `body`, mapping every failure to its exit code and message. Never throws. */
export async function runCommand(io: CliIo, args: readonly string[], body: CommandBody): Promise<number> {
  const output = new Output(io);
  try {
    return await body(output);
  } catch (error) {
    const failure = toCliFailure(error, io);
    output.err(`error: ${failure.message}`);
    if (failure.hint) output.err(`hint: ${failure.hint}`);
    if (io.env.MEDIAMAGIC_CLI_DEBUG && !(error instanceof CliFailure) && error instanceof Error) {
      output.err(error.stack ?? '');
    }
    // `--json` may not have been parsed (a usage error): look for it in the raw arguments.
    if (args.includes('--json')) output.json(jsonError(failure));
    return failure.exitCode;
  }
}

function jsonError(failure: CliFailure): JsonError {
  return {
    error: {
      ...failure.details,
      exitCode: failure.exitCode,
      message: failure.message,
      hint: failure.hint ?? null,
    },
  };
}

function toCliFailure(error: unknown, io: CliIo): CliFailure {
  if (error instanceof CliFailure) return error;
  if (error instanceof ConfigError) {
    const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
    return new CliFailure(
      EXIT.config,
      `the configuration is invalid (${count}):\n${error.problems.map((p) => `  - ${p}`).join('\n')}`,
      `fix the settings named above; they are read from ${settingsSources(io)}`,
      { problems: error.problems },
    );
  }
  if (error instanceof LedgerStorageError) {
    return new CliFailure(
      EXIT.unexpected,
      `ledger: ${error.message}`,
      error.code === 'storage'
        ? STORAGE_HINT
        : 'a ledger record is unreadable; inspect it in the ledger container (see docs/ledger.md)',
      { kind: `ledger-${error.code}` },
    );
  }
  if (error instanceof RestError || isNetworkError(error)) {
    const status = error instanceof RestError && error.statusCode ? ` (HTTP ${error.statusCode})` : '';
    return new CliFailure(EXIT.unexpected, `storage: ${firstLine(error)}${status}`, STORAGE_HINT, {
      kind: 'storage',
    });
  }
  return new CliFailure(
    EXIT.unexpected,
    `unexpected error: ${firstLine(error)}`,
    'this is a bug or an outage; re-run with MEDIAMAGIC_CLI_DEBUG=1 for the stack trace',
    { kind: 'unexpected' },
  );
}

const STORAGE_HINT =
  'check AzureWebJobsStorage (or the AzureWebJobsStorage__* identity settings and your permissions) and that ' +
  'the storage account — or Azurite, under `npm start` — is reachable';

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN)$/.test(code);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
