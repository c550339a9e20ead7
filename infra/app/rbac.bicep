// Role assignments, each at the narrowest scope that works and each with the reason it is needed.
// Event Grid's own roles live next to its subscription in eventGrid.bicep.
//
// Nothing here is a control-plane role (Owner, Contributor, Storage Account Contributor): those can list
// account keys or change the resources; the app only needs to use the data.

param storageAccountName string
param keyVaultName string
param applicationInsightsName string

@description('Principal id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Object id of the operator or pipeline running azd; empty grants nothing.')
param principalId string

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string

// Built-in role definition ids: the same in every tenant.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

var grantOperator = !empty(principalId)

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// ---------------------------------------------------------------------------------------------------
// The app's identity

// Storage Blob Data Owner on the account, not Contributor: Contributor has no blob index tag permissions,
// and the app sets tags on source blobs and ledger records and queries them with Find Blobs by Tags
// (an account-level operation, so the scope cannot be narrowed to containers). Owner also covers the
// user-delegation key behind the short-lived read SAS of the server-side copy, the host's own
// containers (azure-webjobs-hosts, timer schedule status, leases) and reading the Flex deployment package.
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, appPrincipalId, storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor on the account: the queue trigger reads and deletes messages from the
// events queue and puts its hand-offs back on it (docs/design.md, "Hand-offs go back on the queue"), the
// host creates and writes its poison queue (<queue>-poison), and the Flex scale
// controller reads the queue length with the same identity. Account scope because the poison queue is
// created at run time.
resource appQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, appPrincipalId, storageQueueDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets User on the vault: read-only access to secret values, which is all that resolving
// the @Microsoft.KeyVault(...) app settings needs (keyVaultReferenceIdentity names this identity).
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher on Application Insights: with local auth disabled, telemetry is accepted
// only from an Entra identity holding this role.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------------
// The operator (optional): the CLI (`upload`, `status`, `backfill`, `resubmit`) and
// `az storage ... --auth-mode login` use the operator's own Entra login, since no account key exists.

// Blob Data Owner for the same reasons as the app: the CLI reads ledger records and tags, and backfill
// lists the source container and claims records.
resource operatorBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantOperator) {
  name: guid(storageAccount.id, principalId, storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: principalId
    principalType: principalType
  }
}

// Queue Data Contributor: to look at (and re-drive) messages in the events queue and its poison queue.
resource operatorQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantOperator) {
  name: guid(storageAccount.id, principalId, storageQueueDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: principalId
    principalType: principalType
  }
}

// Key Vault Secrets Officer: to store the webhook signing secret (`az keyvault secret set`) and to rotate
// it. In RBAC mode even the subscription owner cannot write a secret without a data-plane role.
resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantOperator) {
  name: guid(vault.id, principalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: principalId
    principalType: principalType
  }
}
