// MediaMagic autosubmit on Azure Functions Flex Consumption: the entry point of `azd provision`.
//
// What it builds (docs/deploy.md walks through it):
//   storage account (shared keys off) ── BlobCreated in the source container ──► Event Grid system topic
//        ▲                                                                          │ StorageQueue delivery
//        │ identity-based AzureWebJobsStorage                                       ▼ (topic's own identity)
//   function app (FC1, Linux, Node 22) ◄── queue trigger ──────────────────── queue "blob-created"
//        │ user-assigned identity: storage data roles, Key Vault Secrets User, Metrics Publisher
//        ├── Key Vault (RBAC): mediamagic-api-key, mediamagic-webhook-secrets ── @Microsoft.KeyVault(...) settings
//        └── Application Insights (Entra auth only) + Log Analytics ── alert rules, action group, workbook
//
// Everything is a plain resource declaration in this folder (no registry modules): CI has no network to
// the Bicep registry, and a reader sees every property that is deployed.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource. Flex Consumption must be offered there (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@secure()
@description('The MediaMagic API key, sk_live_… or sk_test_…. Written only to Key Vault; the app reads it through a Key Vault reference.')
param mediamagicApiKey string

@description('MediaMagic Integrations API base URL (the config module has the same default).')
param mediamagicApiBaseUrl string = 'https://mm-midmarket-integrations-api-preview.azurewebsites.net'

// The webhook signing secret exists only after the app is deployed (its URL is needed to create the
// subscription), and the operator stores it in Key Vault by hand (docs/deploy.md, step 7). Pointing the
// setting at a secret that does not exist yet would leave an unresolved reference, and the app refuses to
// start on one, so the reference is added only once the operator says the secret is there.
@description('True once the mediamagic-webhook-secrets secret exists in the Key Vault. Until then webhooks are rejected and the polling timer tracks submissions.')
param webhookKeysStored bool = false

@description('The watched container: every committed block blob created in it is submitted.')
param sourceContainerName string = 'uploads'

@description('The container holding one ledger record per source blob.')
param ledgerContainerName string = 'mediamagic-ledger'

@description('The container results and failure reports are written to.')
param resultsContainerName string = 'mediamagic-results'

// At most 56 characters so that the host's poison queue, <name>-poison, is a valid queue name (63 at most).
@minLength(3)
@maxLength(56)
@description('The queue Event Grid delivers BlobCreated events to, and the queue trigger reads.')
param blobEventsQueueName string = 'blob-created'

@allowed([
  'copy'
  'passthrough'
])
@description('copy: server-side copy into a MediaMagic upload URL. passthrough: the source blobs already are MediaMagic storage paths.')
param ingestMode string = 'copy'

@description('Six-field NCRONTAB schedule of the polling timer (app setting POLL_SCHEDULE).')
param pollSchedule string = '0 */1 * * * *'

@description('Six-field NCRONTAB schedule of the reconciliation sweep (app setting SWEEP_SCHEDULE).')
param sweepSchedule string = '0 17 * * * *'

// MediaMagic's rate limits are per API key while the app paces per instance, so every extra instance
// adds load on the same buckets; keep this modest and lower it if 429s dominate.
@minValue(1)
@maxValue(1000)
@description('Most instances Flex Consumption may scale the app out to.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Memory per instance, in MB.')
param instanceMemoryMB int = 2048

@description('Object id of the person or pipeline running azd (azd fills it in). Gets data access so the CLI, az storage --auth-mode login and az keyvault secret set work. Empty: no access granted.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('What kind of principal principalId is.')
param principalType string = 'User'

@description('Where alert mail goes (the action group\'s one receiver). Empty: no receiver; the alerts still show in the portal.')
param alertEmail string = ''

@description('Resource group name; empty means rg-<environmentName>.')
param resourceGroupName string = ''

// A short hash that makes the globally unique names (storage, Key Vault, function app) unique per
// subscription + environment + region, and stable across re-deployments.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
// Flex Consumption deploys the app package from a blob container of the same account.
var deploymentContainerName = 'app-package'
// Events Event Grid could not deliver to the queue within its retry window land here instead of vanishing.
var deadLetterContainerName = 'eventgrid-deadletter'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

// Alert rules, the action group that mails them and the operations workbook (docs/operations.md, "Alerts").
module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    location: location
    tags: tags
    resourceToken: resourceToken
    alertEmail: alertEmail
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    sourceContainerName: sourceContainerName
    ledgerContainerName: ledgerContainerName
    resultsContainerName: resultsContainerName
    deadLetterContainerName: deadLetterContainerName
    blobEventsQueueName: blobEventsQueueName
  }
}

module keyVault 'app/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    mediamagicApiKey: mediamagicApiKey
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    principalId: principalId
    principalType: principalType
  }
}

module eventGrid 'app/eventGrid.bicep' = {
  name: 'eventGrid'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    sourceContainerName: sourceContainerName
    blobEventsQueueName: blobEventsQueueName
    deadLetterContainerName: deadLetterContainerName
  }
}

module functionApp 'app/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    apiKeyUri: keyVault.outputs.apiKeyUri
    webhookKeysUri: keyVault.outputs.webhookKeysUri
    webhookKeysStored: webhookKeysStored
    mediamagicApiBaseUrl: mediamagicApiBaseUrl
    sourceContainerName: sourceContainerName
    ledgerContainerName: ledgerContainerName
    resultsContainerName: resultsContainerName
    blobEventsQueueName: blobEventsQueueName
    ingestMode: ingestMode
    pollSchedule: pollSchedule
    sweepSchedule: sweepSchedule
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host starts as soon as the site exists; without its data roles it would fail its first storage
  // calls (role assignments also take a few minutes to propagate, which the host rides out with retries).
  dependsOn: [
    rbac
  ]
}

// azd stores these in the environment (`azd env get-value NAME`); docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output MEDIAMAGIC_SOURCE_CONTAINER string = sourceContainerName
// The route is receiveWebhook's `webhooks/mediamagic` under host.json's default `api` prefix.
output MEDIAMAGIC_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/mediamagic'
