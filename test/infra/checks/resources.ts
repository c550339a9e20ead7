/**
 * Finding resources across infra/ by their full type, and reading their names and properties as constants:
 * what every wiring check starts from. The checks in this folder return problems (empty = fine), so the
 * tests can run them on the real files and on deliberately broken copies of them.
 */
import { type BicepFile, type Declaration, bodyOf, loopOf } from '../bicep/declarations.js';
import type { Infra, Value } from '../bicep/infra.js';
import { Unresolvable, property, textOf, trim } from '../bicep/syntax.js';
import type { Token } from '../bicep/tokens.js';

/** A declared (or `existing`) resource with the `{…}` body of its value. */
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

/** The constant value of `tokens`, or their source text when only deployment knows it. */
export function safeEvaluate(infra: Infra, file: BicepFile, tokens: readonly Token[]): Value | undefined {
  try {
    return infra.evaluate(file, tokens);
  } catch (error) {
    if (error instanceof Unresolvable) return textOf(tokens);
    throw error;
  }
}

/** A property of the single declared resource of `type`, evaluated. */
export function onlyResourceProperty(infra: Infra, type: string, ...keys: string[]): Value | undefined {
  const found = resources(infra, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [resource] = found;
  const tokens = resource && property(resource.body, ...keys);
  return resource && tokens ? safeEvaluate(infra, resource.file, tokens) : undefined;
}
