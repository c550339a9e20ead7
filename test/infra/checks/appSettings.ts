/**
 * The app settings infra/ gives the function app, read from the one 'appsettings' config resource, and
 * checked against shared/config/settings.ts: known names, required ones set, secrets by Key Vault
 * reference, and the environment the app would see.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../../shared/config/settings.js';
import type { BicepFile } from '../bicep/declarations.js';
import type { Infra, Value } from '../bicep/infra.js';
import { Unresolvable, entries, isPunct, matching, property, textOf, trim } from '../bicep/syntax.js';
import type { Token } from '../bicep/tokens.js';
import { resources } from './resources.js';

/** One app setting: its name, the file that sets it and its value as written. */
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

/** Settings that are neither known to the app nor the platform's, forbidden on Flex, or set twice. */
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

/**
 * Names of app settings the Functions host must resolve for a binding (`'%NAME%'` in the code of
 * functions/*.ts; comments are skipped, since they may name an expression the code avoids).
 */
export function boundSettingNames(root: string): string[] {
  const dir = path.join(root, 'functions');
  const names = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const code = fs
      .readFileSync(path.join(dir, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const match of code.matchAll(/['"`]%(\w+)%['"`]/g)) {
      if (match[1]) names.add(match[1]);
    }
  }
  return [...names];
}

/** Settings the app or a binding needs that are missing or set only on one branch. */
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
    MEDIAMAGIC_WEBHOOK_SECRETS: 'whsec_YS1zdGFuZC1pbi1zZWNyZXQtMjRieXRl',
  };
  const env: Record<string, string> = {};
  for (const setting of appSettings(infra)) {
    const value = settingValue(infra, setting);
    if (typeof value === 'string' || typeof value === 'number') env[setting.name] = String(value);
    else if (standIns[setting.name] !== undefined) env[setting.name] = standIns[setting.name] ?? '';
  }
  return env;
}
