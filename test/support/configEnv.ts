/**
 * Environments for testing `loadConfig`: the smallest valid one, and helpers that load it with a few
 * settings changed or return the problems a bad one is rejected with.
 */
import { expect } from 'vitest';
import { ConfigError } from '../../shared/config/configError.js';
import { loadConfig, type Config } from '../../shared/config/loadConfig.js';

/** A well-formed live API key. */
export const KEY = 'sk_live_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** A well-formed account-key connection string (its key is `c2VjcmV0LWtleS12YWx1ZQ==`). */
export const CONNECTION_STRING =
  'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;EndpointSuffix=core.windows.net';

/** The two settings without which nothing loads. */
export const MINIMAL = { MEDIAMAGIC_API_KEY: KEY, AzureWebJobsStorage: CONNECTION_STRING };

/** Loads with the minimal valid env plus `extra`; `undefined` in `extra` removes a setting. */
export function load(extra: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...MINIMAL, ...extra });
}

/** The ConfigError thrown for `env`, or a failed assertion when loading succeeds. */
export function problemsOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(Object.keys(env))}`);
}

/** The problems reported for the minimal valid env plus `extra`. */
export function problemsWith(extra: Record<string, string | undefined>): readonly string[] {
  return problemsOf({ ...MINIMAL, ...extra }).problems;
}
