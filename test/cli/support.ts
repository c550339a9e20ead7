/**
 * Runs CLI commands in-process, the way `main.ts` does but with captured streams, and checks on every run
 * that no output line carries a secret from the environment it was given.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../cli/dispatch.js';

/** The outcome of one run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the one JSON document a `--json` run prints. */
  json<T = Record<string, unknown>>(): T;
}

/** How to run. */
export interface RunOptions {
  /** Default: an empty temporary directory (so no stray local.settings.json is read). */
  readonly cwd?: string;
  readonly signal?: AbortSignal;
  /** Pretend stdout and stderr are a terminal. */
  readonly tty?: boolean;
  /** Called with each stderr chunk as it is written (to react to progress). */
  readonly onStderr?: (text: string) => void;
  /** Called with each stdout chunk as it is written (to react to a `--watch` refresh). */
  readonly onStdout?: (text: string) => void;
}

let emptyDir: string | undefined;

/** A fresh empty directory, made once per test file. */
export function emptyCwd(): string {
  emptyDir ??= mkdtempSync(path.join(tmpdir(), 'mm-cli-cwd-'));
  return emptyDir;
}

/** Runs `mediamagic-autosubmit ...args` with `env`; asserts no secret of `env` was printed. */
export async function cli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: RunOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(text);
      },
      isTTY: options.tty ?? false,
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(text);
      },
      isTTY: options.tty ?? false,
      columns: 100,
    },
    env,
    cwd: options.cwd ?? emptyCwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  expectNoSecrets(`${stdout}\n${stderr}`, env);
  return {
    code,
    stdout,
    stderr,
    json<T>(): T {
      return JSON.parse(stdout) as T;
    },
  };
}

/** No API key or webhook secret from `env` appears in `text`. */
export function expectNoSecrets(text: string, env: Readonly<Record<string, string | undefined>>): void {
  const secrets = [env.MEDIAMAGIC_API_KEY, ...(env.MEDIAMAGIC_WEBHOOK_SECRETS ?? '').split(/\s+/)].filter(
    (s): s is string => s !== undefined && s.length >= 8,
  );
  for (const secret of secrets) expect(text, 'a secret was printed').not.toContain(secret);
}
