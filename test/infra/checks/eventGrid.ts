/**
 * (d) Event Grid → queue wiring: the blob-created subscription filters the SOURCE_CONTAINER the app reads,
 * delivers with its own identity to the BLOB_EVENTS_QUEUE the app listens on, and only after it may send.
 */
import type { Infra, Value } from '../bicep/infra.js';
import { elements, property, textOf } from '../bicep/syntax.js';
import { appSettings, settingValue } from './appSettings.js';
import { type Resource, resourceNames, resources } from './resources.js';
import { roleAssignments } from './roleAssignments.js';

const BLOB_CREATED_APIS = ['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose'];
const QUEUE_DATA_MESSAGE_SENDER = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a';

/** What is wrong with the Event Grid subscription, the queue and containers it names, and its role. */
export function eventGridProblems(infra: Infra): string[] {
  const problems: string[] = [];
  const settings = new Map(appSettings(infra).map((s) => [s.name, s]));
  const source = settingValue(infra, settings.get('SOURCE_CONTAINER'));
  const queue = settingValue(infra, settings.get('BLOB_EVENTS_QUEUE'));
  if (typeof source !== 'string')
    problems.push('SOURCE_CONTAINER is not set to a constant the template knows');
  if (typeof queue !== 'string')
    problems.push('BLOB_EVENTS_QUEUE is not set to a constant the template knows');

  const subscriptions = resources(infra, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
  if (subscriptions.length !== 1)
    return [...problems, `expected one system topic event subscription, found ${subscriptions.length}`];
  const [subscription] = subscriptions;
  if (!subscription) return problems;
  const at = `${subscription.file.path}: event subscription ${subscription.decl.name}`;
  const get = (...keys: string[]): Value | undefined => {
    const tokens = property(subscription.body, 'properties', ...keys);
    return tokens === undefined ? undefined : infra.evaluate(subscription.file, tokens);
  };

  const types = get('filter', 'includedEventTypes');
  if (JSON.stringify(types) !== JSON.stringify(['Microsoft.Storage.BlobCreated'])) {
    problems.push(`${at} must include exactly Microsoft.Storage.BlobCreated (has ${JSON.stringify(types)})`);
  }
  const subject = get('filter', 'subjectBeginsWith');
  const wanted = `/blobServices/default/containers/${typeof source === 'string' ? source : '?'}/`;
  if (subject !== wanted) {
    problems.push(
      `${at} must filter subjectBeginsWith ${JSON.stringify(wanted)} (has ${JSON.stringify(subject)})`,
    );
  }
  const filters = get('filter', 'advancedFilters');
  const apiFilter = Array.isArray(filters)
    ? (filters as Value[]).filter(isRecord).find((f) => f.key === 'data.api')
    : undefined;
  const apis = Array.isArray(apiFilter?.values) ? [...(apiFilter.values as Value[])].sort() : [];
  if (
    apiFilter?.operatorType !== 'StringIn' ||
    JSON.stringify(apis) !== JSON.stringify([...BLOB_CREATED_APIS].sort())
  ) {
    problems.push(`${at} needs advancedFilters StringIn data.api ${BLOB_CREATED_APIS.join('/')}`);
  }

  if (property(subscription.body, 'properties', 'destination') !== undefined) {
    problems.push(
      `${at} must deliver with deliveryWithResourceIdentity (shared keys are off), not destination`,
    );
  }
  const endpoint = get('deliveryWithResourceIdentity', 'destination', 'endpointType');
  if (endpoint !== 'StorageQueue')
    problems.push(`${at} must deliver to a StorageQueue (has ${JSON.stringify(endpoint)})`);
  const identity = get('deliveryWithResourceIdentity', 'identity', 'type');
  if (identity !== 'SystemAssigned') problems.push(`${at} must deliver with the system topic's identity`);
  const queueName = get('deliveryWithResourceIdentity', 'destination', 'properties', 'queueName');
  if (queueName !== queue) {
    problems.push(
      `${at} delivers to queue ${JSON.stringify(queueName)} but BLOB_EVENTS_QUEUE is ${JSON.stringify(queue)}`,
    );
  }

  // The queue and the containers the settings name must exist.
  const queues = resources(infra, 'Microsoft.Storage/storageAccounts/queueServices/queues').flatMap((r) =>
    resourceNames(infra, r),
  );
  if (!queues.includes(queue ?? null))
    problems.push(`no queue ${JSON.stringify(queue)} is created (has ${JSON.stringify(queues)})`);
  const containers = resources(infra, 'Microsoft.Storage/storageAccounts/blobServices/containers').flatMap(
    (r) => resourceNames(infra, r),
  );
  for (const name of ['SOURCE_CONTAINER', 'LEDGER_CONTAINER', 'RESULTS_CONTAINER']) {
    const container = settingValue(infra, settings.get(name));
    if (!containers.includes(container ?? null))
      problems.push(`${name} container ${JSON.stringify(container)} is not created`);
  }

  // Event Grid's identity may send to the queue before the subscription starts delivering.
  const topicPrincipal = `${topicOf(subscription)}.identity.principalId`;
  const senders = roleAssignments(infra).filter(
    (r) =>
      r.file === subscription.file &&
      r.roleId === QUEUE_DATA_MESSAGE_SENDER &&
      r.principal === topicPrincipal,
  );
  if (senders.length === 0)
    problems.push(`${at}: the system topic's identity has no Storage Queue Data Message Sender role`);
  const dependsOn = property(subscription.body, 'dependsOn');
  const waitsFor = dependsOn ? elements(dependsOn).map((e) => textOf(e)) : [];
  for (const sender of senders) {
    if (!waitsFor.includes(sender.name))
      problems.push(`${at} must dependsOn ${sender.name} (its queue role)`);
  }
  return problems;
}

function isRecord(value: Value): value is { readonly [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The symbol of the system topic a subscription hangs off (`parent: systemTopic`). */
function topicOf(subscription: Resource): string {
  const parent = property(subscription.body, 'parent');
  return parent ? textOf(parent) : '';
}
