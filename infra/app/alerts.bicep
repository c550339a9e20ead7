// Alert rules over what the app logs and the metrics it emits, an action group that mails them, and the
// operations workbook. Every rule is a log search alert on the Log Analytics workspace behind Application
// Insights (workspace-based: the app's lines land in AppTraces, its metrics in AppMetrics). The queries sit
// beside this file (alerts/*.kql, workbook.json) so they can be reviewed as queries; every name they use
// comes from shared/telemetry/names.ts, which test/infra/queryNames.test.ts checks. What each alert means
// and what to do about it: docs/operations.md, "Alerts".

param logAnalyticsName string
param location string
param tags object
param resourceToken string

@description('Where alert mail goes. Empty: the action group has no receiver (the alerts still show in the portal).')
param alertEmail string = ''

// The heartbeat rule's period and the run budget; keep them at POLL_SCHEDULE's period (every minute by
// default) and POLL_BUDGET_SECONDS (240 by default).
@minValue(1)
@maxValue(60)
@description('Minutes between polling timer runs (POLL_SCHEDULE); the heartbeat fires after three of them without a run.')
param pollPeriodMinutes int = 1

@minValue(1)
@description('POLL_BUDGET_SECONDS: a run with a backlog works this long before it logs, so silence is at least this plus one period.')
param pollBudgetSeconds int = 240

@minValue(1)
@description('Dead-lettered files in an hour above which the dead-letter alert fires.')
param deadLettersPerHour int = 5

@minValue(1)
@maxValue(100)
@description('Percentage of a bucket\'s attempts answered 429 over 15 minutes above which the rate-limit alert fires.')
param rateLimitedPercent int = 20

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${resourceToken}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'mediamagic'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// The heartbeat's period and budget come from the parameters; the query file holds the defaults.
var pollSilentQuery = replace(replace(loadTextContent('alerts/pollSilent.kql'), 'let period = 1m;', 'let period = ${pollPeriodMinutes}m;'), 'let budget = 240s;', 'let budget = ${pollBudgetSeconds}s;')

// One entry per rule. Severity: 0 critical (nothing moves), 1 error (files wait for a person), 2 warning
// (files still move, more slowly or with losses). Frequency and window are ISO 8601 durations; every
// window is longer than its frequency, so a line that reaches the workspace a few minutes late still falls
// in some evaluation (an alert already fired stays fired: it is not sent twice).
var rules = [
  {
    name: 'needs-person'
    displayName: 'MediaMagic: a file needs a person (ALERT line or stuck record)'
    description: 'Any ALERT: line, or any record moved to stuck. docs/operations.md, "Alert: needs a person".'
    severity: 1
    frequency: 'PT5M'
    window: 'PT10M'
    query: loadTextContent('alerts/needsPerson.kql')
    measure: ''
    aggregation: 'Count'
    threshold: 0
    dimension: ''
  }
  {
    name: 'dead-letters'
    displayName: 'MediaMagic: dead-lettered files above ${deadLettersPerHour} an hour'
    description: 'Files dead-lettered in the last hour. docs/operations.md, "Alert: dead-letters".'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    query: loadTextContent('alerts/deadLetters.kql')
    measure: 'deadLettered'
    aggregation: 'Total'
    threshold: deadLettersPerHour
    dimension: ''
  }
  {
    name: 'poison-backlog'
    displayName: 'MediaMagic: BlobCreated poison queue not drained'
    description: 'The recovery run left poison messages in the queue, or could not read it. docs/operations.md, "Alert: poison backlog".'
    severity: 1
    frequency: 'PT1H'
    window: 'PT2H'
    query: loadTextContent('alerts/poisonBacklog.kql')
    measure: ''
    aggregation: 'Count'
    threshold: 0
    dimension: ''
  }
  {
    name: 'poll-silent'
    displayName: 'MediaMagic: polling timer silent'
    description: 'No pollSubmissions: line for three schedule periods (or the run budget and a period). docs/operations.md, "Alert: polling timer silent".'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: pollSilentQuery
    measure: ''
    aggregation: 'Count'
    threshold: 0
    dimension: ''
  }
  {
    name: 'blocked'
    displayName: 'MediaMagic: API key or plan refused (401/402)'
    description: 'Records moved to blocked. docs/operations.md, "Alert: key or plan blocked".'
    severity: 0
    frequency: 'PT5M'
    window: 'PT10M'
    query: loadTextContent('alerts/blocked.kql')
    measure: 'blocked'
    aggregation: 'Total'
    threshold: 0
    dimension: ''
  }
  {
    name: 'breaker-open'
    displayName: 'MediaMagic: circuit breaker open for five minutes'
    description: 'The API host\'s breaker not closed on an instance for five minutes. docs/operations.md, "Alert: breaker open".'
    severity: 1
    frequency: 'PT5M'
    window: 'PT10M'
    query: loadTextContent('alerts/breakerOpen.kql')
    measure: ''
    aggregation: 'Count'
    threshold: 0
    dimension: 'apiHost'
  }
  {
    name: 'rate-limited'
    displayName: 'MediaMagic: 429 share above ${rateLimitedPercent} %'
    description: 'A bucket\'s attempts answered 429 over 15 minutes. docs/operations.md, "Alert: 429 share".'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    query: loadTextContent('alerts/rateLimitedShare.kql')
    measure: 'rateLimitedPercent'
    aggregation: 'Maximum'
    threshold: rateLimitedPercent
    dimension: 'bucket'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'alert-${rule.name}-${resourceToken}'
    location: location
    tags: tags
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      scopes: [
        logAnalytics.id
      ]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            // Count rules count rows; the others aggregate a column the query computes.
            metricMeasureColumn: empty(rule.measure) ? null : rule.measure
            operator: 'GreaterThan'
            threshold: rule.threshold
            dimensions: empty(rule.dimension) ? [] : [
              {
                name: rule.dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      // Resolved when the condition clears, so a fixed cause closes its alert.
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

// The workbook's parts query the same workspace; its JSON is the portal's own format (workbook.json).
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'mediamagic-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'MediaMagic autosubmit: operations'
    category: 'workbook'
    sourceId: logAnalytics.id
    // Opened from the workbook gallery (no resource picked) its parts query this workspace.
    serializedData: replace(loadTextContent('workbook.json'), '"fallbackResourceIds": []', '"fallbackResourceIds": ["${logAnalytics.id}"]')
  }
}

output actionGroupName string = actionGroup.name
output workbookName string = workbook.name
