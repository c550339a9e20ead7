/**
 * Settings for the CLI: the same names and validation as the functions (`loadConfig`), read from the
 * environment and from `local.settings.json`'s `Values` in the current directory when there is one — so
 * `npx mediamagic-autosubmit status` works in a project folder with no exports. The environment wins.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../shared/config/loadConfig.js';
import { secretsOf } from '../../shared/config/secretsOf.js';
import { SETTINGS } from '../../shared/config/settings.js';
import { EXIT } from './exitCodes.js';
import { CliFailure } from './failure.js';
import type { CliIo } from './io.js';
import type { Output } from './output.js';

/** The file the Functions Core Tools read locally; we read the same one. */
export const LOCAL_SETTINGS_FILE = 'local.settings.json';

/** Where the settings came from, for messages. */
export function settingsSources(io: CliIo): string {
  const file = path.join(io.cwd, LOCAL_SETTINGS_FILE);
  return existsSync(file)
    ? `the environment and ${file} ("Values"; the environment wins)`
    : `the environment (no ${LOCAL_SETTINGS_FILE} in ${io.cwd})`;
}

/**
 * The effective settings: `local.settings.json` `Values` overlaid with every environment variable that is
 * set and not blank. A blank environment value does not hide the file's value: blank means unset to
 * `loadConfig` too, and hiding a working file value behind an empty export would only confuse.
 */
export function effectiveSettings(io: CliIo): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...readLocalValues(io) };
  for (const [name, value] of Object.entries(io.env)) {
    if (value !== undefined && value.trim() !== '') merged[name] = value;
  }
  return merged;
}

/**
 * Loads and validates the configuration, registering its secrets with `output` for redaction first (so
 * even a message about a bad value cannot echo it). Throws `ConfigError` (exit 3 via the runner).
 */
export function loadCliConfig(io: CliIo, output: Output): Config {
  const env = effectiveSettings(io);
  output.redact(rawSecrets(env));
  const config = loadConfig(env);
  output.redact(secretsOf(config));
  return config;
}

function readLocalValues(io: CliIo): Record<string, string> {
  const file = path.join(io.cwd, LOCAL_SETTINGS_FILE);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliFailure(
      EXIT.config,
      `${file} is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      `fix or remove ${LOCAL_SETTINGS_FILE}; local.settings.sample.json shows its shape`,
    );
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (values === undefined) return {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new CliFailure(
      EXIT.config,
      `${file}: "Values" must be an object of setting names to strings`,
      `fix ${LOCAL_SETTINGS_FILE}; local.settings.sample.json shows its shape`,
    );
  }
  // Core Tools accept numbers and booleans here too; settings are strings to everyone downstream.
  return Object.fromEntries(
    Object.entries(values as Record<string, unknown>)
      .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
      .map(([k, v]) => [k, String(v)]),
  );
}

/**
 * Secret values as given, before validation (which may fail): each whitespace-separated token of a secret
 * setting, and the account key or SAS inside a connection string — never the harmless `Key=` labels.
 */
function rawSecrets(env: Record<string, string | undefined>): string[] {
  return SETTINGS.filter((s) => s.secret).flatMap((s) => {
    const value = env[s.name]?.trim();
    if (!value) return [];
    if (s.name !== 'AzureWebJobsStorage') return value.split(/\s+/);
    return value
      .split(';')
      .map((part) => /^\s*(?:AccountKey|SharedAccessSignature)\s*=(.+)$/i.exec(part)?.[1]?.trim())
      .filter((part): part is string => part !== undefined && part !== '');
  });
}
