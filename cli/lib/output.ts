/**
 * Everything a command prints goes through here, and through a {@link Redactor}: whatever an error message
 * or a stored record might quote, the API key, webhook secrets and storage account keys never reach a
 * terminal or a log file. The only secret ever printed is a new webhook signing secret, which is not in the
 * configuration yet (it is printed precisely so that it can be put there).
 */
import { Redactor } from '../../shared/logger.js';
import type { CliIo, TextSink } from './io.js';

/** Line-oriented, redacting access to a command's stdout and stderr. */
export class Output {
  private secrets: readonly string[];
  private redactor: Redactor;

  constructor(
    private readonly io: CliIo,
    secrets: readonly string[] = [],
  ) {
    this.secrets = secrets;
    this.redactor = new Redactor(secrets);
  }

  /** True when stderr is a terminal (progress bars are drawn only there). */
  get stderrIsTTY(): boolean {
    return this.io.stderr.isTTY === true;
  }

  /** True when stdout is a terminal (`status --watch` clears the screen only there). */
  get stdoutIsTTY(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** Terminal width for progress bars (80 when unknown). */
  get columns(): number {
    return this.io.stderr.columns ?? 80;
  }

  /** Adds secrets to redact, once the configuration that holds them is known. */
  redact(secrets: readonly string[]): void {
    this.secrets = [...this.secrets, ...secrets];
    this.redactor = new Redactor(this.secrets);
  }

  /** Prints lines to stdout (the command's result). */
  out(...lines: string[]): void {
    this.write(this.io.stdout, lines);
  }

  /** Prints lines to stderr (errors, hints, progress). */
  err(...lines: string[]): void {
    this.write(this.io.stderr, lines);
  }

  /** Prints one JSON document to stdout: the whole result of a `--json` run. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(this.redactor.value(value), null, 2)}\n`);
  }

  /** Writes raw text to stdout without a newline (screen control for `--watch` on a terminal). */
  rawOut(text: string): void {
    this.io.stdout.write(this.redactor.text(text));
  }

  /** Writes raw text to stderr without a newline (progress bar redraws). */
  rawErr(text: string): void {
    this.io.stderr.write(this.redactor.text(text));
  }

  private write(sink: TextSink, lines: readonly string[]): void {
    for (const line of lines) sink.write(`${this.redactor.text(line)}\n`);
  }
}
