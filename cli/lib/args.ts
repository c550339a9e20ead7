/**
 * Argument parsing on `node:util` `parseArgs` (strict: an unknown flag is a usage error, never ignored),
 * with the few value checks every command shares.
 */
import { parseArgs } from 'node:util';
import { blobAddressProblem } from '../../shared/validation/blobAddress.js';
import { CliFailure } from './failure.js';
import { EXIT } from './exitCodes.js';

/**
 * Runs `parse` (a `parseArgs` call) and turns its errors — unknown flag, missing value, unexpected
 * positional — into a usage failure that points at the command's `--help`.
 */
export function parseOrUsage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(command, message.replace(/\s*To specify a positional argument.*$/s, ''));
  }
}

/** A usage failure (exit 2) for `command`, with the hint to read its help. */
export function usageError(command: string, message: string): CliFailure {
  return new CliFailure(EXIT.usage, message, `run \`mediamagic-autosubmit ${command} --help\` for usage`);
}

/** A whole number within [min, max] from a flag's text, or a usage failure naming the flag. */
export function intFlag(
  command: string,
  flag: string,
  text: string | undefined,
  range: { readonly min: number; readonly max: number; readonly default: number },
): number {
  if (text === undefined) return range.default;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw usageError(
      command,
      `${flag} must be a whole number from ${range.min} to ${range.max} (got "${text}")`,
    );
  }
  return value;
}

/**
 * A blob-name prefix as given to `--prefix`: leading slashes dropped (blob names have none). An empty
 * prefix means "everything".
 */
export function normalisePrefix(text: string | undefined): string {
  return (text ?? '').replace(/^\/+/, '');
}

/**
 * A blob name given on the command line, unchanged; a usage failure naming the problem when the name would
 * address another blob than the one it names (`x/../clip.mp4`: docs/design.md, decision 5, "Names storage
 * treats specially"), before any setting is read or any storage call is made.
 */
export function blobNameArg(command: string, name: string): string {
  const problem = blobAddressProblem(name);
  if (problem !== undefined) throw usageError(command, `refused blob name: ${problem.message}`);
  return name;
}

/** The flags of a command about one record: `--json`, `--verbose`, `--help`. */
const RECORD_COMMAND_FLAGS = {
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

/** Parses a command that takes positional arguments and only {@link RECORD_COMMAND_FLAGS}. */
export function parseRecordCommand(command: string, args: readonly string[]) {
  return parseOrUsage(command, () =>
    parseArgs({ args: [...args], allowPositionals: true, options: RECORD_COMMAND_FLAGS }),
  );
}
