/**
 * The exit codes scripts may rely on. One table feeds `--help` and is checked against `docs/cli.md` by the
 * tests, so the documentation cannot drift from what the code returns.
 */

/** Every exit code the CLI returns. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  config: 3,
  notFound: 4,
  refused: 5,
  api: 6,
  partial: 7,
  interrupted: 130,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, in the words `--help` and `docs/cli.md` use. */
export const EXIT_CODE_MEANINGS: readonly { readonly code: ExitCode; readonly meaning: string }[] = [
  { code: EXIT.ok, meaning: 'success' },
  {
    code: EXIT.unexpected,
    meaning: 'unexpected error (storage unreachable, a bug); the message says what failed',
  },
  { code: EXIT.usage, meaning: 'usage error: unknown command or flag, missing or bad argument' },
  { code: EXIT.config, meaning: 'configuration error: each missing or bad setting is named' },
  { code: EXIT.notFound, meaning: 'not found: no such ledger record, source blob or webhook subscription' },
  { code: EXIT.refused, meaning: 'refused: not allowed in the current state (the message says what to do)' },
  { code: EXIT.api, meaning: 'MediaMagic API error (status and detail printed, never the key)' },
  {
    code: EXIT.partial,
    meaning: 'partial failure: one or more files failed (each is listed); the rest succeeded',
  },
  { code: EXIT.interrupted, meaning: 'interrupted (Ctrl-C) before finishing; re-run to resume' },
];

/** The exit code section of `--help`. */
export function exitCodeHelp(): string {
  return [
    'Exit codes:',
    ...EXIT_CODE_MEANINGS.map(({ code, meaning }) => `  ${String(code).padStart(3)}  ${meaning}`),
  ].join('\n');
}
