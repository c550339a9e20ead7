/**
 * A logger that keeps every line in memory, so tests can assert what was (and was not) logged.
 */
import type { LogProps, Logger } from '../../shared/logger.js';

/** Records each line with its level and properties, in order. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string; props?: LogProps | undefined }[] = [];
  info(message: string, props?: LogProps): void {
    this.lines.push({ level: 'info', message, props });
  }
  warn(message: string, props?: LogProps): void {
    this.lines.push({ level: 'warn', message, props });
  }
  error(message: string, props?: LogProps): void {
    this.lines.push({ level: 'error', message, props });
  }
  /** Everything logged, serialised — handy for "the key never appears" assertions. */
  dump(): string {
    return JSON.stringify(this.lines);
  }
}
