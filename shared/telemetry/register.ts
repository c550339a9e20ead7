/**
 * Imported for its effect, FIRST in every function entry file: starts telemetry when the host loads the app
 * (./startup.ts), before `@azure/functions` registers anything. Nothing is loaded when telemetry is off.
 */
import { startTelemetryIfConfigured } from './startup.js';

startTelemetryIfConfigured();
