/**
 * The structural lint of infra/*.bicep, so CI can check them without Azure and without the Bicep compiler
 * (a .NET tool; the npm registry has no offline JS/WASM build of it — `bicep-node` downloads the native CLI
 * at run time). Every problem names the file and line.
 *
 * This is a LINT, not a compile. The reader in bicep/ tokenizes Bicep and finds the declarations; this
 * checks structure: brackets balance outside strings and comments, every identifier used is declared, no
 * name is declared twice, module paths exist and their params and outputs match, `targetScope` is valid.
 * It does NOT type-check properties against Azure's resource schemas, resolve API versions, or evaluate
 * the template — `az bicep build` / `azd provision` still can fail on things this passes.
 */
import { type BicepFile, type Declaration, bodyOf, resolveModule, topLevel } from './bicep/declarations.js';
import type { Infra } from './bicep/infra.js';
import { entries, isPunct, property, stringLiteral } from './bicep/syntax.js';
import type { Token } from './bicep/tokens.js';

const TARGET_SCOPES = new Set(['resourceGroup', 'subscription', 'managementGroup', 'tenant']);

/** Words that are never references to a declaration. */
const KEYWORDS = new Set([
  'true',
  'false',
  'null',
  'if',
  'for',
  'in',
  'existing',
  'resource',
  'module',
  'param',
  'var',
  'output',
  'type',
  'func',
  'import',
  'metadata',
  'targetScope',
  'extension',
  'with',
  'as',
  'from',
  // Function namespaces: az.resourceGroup(), sys.description
  'az',
  'sys',
]);

/** Bicep's built-in functions (the `list*` family is matched by prefix). */
const FUNCTIONS = new Set([
  // any, arrays, objects
  'any',
  'array',
  'concat',
  'contains',
  'empty',
  'first',
  'flatten',
  'filter',
  'groupBy',
  'indexOf',
  'intersection',
  'items',
  'join',
  'last',
  'lastIndexOf',
  'length',
  'map',
  'mapValues',
  'max',
  'min',
  'objectKeys',
  'range',
  'reduce',
  'shallowMerge',
  'skip',
  'sort',
  'take',
  'toObject',
  'tryGet',
  'union',
  // strings and conversions
  'base64',
  'base64ToJson',
  'base64ToString',
  'bool',
  'dataUri',
  'dataUriToString',
  'endsWith',
  'format',
  'guid',
  'int',
  'json',
  'newGuid',
  'padLeft',
  'replace',
  'split',
  'startsWith',
  'string',
  'substring',
  'toLower',
  'toUpper',
  'trim',
  'uniqueString',
  'uri',
  'uriComponent',
  'uriComponentToString',
  'parseUri',
  'buildUri',
  // dates, numbers, logic
  'dateTimeAdd',
  'dateTimeFromEpoch',
  'dateTimeToEpoch',
  'utcNow',
  'coalesce',
  'and',
  'or',
  'not',
  'equals',
  'less',
  'lessOrEquals',
  'greater',
  'greaterOrEquals',
  'add',
  'sub',
  'mul',
  'div',
  'mod',
  // deployment and scope
  'deployment',
  'deployer',
  'environment',
  'managementGroup',
  'resourceGroup',
  'subscription',
  'tenant',
  'extensionResourceId',
  'managementGroupResourceId',
  'reference',
  'resourceId',
  'subscriptionResourceId',
  'tenantResourceId',
  'pickZones',
  'providers',
  'getSecret',
  'nameof',
  // files and environment
  'loadFileAsBase64',
  'loadJsonContent',
  'loadTextContent',
  'loadYamlContent',
  'readEnvironmentVariable',
  // networking
  'cidrHost',
  'cidrSubnet',
  'parseCidr',
]);

const TOP_LEVEL_TYPE = /^[A-Za-z]+\.[A-Za-z.]+\/[A-Za-z/]+@\d{4}-\d{2}-\d{2}(-preview)?$/;
const CHILD_TYPE = /^[A-Za-z]+(@\d{4}-\d{2}-\d{2}(-preview)?)?$/;

/** Every structural problem in the Bicep files of `infra`. */
export function lintProblems(infra: Infra): string[] {
  const problems: string[] = [];
  for (const file of infra.files.values()) {
    const at = (line: number, message: string): void =>
      void problems.push(`${file.path}:${line}: ${message}`);
    problems.push(...file.problems);
    bracketProblems(file.tokens, at);
    declarationProblems(file, at);
    referenceProblems(file, at);
    moduleProblems(infra, file, at);
  }
  return problems;
}

type Report = (line: number, message: string) => void;

function bracketProblems(tokens: readonly Token[], at: Report): void {
  const stack: Token[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const t of tokens) {
    if (t.kind === 'string') {
      for (const part of t.parts ?? []) if (typeof part !== 'string') bracketProblems(part, at);
      continue;
    }
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') stack.push(t);
    const opener = pairs[t.text];
    if (opener === undefined) continue;
    const open = stack.pop();
    if (open === undefined) at(t.line, `unmatched '${t.text}'`);
    else if (open.text !== opener)
      at(t.line, `'${t.text}' closes '${open.text}' opened on line ${open.line}`);
  }
  for (const open of stack) at(open.line, `'${open.text}' is never closed`);
}

function declarationProblems(file: BicepFile, at: Report): void {
  const seen = new Map<string, Declaration>();
  const outputs = new Set<string>();
  for (const decl of file.declarations) {
    if (decl.kind === 'targetScope') {
      const scope = stringLiteral(decl.value.find((t) => t.kind !== 'newline'));
      if (scope === undefined || !TARGET_SCOPES.has(scope)) {
        at(decl.line, `targetScope must be one of ${[...TARGET_SCOPES].join(', ')}`);
      }
      continue;
    }
    if (decl.kind === 'resource' && decl.target !== undefined) {
      // Nested child resources may give just their type segment ('containers'), inheriting the version.
      const wellFormed = TOP_LEVEL_TYPE.test(decl.target) || (decl.depth > 0 && CHILD_TYPE.test(decl.target));
      if (!wellFormed) {
        at(
          decl.line,
          `resource ${decl.name} has a malformed type '${decl.target}' (Namespace/type@yyyy-mm-dd)`,
        );
      }
    }
    if (decl.depth > 0 || decl.kind === 'import' || decl.kind === 'extension' || decl.kind === 'metadata')
      continue;
    if (decl.kind === 'output') {
      if (outputs.has(decl.name)) at(decl.line, `output ${decl.name} is declared twice`);
      outputs.add(decl.name);
      continue;
    }
    const earlier = seen.get(decl.name);
    if (earlier) at(decl.line, `${decl.name} is already declared (${earlier.kind}, line ${earlier.line})`);
    else seen.set(decl.name, decl);
  }
}

/** Identifiers used but never declared, unknown functions, unused params and vars, secrets in outputs. */
function referenceProblems(file: BicepFile, at: Report): void {
  const declared = new Set<string>();
  const functions = new Set<string>();
  const skip = new Set<Token>();
  for (const decl of file.declarations) {
    if (decl.kind === 'func') functions.add(decl.name);
    else if (decl.kind !== 'output' && decl.kind !== 'targetScope') declared.add(decl.name);
    if (decl.nameToken) skip.add(decl.nameToken);
    for (const t of decl.typeTokens) skip.add(t);
    // Type, function and import statements are made of type names and local parameters.
    const opaque = ['type', 'func', 'import', 'extension'].includes(decl.kind);
    if (opaque) for (const t of allTokens(decl.statement)) skip.add(t);
  }
  for (const local of localNames(allTokens(file.tokens))) declared.add(local);

  const used = new Set<string>();
  walk(file.tokens, (t, prev, next, inObject) => {
    if (t.kind !== 'ident' || skip.has(t) || KEYWORDS.has(t.text)) return;
    if (prev && (isPunct(prev, '.') || isPunct(prev, '::') || isPunct(prev, '.?') || isPunct(prev, '@')))
      return;
    if (isPunct(next, '(')) {
      const known = FUNCTIONS.has(t.text) || functions.has(t.text) || /^list[A-Z]/.test(t.text);
      if (!known) at(t.line, `unknown function ${t.text}()`);
      return;
    }
    const atEntryStart =
      prev === undefined || prev.kind === 'newline' || isPunct(prev, '{') || isPunct(prev, ',');
    if (inObject && atEntryStart && isPunct(next, ':')) return; // an object key
    used.add(t.text);
    if (!declared.has(t.text)) at(t.line, `${t.text} is used but not declared`);
  });

  for (const decl of file.declarations) {
    if (decl.depth === 0 && (decl.kind === 'param' || decl.kind === 'var') && !used.has(decl.name)) {
      at(decl.line, `${decl.kind} ${decl.name} is never used`);
    }
  }
  const secure = new Set(
    file.declarations.filter((d) => d.kind === 'param' && d.decorators.includes('secure')).map((d) => d.name),
  );
  for (const output of file.declarations.filter((d) => d.kind === 'output')) {
    const leaked = allTokens(output.value).find((t) => t.kind === 'ident' && secure.has(t.text));
    if (leaked) at(output.line, `output ${output.name} exposes the @secure() param ${leaked.text}`);
  }
}

/** Calls `visit` for every token (interpolations included) with its neighbours and bracket context. */
function walk(
  tokens: readonly Token[],
  visit: (t: Token, prev: Token | undefined, next: Token | undefined, inObject: boolean) => void,
): void {
  const stack: string[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'string') {
      for (const part of t.parts ?? []) if (typeof part !== 'string') walk(part, visit);
      return;
    }
    visit(t, tokens[i - 1], tokens[i + 1], stack[stack.length - 1] === '{');
    if (t.kind === 'punct' && (t.text === '{' || t.text === '[' || t.text === '(')) stack.push(t.text);
    if (t.kind === 'punct' && (t.text === '}' || t.text === ']' || t.text === ')')) stack.pop();
  });
}

function allTokens(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((t) =>
    t.kind === 'string'
      ? [t, ...(t.parts ?? []).flatMap((p) => (typeof p === 'string' ? [] : allTokens(p)))]
      : [t],
  );
}

/** Loop variables (`for x in`, `for (x, i) in`) and lambda parameters (`x =>`, `(a, b) =>`). */
function localNames(tokens: readonly Token[]): string[] {
  const names: string[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'ident' && t.text === 'for') {
      const next = tokens[i + 1];
      if (next?.kind === 'ident') names.push(next.text);
      if (isPunct(next, '(')) {
        for (let j = i + 2; j < tokens.length && !isPunct(tokens[j], ')'); j++) {
          const candidate = tokens[j];
          if (candidate?.kind === 'ident') names.push(candidate.text);
        }
      }
    }
    if (isPunct(t, '=>')) {
      const before = tokens[i - 1];
      if (before?.kind === 'ident') names.push(before.text);
      if (isPunct(before, ')')) {
        for (let j = i - 2; j >= 0 && !isPunct(tokens[j], '('); j--) {
          const candidate = tokens[j];
          if (candidate?.kind === 'ident') names.push(candidate.text);
        }
      }
    }
  });
  return names;
}

function moduleProblems(infra: Infra, file: BicepFile, at: Report): void {
  const scopeOf = (f: BicepFile): string =>
    stringLiteral(topLevel(f, 'targetScope', 'targetScope')?.value.find((t) => t.kind === 'string')) ??
    'resourceGroup';
  for (const module of file.declarations.filter((d) => d.kind === 'module')) {
    const target = module.target ?? '';
    if (/^(br|ts)[:/]/.test(target)) {
      at(
        module.line,
        `module ${module.name} comes from a registry (${target}); CI cannot fetch it — vendor it under infra/`,
      );
      continue;
    }
    const targetPath = resolveModule(file, module);
    const targetFile = infra.files.get(targetPath);
    if (targetFile === undefined) {
      at(module.line, `module ${module.name}: ${target} does not exist (${targetPath})`);
      continue;
    }
    const body = bodyOf(module.value);
    if (body === undefined) {
      at(module.line, `module ${module.name} has no { … } body`);
      continue;
    }
    const passed = property(body, 'params');
    const args = passed === undefined ? new Map<string, unknown>() : entries(passed);
    const params = targetFile.declarations.filter((d) => d.depth === 0 && d.kind === 'param');
    for (const name of args.keys()) {
      if (!params.some((p) => p.name === name))
        at(module.line, `module ${module.name}: ${targetPath} has no param ${name}`);
    }
    for (const param of params) {
      if (param.value.length === 0 && !args.has(param.name)) {
        at(module.line, `module ${module.name}: required param ${param.name} of ${targetPath} is not passed`);
      }
    }
    if (scopeOf(targetFile) !== scopeOf(file) && property(body, 'scope') === undefined) {
      at(
        module.line,
        `module ${module.name} deploys at ${scopeOf(targetFile)} scope from a ${scopeOf(file)} file: give it a scope`,
      );
    }
    const outputs = new Set(targetFile.declarations.filter((d) => d.kind === 'output').map((d) => d.name));
    const tokens = allTokens(file.tokens);
    tokens.forEach((t, i) => {
      // NAME . outputs . OUTPUT
      const name = tokens[i + 4];
      if (t.kind !== 'ident' || t.text !== module.name || tokens[i + 2]?.text !== 'outputs' || !name) return;
      if (isPunct(tokens[i + 1], '.') && isPunct(tokens[i + 3], '.') && !outputs.has(name.text)) {
        at(t.line, `module ${module.name}: ${targetPath} has no output ${name.text}`);
      }
    });
  }
}
