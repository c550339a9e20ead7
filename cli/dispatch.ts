/**
 * The command table and the global flags: `mediamagic-autosubmit <command> [...]`, `--help`, `--version`.
 * Everything here is in-process and stream-agnostic; `main.ts` only wires the real process to it.
 */
import { runBackfillCommand } from './backfill.js';
import { runEmulator } from './emulator.js';
import { runFailures } from './failures.js';
import { EXIT, exitCodeHelp } from './lib/exitCodes.js';
import type { CliIo, Command } from './lib/io.js';
import { Output } from './lib/output.js';
import { packageVersion } from './lib/version.js';
import { runLink } from './link.js';
import { runResubmit } from './resubmit.js';
import { runStatus } from './status.js';
import { runUpload } from './upload.js';
import { runWebhooks } from './webhooks.js';

/** One entry of the command table. */
export interface CommandEntry {
  readonly run: Command;
  /** One line for `--help`. */
  readonly summary: string;
  /**
   * Stops cleanly on the abort signal (Ctrl-C) — always, or for the arguments the function accepts (e.g.
   * `status --watch`); other runs are simply ended by it.
   */
  readonly interruptible?: boolean | ((args: readonly string[]) => boolean);
}

/** Every command, with its one-line summary for `--help`. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  upload: { run: runUpload, summary: 'upload local files into the source container, typed by extension' },
  status: {
    run: runStatus,
    summary: 'counts by state, every failure with its reason; --blob NAME for one file; --watch to follow',
    interruptible: (args) => args.includes('--watch'),
  },
  failures: {
    run: runFailures,
    summary: 'every file that failed and needs a person, newest first (--since 2h), with what to do',
  },
  backfill: {
    run: runBackfillCommand,
    summary: 'submit blobs the ledger has never seen (resumable, --dry-run)',
    interruptible: true,
  },
  resubmit: {
    run: runResubmit,
    summary: 're-drive a rejected, dead-lettered or blocked file after a fix, or --all-failed',
    interruptible: (args) => args.includes('--all-failed'),
  },
  link: {
    run: runLink,
    summary: 'give a stuck file the MediaMagic submission id its lost creation response never told us',
  },
  webhooks: {
    run: runWebhooks,
    summary: 'create | list | delete | deliveries of MediaMagic webhook subscriptions',
  },
  emulator: { run: runEmulator, summary: 'run the local MediaMagic sandbox emulator', interruptible: true },
};

/** `--help`. */
export function globalUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: mediamagic-autosubmit <command> [options]',
    '',
    'Operate the MediaMagic autosubmit app: upload files, see where each one is, submit what was there before',
    'deployment, re-drive failures, manage webhooks.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `mediamagic-autosubmit <command> --help` for a command’s options. Most take --json for a stable,',
    'documented output shape (docs/cli.md).',
    '',
    'Settings come from the environment, like the functions, and from local.settings.json "Values" in the',
    'current directory when present (the environment wins). The API key and secrets are never printed.',
    '',
    exitCodeHelp(),
    '',
    'Global options: --help, --version',
  ].join('\n');
}

/** True when the command `args` names finishes cleanly on Ctrl-C (so the first Ctrl-C should not exit). */
export function isInterruptible(args: readonly string[]): boolean {
  const [name = '', ...rest] = args;
  const interruptible = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]?.interruptible : undefined;
  return typeof interruptible === 'function' ? interruptible(rest) : interruptible === true;
}

/** Runs the command line `args` (without `node` and the script). Never throws. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const output = new Output(io);
  const [first, ...rest] = args;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) return COMMANDS[topic].run(['--help'], io);
    if (first === undefined) {
      output.err(globalUsage());
      return EXIT.usage;
    }
    output.out(globalUsage());
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    output.out(packageVersion());
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    output.err(
      `error: ${first.startsWith('-') ? `unknown option "${first}"` : `unknown command "${first}"`}`,
      `hint: the commands are ${Object.keys(COMMANDS).join(', ')}; run \`mediamagic-autosubmit --help\``,
    );
    return EXIT.usage;
  }
  return command.run(rest, io);
}
