// Key Vault in RBAC mode: who may read or write a secret is an Azure role assignment (rbac.bicep), audited
// like every other, instead of a vault-local access policy.
//
// Secrets:
//   mediamagic-api-key          written here from the @secure() parameter on every provision.
//   mediamagic-webhook-secrets  written by the operator with `az keyvault secret set` after the webhook
//                               subscription exists (docs/deploy.md). Deliberately NOT declared here: a
//                               declaration would overwrite the operator's value on the next provision.

param name string
param location string
param tags object

@secure()
param mediamagicApiKey string

var apiKeySecretName = 'mediamagic-api-key'
var webhookSecretsSecretName = 'mediamagic-webhook-secrets'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // Soft delete cannot be turned off; the shortest retention lets `azd down --purge` and a re-deploy
    // with the same environment name reuse the vault name soon after.
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource apiKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: apiKeySecretName
  properties: {
    value: mediamagicApiKey
    contentType: 'MediaMagic API key (sk_live_… or sk_test_…)'
  }
}

output name string = vault.name
// Versioned: a new key from `azd provision` changes the app setting, which makes the platform resolve it
// again at once instead of serving the cached old key for up to 24 hours.
output apiKeyUri string = apiKeySecret.properties.secretUriWithVersion
// Versionless: the latest version the operator stored; refresh the references after storing one.
output webhookKeysUri string = '${vault.properties.vaultUri}secrets/${webhookSecretsSecretName}/'
