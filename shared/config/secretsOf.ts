import { connectionStringParts } from './connectionString.js';
import type { Config } from './loadConfig.js';

/** Every value that must never reach a log line, for the logger's `Redactor`. */
export function secretsOf(config: Config): string[] {
  const secrets = [config.apiKey, ...config.webhookSecrets];
  if (config.storage.kind === 'connection-string') {
    const parts = connectionStringParts(config.storage.connectionString);
    for (const key of ['accountkey', 'sharedaccesssignature']) {
      const value = parts?.get(key);
      if (value) secrets.push(value);
    }
  }
  return secrets;
}
