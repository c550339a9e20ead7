/**
 * Adapts the Functions `InvocationContext` logger to the {@link Logger} port, one structured line per call
 * (message + JSON properties), so App Insights and the local console show the same facts. It sits beside the
 * logger, not in the composition root, because the webhook receiver falls back on it and nothing in shared/
 * may import shared/app/.
 */
import type { InvocationContext } from '@azure/functions';
import type { Logger, LogProps } from './logger.js';

/** A {@link Logger} writing through `context.log` / `warn` / `error`. */
export function contextLogger(context: Pick<InvocationContext, 'log' | 'warn' | 'error'>): Logger {
  const line = (message: string, props?: LogProps): string =>
    props && Object.keys(props).length > 0 ? `${message} ${JSON.stringify(props)}` : message;
  return {
    info: (m, p) => context.log(line(m, p)),
    warn: (m, p) => context.warn(line(m, p)),
    error: (m, p) => context.error(line(m, p)),
  };
}
