/**
 * (d) Event Grid delivers the source container's BlobCreated events to the queue the app reads;
 * (e) shared-key access is off and everything authenticates with Entra ID; the identities get
 * exactly their least-privilege roles; the app runs on Flex Consumption with Node 22.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { topLevel } from './bicep/declarations.js';
import { Infra } from './bicep/infra.js';
import { edited, readInfraSources } from './bicep/sources.js';
import { property } from './bicep/syntax.js';
import { eventGridProblems } from './checks/eventGrid.js';
import { onlyResourceProperty, resources } from './checks/resources.js';
import { roleAssignments } from './checks/roleAssignments.js';
import { storageSecurityProblems } from './checks/storageSecurity.js';

const root = process.cwd();
const sources = readInfraSources(root);
const infra = new Infra(sources);
const broken = (file: string, from: string, to: string): Infra => new Infra(edited(sources, file, from, to));
const EVENT_GRID = 'infra/app/eventGrid.bicep';

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};
/** Control-plane roles: they can read account keys or change resources. */
const BROAD_ROLES = [
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', // Owner
  'b24988ac-6180-42a0-ab88-20f7382dd24c', // Contributor
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', // User Access Administrator
  '17d1049b-9a84-46fb-8f53-869881c3d3ab', // Storage Account Contributor
  '81a9662b-bebf-436f-a333-f67b29880f12', // Storage Account Key Operator Service Role
];

describe('Event Grid', () => {
  test('delivers BlobCreated of the source container, committed block blobs only, to the BLOB_EVENTS_QUEUE queue', () => {
    expect(eventGridProblems(infra)).toEqual([]);
  });

  test.each([
    [
      'a prefix that also matches "<source>-archive"',
      "'/blobServices/default/containers/${sourceContainerName}/'",
      "'/blobServices/default/containers/${sourceContainerName}'",
      /subjectBeginsWith "\/blobServices\/default\/containers\/uploads\/"/,
    ],
    [
      'another queue than the app reads',
      'queueName: blobEventsQueueName',
      "queueName: 'blob-events'",
      /delivers to queue "blob-events" but BLOB_EVENTS_QUEUE is "blob-created"/,
    ],
    [
      'a missing API in the data.api filter',
      "            'CopyBlob'\n",
      '',
      /advancedFilters StringIn data.api/,
    ],
    [
      'a webhook instead of the queue',
      "endpointType: 'StorageQueue'",
      "endpointType: 'WebHook'",
      /must deliver to a StorageQueue/,
    ],
    [
      'other event types',
      "'Microsoft.Storage.BlobCreated'",
      "'Microsoft.Storage.BlobDeleted'",
      /exactly Microsoft.Storage.BlobCreated/,
    ],
    [
      'delivery before the queue role exists',
      '    topicQueueSender\n',
      '',
      /must dependsOn topicQueueSender/,
    ],
    [
      'no queue role for the topic',
      "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)",
      "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)",
      /no Storage Queue Data Message Sender role/,
    ],
  ])('check reports %s', (_what, from, to, expected) => {
    expect(eventGridProblems(broken(EVENT_GRID, from, to)).join('\n')).toMatch(expected);
  });

  test('check reports a container the settings name but storage does not create', () => {
    const infra = broken('infra/app/storage.bicep', '  resultsContainerName\n', '');
    expect(eventGridProblems(infra).join('\n')).toMatch(
      /RESULTS_CONTAINER container "mediamagic-results" is not created/,
    );
  });
});

describe('storage and secrets', () => {
  test('shared-key access is off, no key or SAS is read anywhere, deployment uses the identity', () => {
    expect(storageSecurityProblems(infra)).toEqual([]);
  });

  test('Key Vault uses RBAC and Application Insights accepts Entra auth only', () => {
    expect(
      onlyResourceProperty(infra, 'Microsoft.KeyVault/vaults', 'properties', 'enableRbacAuthorization'),
    ).toBe(true);
    expect(
      onlyResourceProperty(infra, 'Microsoft.Insights/components', 'properties', 'DisableLocalAuth'),
    ).toBe(true);
  });

  test.each([
    [
      'shared keys on',
      'allowSharedKeyAccess: false',
      'allowSharedKeyAccess: true',
      /allowSharedKeyAccess: false/,
    ],
    [
      'public blobs',
      'allowBlobPublicAccess: false',
      'allowBlobPublicAccess: true',
      /allowBlobPublicAccess: false/,
    ],
    ['old TLS', "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'", /TLS1_2/],
    ['a hierarchical namespace', 'isHnsEnabled: false', 'isHnsEnabled: true', /index tags/],
    [
      'reading account keys',
      'output name string = storageAccount.name',
      'output name string = storageAccount.listKeys().keys[0].value',
      /listKeys\(\) reads shared keys/,
    ],
  ])('check reports %s', (_what, from, to, expected) => {
    expect(storageSecurityProblems(broken('infra/app/storage.bicep', from, to)).join('\n')).toMatch(expected);
  });
});

describe('role assignments', () => {
  const assignments = roleAssignments(infra);
  const rolesOf = (principal: string): string[] =>
    assignments
      .filter((a) => a.principal === principal)
      .map((a) => a.roleId)
      .sort();

  test("give the app's identity exactly its four data roles", () => {
    expect(rolesOf('identity.outputs.principalId')).toEqual(
      [
        ROLE.storageBlobDataOwner,
        ROLE.storageQueueDataContributor,
        ROLE.keyVaultSecretsUser,
        ROLE.monitoringMetricsPublisher,
      ].sort(),
    );
  });

  test("give Event Grid's identity only queue send and dead-letter write", () => {
    expect(rolesOf('systemTopic.identity.principalId')).toEqual(
      [ROLE.storageQueueDataMessageSender, ROLE.storageBlobDataContributor].sort(),
    );
  });

  test('give the operator data access and secret writing, nothing more', () => {
    expect(rolesOf('principalId')).toEqual(
      [ROLE.storageBlobDataOwner, ROLE.storageQueueDataContributor, ROLE.keyVaultSecretsOfficer].sort(),
    );
  });

  test('use no control-plane role and always state the principal type', () => {
    expect(assignments.length).toBeGreaterThan(0);
    for (const a of assignments) {
      expect(BROAD_ROLES, `${a.file.path} ${a.name}`).not.toContain(a.roleId);
      expect(a.principalType, `${a.file.path} ${a.name}`).toBeDefined();
    }
  });
});

describe('the function app', () => {
  const site = (...keys: string[]): unknown => onlyResourceProperty(infra, 'Microsoft.Web/sites', ...keys);

  test('runs on Flex Consumption (FC1, Linux)', () => {
    expect(onlyResourceProperty(infra, 'Microsoft.Web/serverfarms', 'sku')).toEqual({
      tier: 'FlexConsumption',
      name: 'FC1',
    });
    expect(onlyResourceProperty(infra, 'Microsoft.Web/serverfarms', 'properties', 'reserved')).toBe(true);
    expect(site('kind')).toBe('functionapp,linux');
  });

  test("runs Node at the major version package.json's engines asks for", () => {
    const engines = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { engines: { node: string } })
      .engines.node;
    const major = /(\d+)/.exec(engines)?.[1];
    expect(site('properties', 'functionAppConfig', 'runtime')).toEqual({ name: 'node', version: major });
  });

  test('resolves Key Vault references with its user-assigned identity', () => {
    const [app] = resources(infra, 'Microsoft.Web/sites');
    expect(app && property(app.body, 'properties', 'keyVaultReferenceIdentity')?.map((t) => t.text)).toEqual([
      'identityId',
    ]);
  });

  test('carries the azd-service-name tag azure.yaml deploys to', () => {
    const file = infra.file('infra/app/functionApp.bicep');
    const tagName = topLevel(file, 'azdServiceName', 'var');
    expect(tagName && infra.evaluate(file, tagName.value)).toBe('app');
  });

  test("exposes the webhook URL at receiveWebhook's route under host.json's prefix", () => {
    const route = /route:\s*'([^']+)'/.exec(fs.readFileSync('functions/receiveWebhook.ts', 'utf8'))?.[1];
    const host = JSON.parse(fs.readFileSync('host.json', 'utf8')) as {
      extensions?: { http?: { routePrefix?: string } };
    };
    const prefix = host.extensions?.http?.routePrefix ?? 'api';
    const output = topLevel(infra.file('infra/main.bicep'), 'MEDIAMAGIC_WEBHOOK_URL', 'output');
    const parts = output?.value.find((t) => t.kind === 'string')?.parts ?? [];
    expect(parts[0]).toBe('https://');
    expect(parts[parts.length - 1]).toBe(`/${prefix}/${route}`);
  });
});
