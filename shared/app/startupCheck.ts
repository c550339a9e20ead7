/**
 * The start-up settings check, kept apart from the composition root so the function entry files can run it
 * when the host loads them without importing the storage SDK (cold start: docs/benchmarks.md).
 */
import { loadConfig } from '../config/loadConfig.js';

let checked = false;

/**
 * Validates the settings once when the app loads (docs/design.md, decision 11), so a bad deployment says
 * which settings are wrong in the host's start-up log rather than at the first invocation. It logs instead of
 * throwing: an entry file that throws while loading takes every function down, including ones a broken
 * optional setting would not affect; each invocation still fails with the same error until it is fixed.
 */
export function checkSettingsAtStartup(env: Record<string, string | undefined> = process.env): void {
  if (checked) return;
  checked = true;
  try {
    loadConfig(env);
  } catch (error) {
    console.error(`MediaMagic autosubmit: ${error instanceof Error ? error.message : String(error)}`);
  }
}
