// BlobCreated events of the source container → the storage queue the app's queue trigger reads
// (docs/design.md, decision 1: metadata only, durable buffering, a poison queue, no 30 s webhook timeout).
//
// Because the destination is a queue, not the app's blob-extension webhook, the subscription can be
// created here, before any code is deployed: no post-deploy script and no function key are involved.
// Event Grid authenticates to the queue with the system topic's own identity (shared keys are off).

param name string
param location string
param tags object
param storageAccountName string
param sourceContainerName string
param blobEventsQueueName string
param deadLetterContainerName string

// Built-in role definition ids: the same in every tenant.
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource blobEventsQueue 'queues' existing = {
      name: blobEventsQueueName
    }
  }

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

// One system topic per storage account; its managed identity is what delivers to the queue.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storageAccount.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Storage Queue Data Message Sender, scoped to the one events queue: Event Grid can add messages to it
// and do nothing else (it cannot read, delete, or touch any other queue).
resource topicQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount::queueService::blobEventsQueue.id, systemTopic.id, storageQueueDataMessageSender)
  scope: storageAccount::queueService::blobEventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Blob Data Contributor, scoped to the dead-letter container only: Event Grid writes the events
// it gave up on there, and can write nowhere else.
resource topicDeadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount::blobService::deadLetterContainer.id, systemTopic.id, storageBlobDataContributor)
  scope: storageAccount::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource blobCreatedToQueue 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'blob-created-to-queue'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      // The trailing slash matters: without it a container named "<source>-archive" would match too.
      subjectBeginsWith: '/blobServices/default/containers/${sourceContainerName}/'
      // Only operations that leave a committed block blob: PutBlock alone, append and page writes never
      // reach the app (it checks data.api again, because filters can be changed by hand).
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.api'
          values: [
            'PutBlob'
            'PutBlockList'
            'CopyBlob'
            'FlushWithClose'
          ]
        }
      ]
    }
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storageAccount.id
          queueName: blobEventsQueueName
          // Never expire a queued event: if the app is stopped for a week, its backlog waits for it.
          queueMessageTimeToLiveInSeconds: -1
        }
      }
    }
    // Event Grid's defaults, stated: retry for a day, then dead-letter (never drop).
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccount.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
  // Event Grid starts delivering as soon as the subscription exists; its identity needs its roles first.
  dependsOn: [
    topicQueueSender
    topicDeadLetterWriter
  ]
}

output systemTopicName string = systemTopic.name
output subscriptionName string = blobCreatedToQueue.name
