// The app's user-assigned managed identity. User-assigned rather than system-assigned because its roles
// (rbac.bicep) must exist before the function app starts, and because Flex reads the deployment package and
// resolves Key Vault references with it from the first boot.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
