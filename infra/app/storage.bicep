// The one storage account: Functions host state, the Flex deployment package, the watched source
// container, the ledger, the results, the BlobCreated queue and Event Grid's dead letters.
//
// Every caller authenticates with Entra ID: the app with its managed identity, Event Grid with the system
// topic's identity, operators with `--auth-mode login`. Shared keys (and with them connection strings and
// account SAS) are switched off, so a leaked key cannot exist.

param name string
param location string
param tags object
param deploymentContainerName string
param sourceContainerName string
param ledgerContainerName string
param resultsContainerName string
param deadLetterContainerName string
param blobEventsQueueName string

var containerNames = [
  deploymentContainerName
  sourceContainerName
  ledgerContainerName
  resultsContainerName
  deadLetterContainerName
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // The portal and Storage Explorer then use Entra ID too instead of asking for a key that is disabled.
    defaultToOAuthAuthentication: true
    // Blob index tags (the ledger's work index, the state tags on source blobs) are not available on
    // accounts with a hierarchical namespace.
    isHnsEnabled: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      // A deleted container can be restored for a week. Blob soft delete stays off on purpose: every ledger
      // update overwrites its record, and each overwrite would keep a soft-deleted snapshot.
      containerDeleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource containers 'containers' = [
      for containerName in containerNames: {
        name: containerName
        properties: {
          publicAccess: 'None'
        }
      }
    ]
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource blobEventsQueue 'queues' = {
      name: blobEventsQueueName
    }
  }
}

output name string = storageAccount.name
output blobEndpoint string = storageAccount.properties.primaryEndpoints.blob
output queueEndpoint string = storageAccount.properties.primaryEndpoints.queue
