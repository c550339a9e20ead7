/**
 * (a) "The templates parse" — as far as a lint can tell without the Bicep compiler (see lint.ts): no
 * Bicep compiler can be installed from the npm registry for offline use, so this checks structure, not
 * types. The second half proves each check fires by breaking a copy of the real files.
 */
import { describe, expect, test } from 'vitest';
import { Infra } from './bicep/infra.js';
import { edited, readInfraSources } from './bicep/sources.js';
import { lex } from './bicep/tokens.js';
import { lintProblems } from './lint.js';

const sources = readInfraSources(process.cwd());

describe('infra/*.bicep', () => {
  test('are all read', () => {
    expect([...sources.keys()].sort()).toEqual([
      'infra/app/alerts.bicep',
      'infra/app/eventGrid.bicep',
      'infra/app/functionApp.bicep',
      'infra/app/identity.bicep',
      'infra/app/keyVault.bicep',
      'infra/app/monitoring.bicep',
      'infra/app/rbac.bicep',
      'infra/app/storage.bicep',
      'infra/main.bicep',
    ]);
  });

  test('pass the structural lint: brackets, declarations, references, modules, targetScope', () => {
    expect(lintProblems(new Infra(sources))).toEqual([]);
  });
});

describe('the lint reports', () => {
  const cases: [what: string, file: string, from: string, to: string, expected: RegExp][] = [
    [
      'an unclosed bracket',
      'infra/app/functionApp.bicep',
      'union(storageSettings, monitoringSettings, appSettings, webhookSettings)',
      'union(storageSettings, monitoringSettings, appSettings, webhookSettings',
      /'\(' is never closed|closes '\('/,
    ],
    [
      'an undeclared identifier',
      'infra/app/eventGrid.bicep',
      'queueName: blobEventsQueueName',
      'queueName: blobEventQueueName',
      /blobEventQueueName is used but not declared/,
    ],
    [
      'an undeclared identifier inside an interpolation',
      'infra/app/functionApp.bicep',
      'ClientId=${identityClientId};',
      'ClientId=${identityClientID};',
      /identityClientID is used but not declared/,
    ],
    [
      'a duplicate declaration',
      'infra/main.bicep',
      "param resourceGroupName string = ''",
      "param resourceGroupName string = ''\nparam location string = 'westeurope'",
      /location is already declared/,
    ],
    [
      'a missing module file',
      'infra/main.bicep',
      "'app/eventGrid.bicep'",
      "'app/eventgrid.bicep'",
      /does not exist/,
    ],
    [
      'a param the module does not declare, and one it needs',
      'infra/main.bicep',
      '    sourceContainerName: sourceContainerName\n    blobEventsQueueName: blobEventsQueueName\n    deadLetterContainerName',
      '    sourceContainer: sourceContainerName\n    blobEventsQueueName: blobEventsQueueName\n    deadLetterContainerName',
      /has no param sourceContainer[\s\S]*required param sourceContainerName/,
    ],
    [
      'an output the module does not have',
      'infra/main.bicep',
      'keyVault.outputs.apiKeyUri',
      'keyVault.outputs.apiKeyUrl',
      /has no output apiKeyUrl/,
    ],
    [
      'an unknown function',
      'infra/main.bicep',
      'toLower(uniqueString(',
      'toLower(uniqString(',
      /unknown function uniqString/,
    ],
    [
      'an invalid targetScope',
      'infra/main.bicep',
      "targetScope = 'subscription'",
      "targetScope = 'subscriptions'",
      /targetScope must be/,
    ],
    [
      'a registry module CI cannot fetch',
      'infra/main.bicep',
      "module identity 'app/identity.bicep'",
      "module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1'",
      /comes from a registry/,
    ],
    [
      'an unterminated string',
      'infra/app/keyVault.bicep',
      "contentType: 'MediaMagic API key (sk_live_… or sk_test_…)'",
      "contentType: 'MediaMagic API key (sk_live_… or sk_test_…)",
      /unterminated string/,
    ],
    [
      'a secure param in an output',
      'infra/main.bicep',
      'output AZURE_LOCATION string = location',
      'output AZURE_LOCATION string = location\noutput LEAK string = mediamagicApiKey',
      /exposes the @secure\(\) param mediamagicApiKey/,
    ],
    [
      'an unused param',
      'infra/main.bicep',
      "param resourceGroupName string = ''",
      "param resourceGroupName string = ''\nparam forgotten string = ''",
      /param forgotten is never used/,
    ],
    [
      'a module without a scope in a subscription-scoped file',
      'infra/main.bicep',
      "  name: 'identity'\n  scope: rg\n",
      "  name: 'identity'\n",
      /module identity deploys at resourceGroup scope from a subscription file/,
    ],
    [
      'a malformed resource type',
      'infra/app/identity.bicep',
      "'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31'",
      "'Microsoft.ManagedIdentity/userAssignedIdentities'",
      /malformed type/,
    ],
  ];

  test.each(cases)('%s', (_what, file, from, to, expected) => {
    const problems = lintProblems(new Infra(edited(sources, file, from, to)));
    expect(problems.join('\n')).toMatch(expected);
  });
});

describe('the lexer', () => {
  const lint = (source: string): string[] => lintProblems(new Infra(new Map([['infra/x.bicep', source]])));

  test('ignores brackets in strings and comments, but not in interpolations', () => {
    expect(lint("param a string\n// ) ] }\n/* { [ ( */\noutput b string = '(${a}]'\n")).toEqual([]);
    expect(lint("param a string\noutput b string = '${concat(a}'\n").join('\n')).toMatch(
      /never closed|closes/,
    );
  });

  test('reads escapes, nested interpolations and multi-line strings', () => {
    const [, , value] = lex("x = 'it\\'s ${f('}')} \\${no}'");
    expect(value?.kind).toBe('string');
    expect(value?.parts?.[0]).toBe("it's ");
    expect(value?.parts?.[2]).toBe(' ${no}');
    const [, , multi] = lex("x = '''\n{ unbalanced ${ not interpolated\n'''");
    expect(multi?.parts).toEqual(['\n{ unbalanced ${ not interpolated\n']);
  });
});
