/** (e) No shared keys, Entra-only auth: the storage account, connection strings and the Flex deployment. */
import type { Infra, Value } from '../bicep/infra.js';
import { property } from '../bicep/syntax.js';
import type { Token } from '../bicep/tokens.js';
import { resources, safeEvaluate } from './resources.js';

/** Shared-key access, public blobs, old TLS, key-reading functions and keyed connection strings anywhere. */
export function storageSecurityProblems(infra: Infra): string[] {
  const problems: string[] = [];
  const accounts = resources(infra, 'Microsoft.Storage/storageAccounts');
  if (accounts.length !== 1) problems.push(`expected one storage account, found ${accounts.length}`);
  for (const account of accounts) {
    const at = `${account.file.path}: storage account ${account.decl.name}`;
    const get = (key: string): Value | undefined => {
      const tokens = property(account.body, 'properties', key);
      return tokens === undefined ? undefined : safeEvaluate(infra, account.file, tokens);
    };
    if (get('allowSharedKeyAccess') !== false) problems.push(`${at} must set allowSharedKeyAccess: false`);
    if (get('allowBlobPublicAccess') !== false) problems.push(`${at} must set allowBlobPublicAccess: false`);
    if (get('minimumTlsVersion') !== 'TLS1_2') problems.push(`${at} must set minimumTlsVersion: 'TLS1_2'`);
    if (get('isHnsEnabled') === true) problems.push(`${at}: blob index tags do not work with isHnsEnabled`);
  }
  for (const file of infra.files.values()) {
    for (const t of flatten(file.tokens)) {
      if (t.kind === 'ident' && /^list(Keys|AccountSas|ServiceSas|ConnectionStrings)$/.test(t.text)) {
        problems.push(`${file.path}:${t.line}: ${t.text}() reads shared keys or SAS; use identities`);
      }
      const literal =
        t.kind === 'string' ? (t.parts ?? []).filter((p) => typeof p === 'string').join('') : '';
      if (/AccountKey=|SharedAccessSignature=/i.test(literal)) {
        problems.push(`${file.path}:${t.line}: a connection string with a key or SAS`);
      }
    }
  }
  const deployment = resources(infra, 'Microsoft.Web/sites').flatMap((site) => {
    const auth = property(
      site.body,
      'properties',
      'functionAppConfig',
      'deployment',
      'storage',
      'authentication',
      'type',
    );
    return auth ? [safeEvaluate(infra, site.file, auth)] : [];
  });
  if (deployment.length !== 1 || deployment[0] !== 'UserAssignedIdentity') {
    problems.push(
      `the Flex deployment container must be read with the user-assigned identity (has ${JSON.stringify(deployment)})`,
    );
  }
  return problems;
}

function flatten(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((t) => [
    t,
    ...(t.parts ?? []).flatMap((p) => (typeof p === 'string' ? [] : flatten(p))),
  ]);
}
