// Log Analytics + workspace-based Application Insights. Local (instrumentation-key) auth is disabled, so
// only callers with an Entra token and Monitoring Metrics Publisher (the app's identity, rbac.bicep) can
// send telemetry; the app authenticates through APPLICATIONINSIGHTS_AUTHENTICATION_STRING.

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    retentionInDays: 30
    sku: {
      name: 'PerGB2018'
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
// The alert rules and the workbook query this workspace (alerts.bicep).
output logAnalyticsName string = logAnalytics.name
