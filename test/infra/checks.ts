/**
 * What infra/ must guarantee about the app's wiring, as functions returning problems (empty = fine), so
 * the tests can run them on the real files and on deliberately broken copies of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../shared/config/settings.js';
import { type BicepFile, type Declaration, bodyOf, loopOf } from './bicep/declarations.js';
import type { Infra, Value } from './bicep/infra.js';
import {
  Unresolvable,
  elements,
  entries,
  isPunct,
  matching,
  property,
  textOf,
  trim,
} from './bicep/syntax.js';
import type { Token } from './bicep/tokens.js';

// ---------------------------------------------------------------------------------------------------
// Reading the model

export interface Resource {
  readonly file: BicepFile;
  readonly decl: Declaration;
  readonly body: readonly Token[];
}

/** Resources of `type` (full type, no API version), declared or — with `existing: true` — referenced. */
export function resources(infra: Infra, type: string, options: { existing?: boolean } = {}): Resource[] {
  const found: Resource[] = [];
  for (const file of infra.files.values()) {
    for (const decl of file.declarations) {
      const matches = decl.kind === 'resource' && decl.target !== undefined && typeOf(file, decl) === type;
      const body = matches ? bodyOf(decl.value) : undefined;
      if (body && decl.existing === (options.existing ?? false)) found.push({ file, decl, body });
    }
  }
  return found;
}

/**
 * The full type of a resource without its API version; a nested child ('containers') gets its parents'
 * types prepended, so 'Microsoft.Storage/storageAccounts/blobServices/containers'.
 */
function typeOf(file: BicepFile, decl: Declaration): string {
  const own = (decl.target ?? '').split('@')[0] ?? '';
  if (own.includes('/')) return own;
  const index = file.declarations.indexOf(decl);
  const parent = file.declarations
    .slice(0, index)
    .reverse()
    .find((d) => d.kind === 'resource' && d.depth < decl.depth);
  return parent ? `${typeOf(file, parent)}/${own}` : own;
}

/** The names a resource declaration creates (one, or one per element of a `[for x in xs: {name: x}]`). */
export function resourceNames(infra: Infra, resource: Resource): Value[] {
  const name = property(resource.body, 'name');
  if (name === undefined) return [];
  const loop = loopOf(resource.decl.value);
  const [only] = trim(name);
  if (loop && trim(name).length === 1 && only?.text === loop.variable) {
    const values = infra.evaluate(resource.file, loop.iterable);
    return Array.isArray(values) ? [...(values as Value[])] : [];
  }
  return [infra.evaluate(resource.file, name)];
}

export interface AppSetting {
  readonly name: string;
  readonly file: BicepFile;
  readonly value: readonly Token[];
  /** Set only on one branch of a `cond ? {…} : {…}`. */
  readonly conditional: boolean;
}

/** The settings of the one `Microsoft.Web/sites/config` 'appsettings' resource. */
export function appSettings(infra: Infra): AppSetting[] {
  const configs = resources(infra, 'Microsoft.Web/sites/config').filter((r) => {
    const name = property(r.body, 'name');
    return name !== undefined && infra.evaluate(r.file, name) === 'appsettings';
  });
  if (configs.length !== 1) throw new Error(`expected one appsettings resource, found ${configs.length}`);
  const [config] = configs;
  const properties = config && property(config.body, 'properties');
  if (!config || !properties) throw new Error('the appsettings resource has no properties');
  const settings: AppSetting[] = [];
  collectSettings(config.file, properties, false, settings);
  return settings;
}

/** Object literals, vars holding them, `union(…)` of those, and `cond ? a : b` (both branches, conditional). */
function collectSettings(
  file: BicepFile,
  expression: readonly Token[],
  conditional: boolean,
  out: AppSetting[],
): void {
  const expr = trim(expression);
  const [first] = expr;
  const question = expr.findIndex((t, i) => isPunct(t, '?') && depthAt(expr, i) === 0);
  if (question !== -1) {
    const colon = expr.findIndex((t, i) => i > question && isPunct(t, ':') && depthAt(expr, i) === 0);
    collectSettings(file, expr.slice(question + 1, colon), true, out);
    collectSettings(file, expr.slice(colon + 1), true, out);
  } else if (isPunct(first, '{')) {
    for (const [name, value] of entries(expr)) out.push({ name, file, value, conditional });
  } else if (first?.kind === 'ident' && expr.length === 1) {
    const variable = file.declarations.find((d) => d.kind === 'var' && d.name === first.text);
    if (!variable) throw new Unresolvable(`${file.path}:${first.line}: ${first.text} is not a var`);
    collectSettings(file, variable.value, conditional, out);
  } else if (first?.text === 'union' && isPunct(expr[1], '(') && matching(expr, 1) === expr.length - 1) {
    for (const arg of splitArgs(expr.slice(2, -1))) collectSettings(file, arg, conditional, out);
  } else {
    throw new Unresolvable(`${file.path}:${first?.line}: cannot list the settings in ${textOf(expr)}`);
  }
}

function depthAt(tokens: readonly Token[], index: number): number {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    const t = tokens[i];
    if (t?.kind !== 'punct') continue;
    if ('([{'.includes(t.text)) depth++;
    if (')]}'.includes(t.text)) depth--;
  }
  return depth;
}

function splitArgs(tokens: readonly Token[]): Token[][] {
  const args: Token[][] = [[]];
  tokens.forEach((t, i) => {
    if (isPunct(t, ',') && depthAt(tokens, i) === 0) args.push([]);
    else args[args.length - 1]?.push(t);
  });
  return args.map((a) => [...trim(a)]);
}

/** The constant value of an app setting, or undefined when it is only known at deployment time. */
export function settingValue(infra: Infra, setting: AppSetting | undefined): Value | undefined {
  if (setting === undefined) return undefined;
  try {
    return infra.evaluate(setting.file, setting.value);
  } catch (error) {
    if (error instanceof Unresolvable) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// (c) App settings against shared/config/settings.ts

/** Settings the platform reads rather than the app; anything else must be a name in SETTINGS. */
const PLATFORM_SETTINGS = [
  /^APPLICATIONINSIGHTS_[A-Z_]+$/,
  /^AzureWebJobsStorage__(blobServiceUri|queueServiceUri|tableServiceUri|credential|clientId)$/,
  /^AzureFunctionsJobHost__\w+$/,
];

/** Settings Flex Consumption rejects or that would bring shared-key access back. */
const FORBIDDEN_SETTINGS: Record<string, string> = {
  FUNCTIONS_WORKER_RUNTIME: 'Flex sets the runtime in functionAppConfig.runtime',
  FUNCTIONS_EXTENSION_VERSION: 'Flex fixes the host version',
  WEBSITE_RUN_FROM_PACKAGE: 'Flex deploys from functionAppConfig.deployment.storage',
  WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: 'Flex has no content share',
  WEBSITE_CONTENTSHARE: 'Flex has no content share',
  AzureWebJobsStorage: 'a connection string needs a shared key, which the account does not accept',
};

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(SecretUri=.+\)$/;

export function settingNameProblems(infra: Infra): string[] {
  const known = new Set(SETTINGS.map((s) => s.name));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const setting of appSettings(infra)) {
    const where = `${setting.file.path}: app setting ${setting.name}`;
    const forbidden = FORBIDDEN_SETTINGS[setting.name];
    if (forbidden) problems.push(`${where} must not be set: ${forbidden}`);
    else if (!known.has(setting.name) && !PLATFORM_SETTINGS.some((p) => p.test(setting.name))) {
      problems.push(
        `${where} is not a setting shared/config/settings.ts knows (SETTINGS) nor a platform setting`,
      );
    }
    if (seen.has(setting.name) && !setting.conditional) problems.push(`${where} is set twice`);
    seen.add(setting.name);
  }
  return problems;
}

/** Names of app settings the Functions host must resolve for a binding (`'%NAME%'` in functions/*.ts). */
export function boundSettingNames(root: string): string[] {
  const dir = path.join(root, 'functions');
  const names = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    for (const match of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/['"`]%(\w+)%['"`]/g)) {
      if (match[1]) names.add(match[1]);
    }
  }
  return [...names];
}

export function requiredSettingProblems(infra: Infra, boundNames: readonly string[]): string[] {
  const set = new Map(appSettings(infra).map((s) => [s.name, s]));
  const required = new Map<string, string>();
  for (const s of SETTINGS) if (s.required) required.set(s.name, 'required by shared/config/settings.ts');
  // The storage group in its identity form: the account accepts no connection string.
  for (const s of SETTINGS.filter((s) => s.requiredGroup === 'storage' && s.name.includes('__'))) {
    required.set(s.name, 'the identity form of the storage group');
  }
  required.set('AzureWebJobsStorage__credential', 'identity-based host storage');
  required.set('AzureWebJobsStorage__clientId', 'the host must use the user-assigned identity');
  for (const name of boundNames) required.set(name, `bound as %${name}% by a function`);
  const problems: string[] = [];
  for (const [name, why] of required) {
    const setting = set.get(name);
    if (setting === undefined) problems.push(`app setting ${name} is not set (${why})`);
    else if (setting.conditional) problems.push(`app setting ${name} is set only conditionally (${why})`);
  }
  return problems;
}

/** Secret settings must be Key Vault references, never values in the template. */
export function secretSettingProblems(infra: Infra): string[] {
  const secret = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name));
  return appSettings(infra)
    .filter((s) => secret.has(s.name))
    .filter((s) => {
      const [only, ...rest] = trim(s.value);
      const written = only?.kind === 'string' && rest.length === 0 ? only.text.slice(1, -1) : '';
      return !KEY_VAULT_REFERENCE.test(written);
    })
    .map(
      (s) =>
        `${s.file.path}: app setting ${s.name} is a secret and must be '@Microsoft.KeyVault(SecretUri=…)'`,
    );
}

/**
 * The environment the app would see with the template's defaults, for loadConfig. Values only known at
 * deployment time (endpoints, the identity, Key Vault references) are replaced by valid stand-ins; the
 * stand-ins are chosen per setting so that a wrong constant in the template still fails.
 */
export function deployedEnvironment(infra: Infra): Record<string, string> {
  const standIns: Record<string, string> = {
    AzureWebJobsStorage__blobServiceUri: 'https://standin.blob.core.windows.net/',
    AzureWebJobsStorage__queueServiceUri: 'https://standin.queue.core.windows.net/',
    AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000000',
    MEDIAMAGIC_API_KEY: 'sk_test_standin',
    MEDIAMAGIC_WEBHOOK_SECRETS: 'whsec_c3RhbmRpbg==',
  };
  const env: Record<string, string> = {};
  for (const setting of appSettings(infra)) {
    const value = settingValue(infra, setting);
    if (typeof value === 'string' || typeof value === 'number') env[setting.name] = String(value);
    else if (standIns[setting.name] !== undefined) env[setting.name] = standIns[setting.name] ?? '';
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------
// (d) Event Grid → queue wiring

const BLOB_CREATED_APIS = ['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose'];
const QUEUE_DATA_MESSAGE_SENDER = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a';

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

// ---------------------------------------------------------------------------------------------------
// Roles

export interface RoleAssignment {
  readonly name: string;
  readonly file: BicepFile;
  /** The principal expression, followed through module params to where it comes from. */
  readonly principal: string;
  /** The role definition GUID. */
  readonly roleId: string;
  readonly principalType: Value | undefined;
}

export function roleAssignments(infra: Infra): RoleAssignment[] {
  return resources(infra, 'Microsoft.Authorization/roleAssignments').map((r) => {
    const role = property(r.body, 'properties', 'roleDefinitionId');
    const principal = property(r.body, 'properties', 'principalId');
    const principalType = property(r.body, 'properties', 'principalType');
    const roleResourceId = role ? infra.evaluate(r.file, role) : '';
    const roleId = typeof roleResourceId === 'string' ? (roleResourceId.split('/').pop() ?? '') : '';
    return {
      name: r.decl.name,
      file: r.file,
      principal: principal ? infra.source(r.file, principal) : '',
      roleId,
      principalType: principalType ? safeEvaluate(infra, r.file, principalType) : undefined,
    };
  });
}

function safeEvaluate(infra: Infra, file: BicepFile, tokens: readonly Token[]): Value | undefined {
  try {
    return infra.evaluate(file, tokens);
  } catch (error) {
    if (error instanceof Unresolvable) return textOf(tokens);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// (e) No shared keys, Entra-only auth

export function storageSecurityProblems(infra: Infra): string[] {
  const problems: string[] = [];
  const accounts = resources(infra, 'Microsoft.Storage/storageAccounts');
  if (accounts.length !== 1) problems.push(`expected one storage account, found ${accounts.length}`);
  for (const account of accounts) {
    const at = `${account.file.path}: storage account ${account.decl.name}`;
    const get = (key: string): Value | undefined => {
      const tokens = property(account.body, 'properties', key);
      return tokens === undefined ? undefined : safeEvaluate(infra, account.file, tokens);
    };
    if (get('allowSharedKeyAccess') !== false) problems.push(`${at} must set allowSharedKeyAccess: false`);
    if (get('allowBlobPublicAccess') !== false) problems.push(`${at} must set allowBlobPublicAccess: false`);
    if (get('minimumTlsVersion') !== 'TLS1_2') problems.push(`${at} must set minimumTlsVersion: 'TLS1_2'`);
    if (get('isHnsEnabled') === true) problems.push(`${at}: blob index tags do not work with isHnsEnabled`);
  }
  for (const file of infra.files.values()) {
    for (const t of flatten(file.tokens)) {
      if (t.kind === 'ident' && /^list(Keys|AccountSas|ServiceSas|ConnectionStrings)$/.test(t.text)) {
        problems.push(`${file.path}:${t.line}: ${t.text}() reads shared keys or SAS; use identities`);
      }
      const literal =
        t.kind === 'string' ? (t.parts ?? []).filter((p) => typeof p === 'string').join('') : '';
      if (/AccountKey=|SharedAccessSignature=/i.test(literal)) {
        problems.push(`${file.path}:${t.line}: a connection string with a key or SAS`);
      }
    }
  }
  const deployment = resources(infra, 'Microsoft.Web/sites').flatMap((site) => {
    const auth = property(
      site.body,
      'properties',
      'functionAppConfig',
      'deployment',
      'storage',
      'authentication',
      'type',
    );
    return auth ? [safeEvaluate(infra, site.file, auth)] : [];
  });
  if (deployment.length !== 1 || deployment[0] !== 'UserAssignedIdentity') {
    problems.push(
      `the Flex deployment container must be read with the user-assigned identity (has ${JSON.stringify(deployment)})`,
    );
  }
  return problems;
}

function flatten(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((t) => [
    t,
    ...(t.parts ?? []).flatMap((p) => (typeof p === 'string' ? [] : flatten(p))),
  ]);
}

/** A property of the single declared resource of `type`, evaluated. */
export function onlyResourceProperty(infra: Infra, type: string, ...keys: string[]): Value | undefined {
  const found = resources(infra, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [resource] = found;
  const tokens = resource && property(resource.body, ...keys);
  return resource && tokens ? safeEvaluate(infra, resource.file, tokens) : undefined;
}
