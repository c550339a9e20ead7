/**
 * `@azure/identity`, loaded only by identity deployments (150–270 ms of imports, docs/benchmarks.md). A
 * `require`, not `import()`: `import()` picks the package's ESM build, which brings a second copy of the
 * Azure core packages the storage SDK already loaded (measured 600–800 ms instead of ~150 ms).
 */
import type { TokenCredential } from '@azure/identity';
import type { StorageSettings } from '../config/storageSettings.js';

/** The managed identity (or developer login) an identity-based storage setting names. */
export function storageCredential(storage: Extract<StorageSettings, { kind: 'identity' }>): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the comment at the top
  const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
  return new DefaultAzureCredential(storage.clientId ? { managedIdentityClientId: storage.clientId } : {});
}
