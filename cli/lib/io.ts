/**
 * What a command touches of the outside world, passed in rather than read from `process`, so every command
 * runs the same in-process under a test (captured streams, a stack's env) as it does from a terminal.
 */

/** Where a command writes text: `process.stdout`/`process.stderr`, or a test's capture. */
export interface TextSink {
  write(text: string): unknown;
  /** True on a terminal: progress bars are drawn only there. */
  readonly isTTY?: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

/** The process-shaped context of one command run. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** The environment settings are read from (before `local.settings.json`, which it overrides). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory `local.settings.json` and relative file paths are resolved against. */
  readonly cwd: string;
  /** Aborted on Ctrl-C: long-running commands stop taking new work, finish what is in flight, and report. */
  readonly signal?: AbortSignal;
}

/** One command: parses its own arguments and resolves to the process exit code (see `exitCodes.ts`). */
export type Command = (args: readonly string[], io: CliIo) => Promise<number>;
