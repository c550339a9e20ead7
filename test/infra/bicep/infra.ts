/**
 * The infra folder as a whole: which module instantiates which file, and the constant part of expressions
 * (string literals with interpolation, params through module calls to their arguments or defaults, vars,
 * arrays, objects), which the wiring checks use to compare, say, the Event Grid filter with the
 * SOURCE_CONTAINER app setting.
 */
import {
  type BicepFile,
  type Declaration,
  bodyOf,
  readBicep,
  resolveModule,
  topLevel,
} from './declarations.js';
import {
  Unresolvable,
  elements,
  entries,
  isGroup,
  isIdent,
  isPunct,
  property,
  splitTopLevel,
  textOf,
  trim,
} from './syntax.js';
import type { Token } from './tokens.js';

/** What a constant expression evaluates to. */
export type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** Every Bicep file read, with module resolution and constant evaluation across them. */
export class Infra {
  readonly files = new Map<string, BicepFile>();

  /** `sources`: repository-relative path → Bicep text. */
  constructor(sources: ReadonlyMap<string, string>) {
    for (const [filePath, source] of sources) this.files.set(filePath, readBicep(filePath, source));
  }

  /** The file read from `filePath`; throws when there is none. */
  file(filePath: string): BicepFile {
    const file = this.files.get(filePath);
    if (file === undefined) throw new Error(`${filePath} is not among the Bicep files read`);
    return file;
  }

  /** The module declaration that instantiates `filePath` (Bicep files here are used from one place each). */
  caller(filePath: string): { file: BicepFile; module: Declaration } | undefined {
    for (const file of this.files.values()) {
      for (const decl of file.declarations) {
        if (decl.kind === 'module' && decl.target !== undefined && resolveModule(file, decl) === filePath) {
          return { file, module: decl };
        }
      }
    }
    return undefined;
  }

  /** Reduces a constant expression to its value; throws {@link Unresolvable} for runtime values. */
  evaluate(file: BicepFile, expression: readonly Token[]): Value {
    const expr = trim(expression);
    const [first] = expr;
    if (expr.length === 1 && first !== undefined) {
      if (first.kind === 'string') {
        return (first.parts ?? []).map((p) => (typeof p === 'string' ? p : this.scalar(file, p))).join('');
      }
      if (first.kind === 'number') return Number(first.text);
      if (isIdent(first, 'true')) return true;
      if (isIdent(first, 'false')) return false;
      if (isIdent(first, 'null')) return null;
      if (first.kind === 'ident') return this.symbol(file, first.text, first.line);
    }
    if (isPunct(first, '-') && expr.length === 2 && expr[1]?.kind === 'number') return -Number(expr[1].text);
    if (isGroup(expr, '[')) return elements(expr).map((e) => this.evaluate(file, e));
    if (isGroup(expr, '{')) {
      return Object.fromEntries([...entries(expr)].map(([k, v]) => [k, this.evaluate(file, v)]));
    }
    // Resource ids of built-in role definitions: only the last argument (the role's GUID) matters here.
    if (
      (isIdent(first, 'subscriptionResourceId') || isIdent(first, 'resourceId')) &&
      isGroup(expr.slice(1), '(')
    ) {
      return splitTopLevel(expr.slice(2, -1), ',', false)
        .map((arg) => this.scalar(file, arg))
        .join('/');
    }
    throw new Unresolvable(`${file.path}:${first?.line ?? '?'}: not a constant: ${textOf(expr)}`);
  }

  /** Follows a single-identifier param through module calls to the caller's argument text. */
  source(file: BicepFile, expression: readonly Token[]): string {
    const expr = trim(expression);
    const [only] = expr;
    if (expr.length === 1 && only?.kind === 'ident') {
      const param = topLevel(file, only.text, 'param');
      const call = param && this.caller(file.path);
      const argument = call && property(bodyOf(call.module.value) ?? [], 'params', only.text);
      if (call && argument) return this.source(call.file, argument);
    }
    return textOf(expr);
  }

  private scalar(file: BicepFile, expression: readonly Token[]): string {
    const value = this.evaluate(file, expression);
    if (typeof value === 'object' && value !== null) {
      throw new Unresolvable(`${file.path}: ${textOf(expression)} is not a scalar`);
    }
    return String(value);
  }

  private symbol(file: BicepFile, name: string, line: number): Value {
    const variable = topLevel(file, name, 'var');
    if (variable) return this.evaluate(file, variable.value);
    const param = topLevel(file, name, 'param');
    if (param) {
      const call = this.caller(file.path);
      const argument = call && property(bodyOf(call.module.value) ?? [], 'params', name);
      if (call && argument) return this.evaluate(call.file, argument);
      if (param.value.length > 0) return this.evaluate(file, param.value);
      throw new Unresolvable(`${file.path}:${line}: param ${name} has no constant value`);
    }
    throw new Unresolvable(`${file.path}:${line}: ${name} is not a param or var`);
  }
}
