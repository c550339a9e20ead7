/**
 * The telemetry switch, run by every function entry file when the host loads it, before it registers
 * anything. With APPLICATIONINSIGHTS_CONNECTION_STRING absent it does nothing and loads nothing: the
 * pipeline's spans and metrics go to `@opentelemetry/api`'s no-op providers. With it set it loads ./setup.ts
 * synchronously — the Functions instrumentation must be enabled before the host finishes loading the app.
 */
import { CONNECTION_STRING_SETTING } from './names.js';

let started = false;

/** True when `env` turns telemetry on (a non-blank connection string). */
export function telemetryConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return (env[CONNECTION_STRING_SETTING] ?? '').trim() !== '';
}

/**
 * Starts telemetry once per process when it is configured. A failure to start is logged, not thrown: an
 * entry file that throws while loading takes every function down, and telemetry is not worth that.
 */
export function startTelemetryIfConfigured(env: Record<string, string | undefined> = process.env): boolean {
  if (started || !telemetryConfigured(env)) return started;
  started = true;
  try {
    // A synchronous load on purpose (see the file comment); the compiled app is CommonJS.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const setup = require('./setup.js') as typeof import('./setup.js');
    setup.startTelemetry(env);
  } catch (error) {
    console.error(
      `MediaMagic autosubmit: telemetry did not start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return started;
}
