/**
 * Turns telemetry on: the Azure Monitor OpenTelemetry distro exports this worker's traces, metrics and logs
 * to Application Insights, and the Functions instrumentation ties each invocation to the host's trace (the
 * host runs with `"telemetryMode": "OpenTelemetry"` in host.json). Loaded only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set (./startup.ts): the distro is heavy, and a cold worker with
 * telemetry off never loads it (docs/operations.md).
 */
import { AzureFunctionsInstrumentation } from '@azure/functions-opentelemetry-instrumentation';
import { ManagedIdentityCredential } from '@azure/identity';
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { AUTHENTICATION_STRING_SETTING, telemetryAuthentication } from './authentication.js';
import { CONNECTION_STRING_SETTING } from './names.js';

/**
 * The distro's own telemetry about itself (statsbeat, SDK stats) goes to Microsoft's endpoints, not ours;
 * it is turned off unless the operator set these explicitly. Read from the environment by the exporter when
 * it is built, so they are set before `useAzureMonitor`.
 */
export const SELF_TELEMETRY_OFF: Readonly<Record<string, string>> = {
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
  APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
  APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
};

/**
 * Starts the distro with the connection string in `env`: live metrics off (a second, always-on channel the
 * app does not need), every trace sampled unless `OTEL_TRACES_SAMPLER` says otherwise, the HTTP and Azure
 * SDK instrumentations on (URLs carry SAS tokens only redacted: `sig` is on their redaction list), the rest
 * off. Then enables the Functions
 * instrumentation, which must run before the host finishes loading the app (it calls `app.setup`). With
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING set (infra/ sets it) the exporter authenticates with the managed
 * identity it names.
 * @throws Error when the authentication string is malformed (the caller logs it; telemetry stays off)
 */
export function startTelemetry(env: Record<string, string | undefined> = process.env): void {
  const auth = telemetryAuthentication(env[AUTHENTICATION_STRING_SETTING]);
  if (auth.kind === 'invalid') throw new Error(auth.problem);
  for (const [name, value] of Object.entries(SELF_TELEMETRY_OFF)) {
    if (env[name] === undefined) process.env[name] = value;
  }
  const credential =
    auth.kind === 'aad'
      ? new ManagedIdentityCredential(auth.clientId !== undefined ? { clientId: auth.clientId } : {})
      : undefined;
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: env[CONNECTION_STRING_SETTING] ?? '',
      ...(credential ? { credential } : {}),
    },
    // Every trace kept: a file's story is its trace (docs/operations.md, "What is off, and why"). The
    // distro's default rate-limited sampler (5 traces/s) drops most files of a busy key, and at random the
    // first spans after start-up — a cold instance's first files. OTEL_TRACES_SAMPLER{,_ARG} override this.
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: false,
    enablePerformanceCounters: false,
    instrumentationOptions: {
      http: { enabled: true },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
      console: { enabled: false },
    },
  });
  // Enabled on construction: it hooks `@azure/functions` to take each invocation's trace context from the
  // host and to send the app's logs itself (the host then does not duplicate them).
  new AzureFunctionsInstrumentation();
}

/** Flushes and stops the distro (tests; the worker flushes on its own when it is recycled). */
export function stopTelemetry(): Promise<void> {
  return shutdownAzureMonitor();
}
