// The function app on Flex Consumption (FC1, Linux) running Node 22, and its app settings.
//
// The settings use exactly the names shared/config/settings.ts knows (SETTINGS); test/infra checks that
// every name set here is one the app reads (or a platform setting), and that every required one is set.
// Flex configures the runtime through functionAppConfig, so FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE must not appear (Flex rejects them).

param name string
param planName string
param location string
param tags object

@description('Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Client id of the app\'s user-assigned identity.')
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

@description('Key Vault secret URI of the MediaMagic API key (with version).')
param apiKeyUri string

@description('Key Vault secret URI of the webhook signing secrets (versionless).')
param webhookKeysUri string

param webhookKeysStored bool
param mediamagicApiBaseUrl string
param sourceContainerName string
param ledgerContainerName string
param resultsContainerName string
param blobEventsQueueName string
param ingestMode string
param pollSchedule string
param sweepSchedule string
param maximumInstanceCount int
param instanceMemoryMB int

// azd finds the app to deploy to by this tag; it must equal the service name in azure.yaml.
var azdServiceName = 'app'

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': azdServiceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity (the default would be a
    // system-assigned identity, which this app does not have).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// No publishing passwords: azd deploys with the operator's Entra token, so basic auth stays off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

// Identity-based host storage (config's `storage` group in identity form): no connection string exists,
// because the account accepts no shared key. The queue trigger (connection 'AzureWebJobsStorage') needs
// the queue service URI; host state, the ledger and the results need the blob service URI.
var storageSettings = {
  AzureWebJobsStorage__blobServiceUri: storageAccount.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storageAccount.properties.primaryEndpoints.queue
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
}

// Telemetry over Entra auth (Application Insights has local auth disabled). The SDKs' telemetry about
// themselves (statsbeat, SDK stats) goes to Microsoft, not to this resource: off, for the host's exporter as
// well as the app's (docs/operations.md).
var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true'
  APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true'
}

// The app's own settings. Secrets are Key Vault references only; the tuning settings not listed here
// (timeouts, budgets, concurrency, rate limits) keep the defaults in shared/config/settings.ts.
var appSettings = {
  MEDIAMAGIC_API_BASE_URL: mediamagicApiBaseUrl
  MEDIAMAGIC_API_KEY: '@Microsoft.KeyVault(SecretUri=${apiKeyUri})'
  SOURCE_CONTAINER: sourceContainerName
  BLOB_EVENTS_QUEUE: blobEventsQueueName
  LEDGER_CONTAINER: ledgerContainerName
  RESULTS_CONTAINER: resultsContainerName
  INGEST_MODE: ingestMode
  // The azd environment's schedule (or main.bicep's default); pollSubmissions registers the app's own
  // default when it is unset, so the timer runs either way.
  POLL_SCHEDULE: pollSchedule
  // Likewise for the reconciliation sweep (sweepSource registers its own default when unset).
  SWEEP_SCHEDULE: sweepSchedule
  // Flex Consumption runs the queue trigger, the timers and the webhook receiver in separate processes, and
  // scales the queue trigger out, all on one API key: pace and pause them as one fleet (docs/pacing.md,
  // "Fleet pacing" and "Fleet news"). Both use blobs in the ledger container (read, write, list with
  // metadata, delete), which Storage Blob Data Owner on the account (rbac.bicep) already grants.
  FLEET_NEWS: 'true'
  FLEET_PACING: 'true'
}

// Only once the secret exists (see webhookKeysStored in main.bicep): an unresolvable reference would
// stop the whole app at start-up, not just webhooks.
var webhookSettings = webhookKeysStored ? { MEDIAMAGIC_WEBHOOK_SECRETS: '@Microsoft.KeyVault(SecretUri=${webhookKeysUri})' } : {}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(storageSettings, monitoringSettings, appSettings, webhookSettings)
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
