/**
 * Structured logging behind a tiny interface, so handlers can pass `InvocationContext` logging through and
 * tests can capture every line. Every line passes through {@link Redactor} before it leaves the process.
 */

/** Structured properties attached to a log line. Values must be JSON-serialisable. */
export type LogProps = Readonly<Record<string, unknown>>;

/** The logging port used everywhere in `shared/`. */
export interface Logger {
  info(message: string, props?: LogProps): void;
  warn(message: string, props?: LogProps): void;
  error(message: string, props?: LogProps): void;
}

/** A logger that drops everything (for code paths where the caller opted out of logs). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Replaces every occurrence of each secret with `[REDACTED]`, in strings and recursively in objects.
 * Secrets shorter than 4 characters are ignored so that a misconfigured empty key cannot blank out logs.
 */
export class Redactor {
  private readonly secrets: readonly string[];
  constructor(secrets: readonly (string | undefined)[]) {
    this.secrets = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  }

  /** Redacts secrets in a string, and SAS signatures (`sig=...`) in any URL-looking text. */
  text(value: string): string {
    let out = value.replace(/([?&]sig=)[^&\s"']+/gi, '$1[REDACTED]');
    for (const s of this.secrets) out = out.split(s).join('[REDACTED]');
    return out;
  }

  /** Redacts secrets anywhere inside a JSON-like value. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)]));
    }
    return value;
  }

  /** Wraps a logger so every message and property is redacted. */
  wrap(logger: Logger): Logger {
    const props = (p?: LogProps): LogProps | undefined => (p ? (this.value(p) as LogProps) : undefined);
    return {
      info: (m, p) => logger.info(this.text(m), props(p)),
      warn: (m, p) => logger.warn(this.text(m), props(p)),
      error: (m, p) => logger.error(this.text(m), props(p)),
    };
  }
}
