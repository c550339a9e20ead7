/**
 * A small reader for the Bicep files in infra/, so CI can check them without Azure and without the Bicep
 * compiler (a .NET tool; the npm registry has no offline JS/WASM build of it — `bicep-node` downloads
 * the native CLI at run time).
 *
 * This is a LINT, not a compile. It tokenizes Bicep (strings with `${…}` interpolation, ''' strings,
 * comments), finds the declarations, and checks structure: brackets balance outside strings and comments,
 * every identifier used is declared, no name is declared twice, module paths exist and their params and
 * outputs match, `targetScope` is valid. It does NOT type-check properties against Azure's resource
 * schemas, resolve API versions, or evaluate the template — `az bicep build` / `azd provision` still can
 * fail on things this passes.
 *
 * It also evaluates the constant part of expressions (string literals with interpolation, params through
 * module calls to their arguments or defaults, vars, arrays, objects), which the wiring checks use to
 * compare, say, the Event Grid filter with the SOURCE_CONTAINER app setting.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Token {
  readonly kind: 'ident' | 'number' | 'punct' | 'newline' | 'string';
  /** Source text; for strings the quoted text as written. */
  readonly text: string;
  readonly line: number;
  /** Strings only: literal pieces (escapes resolved) and `${…}` interpolations, in order. */
  readonly parts?: readonly (string | readonly Token[])[];
}

export type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** An expression the evaluator does not reduce to a constant (a runtime value, a function call, …). */
export class Unresolvable extends Error {}

// ---------------------------------------------------------------------------------------------------
// Lexer

const PUNCTUATION = [
  '::',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '.?',
  ...'{}[](),:?.@=<>+-*/%!'.split(''),
];
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

/** Tokens of `source`; lexical problems (unterminated strings or comments, stray characters) go to `problems`. */
export function lex(source: string, problems: string[] = []): Token[] {
  return new Lexer(source, problems).tokens(false);
}

class Lexer {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly src: string,
    private readonly problems: string[],
  ) {}

  /** Reads tokens to the end, or (inside `${…}`) to the `}` that closes the interpolation. */
  tokens(inInterpolation: boolean): Token[] {
    const out: Token[] = [];
    let braces = 0;
    const startLine = this.line;
    while (this.pos < this.src.length) {
      const c = this.src.charAt(this.pos);
      if (c === '\n') {
        out.push({ kind: 'newline', text: '\n', line: this.line });
        this.line++;
        this.pos++;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.pos++;
      } else if (this.src.startsWith('//', this.pos)) {
        const end = this.src.indexOf('\n', this.pos);
        this.pos = end === -1 ? this.src.length : end;
      } else if (this.src.startsWith('/*', this.pos)) {
        this.blockComment(out);
      } else if (this.src.startsWith("'''", this.pos)) {
        out.push(this.multilineString());
      } else if (c === "'") {
        out.push(this.string());
      } else if (/[A-Za-z_]/.test(c)) {
        out.push(this.take('ident', /[A-Za-z0-9_]*/y));
      } else if (/[0-9]/.test(c)) {
        out.push(this.take('number', /[0-9]+/y));
      } else {
        const punct = PUNCTUATION.find((p) => this.src.startsWith(p, this.pos));
        if (punct === undefined) {
          this.problems.push(`line ${this.line}: unexpected character ${JSON.stringify(c)}`);
          this.pos++;
          continue;
        }
        if (inInterpolation && punct === '}' && braces === 0) {
          this.pos++;
          return out;
        }
        if (punct === '{') braces++;
        if (punct === '}') braces--;
        out.push({ kind: 'punct', text: punct, line: this.line });
        this.pos += punct.length;
      }
    }
    if (inInterpolation) this.problems.push(`line ${startLine}: unterminated \${…} interpolation`);
    return out;
  }

  private take(kind: 'ident' | 'number', rest: RegExp): Token {
    rest.lastIndex = this.pos + 1;
    const match = rest.exec(this.src);
    const end = this.pos + 1 + (match?.[0].length ?? 0);
    const token: Token = { kind, text: this.src.slice(this.pos, end), line: this.line };
    this.pos = end;
    return token;
  }

  private blockComment(out: Token[]): void {
    const end = this.src.indexOf('*/', this.pos + 2);
    if (end === -1) this.problems.push(`line ${this.line}: unterminated /* comment`);
    const stop = end === -1 ? this.src.length : end + 2;
    const newlines = this.src.slice(this.pos, stop).split('\n').length - 1;
    // A comment spanning lines still ends the statement before it.
    if (newlines > 0) out.push({ kind: 'newline', text: '\n', line: this.line });
    this.line += newlines;
    this.pos = stop;
  }

  private multilineString(): Token {
    const line = this.line;
    const start = this.pos;
    const end = this.src.indexOf("'''", this.pos + 3);
    if (end === -1) this.problems.push(`line ${line}: unterminated ''' string`);
    const stop = end === -1 ? this.src.length : end + 3;
    const content = this.src.slice(start + 3, end === -1 ? stop : end);
    this.line += content.split('\n').length - 1;
    this.pos = stop;
    return { kind: 'string', text: this.src.slice(start, stop), line, parts: [content] };
  }

  private string(): Token {
    const line = this.line;
    const start = this.pos;
    const parts: (string | Token[])[] = [];
    let literal = '';
    this.pos++;
    for (;;) {
      const c = this.src.charAt(this.pos);
      if (c === '' || c === '\n') {
        this.problems.push(`line ${line}: unterminated string (a '…' string cannot span lines)`);
        break;
      }
      if (c === "'") {
        this.pos++;
        break;
      }
      if (c === '\\') {
        const escaped = this.src.charAt(this.pos + 1);
        const unicode = /^u\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.pos + 1, this.pos + 10));
        if (unicode?.[1] !== undefined) {
          literal += String.fromCodePoint(parseInt(unicode[1], 16));
          this.pos += 1 + unicode[0].length;
          continue;
        }
        const resolved = ESCAPES[escaped];
        if (resolved === undefined) this.problems.push(`line ${line}: unknown escape \\${escaped}`);
        literal += resolved ?? escaped;
        this.pos += 2;
        continue;
      }
      if (c === '$' && this.src.charAt(this.pos + 1) === '{') {
        if (literal !== '') parts.push(literal);
        literal = '';
        this.pos += 2;
        parts.push(this.tokens(true));
        continue;
      }
      literal += c;
      this.pos++;
    }
    if (literal !== '' || parts.length === 0) parts.push(literal);
    return { kind: 'string', text: this.src.slice(start, this.pos), line, parts };
  }
}

// ---------------------------------------------------------------------------------------------------
// Token helpers

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

function isIdent(token: Token | undefined, text?: string): boolean {
  return token?.kind === 'ident' && (text === undefined || token.text === text);
}

/** Index of the bracket closing the one at `open`, or -1. */
export function matching(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'punct') continue;
    if (OPEN[t.text] !== undefined) depth++;
    else if (CLOSE[t.text] !== undefined && --depth === 0) return i;
  }
  return -1;
}

/** Without leading and trailing newlines. */
export function trim(tokens: readonly Token[]): readonly Token[] {
  let start = 0;
  let end = tokens.length;
  while (start < end && tokens[start]?.kind === 'newline') start++;
  while (end > start && tokens[end - 1]?.kind === 'newline') end--;
  return tokens.slice(start, end);
}

/** Source-like text of tokens, for messages. */
export function textOf(tokens: readonly Token[]): string {
  return trim(tokens)
    .map((t) => (t.kind === 'newline' ? ' ' : t.text))
    .join(' ')
    .replace(/\s*([.(),[\]:]|::)\s*/g, '$1')
    .trim();
}

/** Splits at `separator` (and, when `newlines`, at line breaks) where the bracket depth is 0. */
function splitTopLevel(tokens: readonly Token[], separator: string, newlines: boolean): Token[][] {
  const pieces: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && OPEN[t.text] !== undefined) depth++;
    if (t.kind === 'punct' && CLOSE[t.text] !== undefined) depth--;
    const splits = depth === 0 && (isPunct(t, separator) || (newlines && t.kind === 'newline'));
    if (splits) pieces.push([]);
    else pieces[pieces.length - 1]?.push(t);
  }
  return pieces.map((p) => [...trim(p)]).filter((p) => p.length > 0);
}

/** Index of the first `text` punctuation at bracket depth 0, or -1. */
function indexAtDepth0(tokens: readonly Token[], text: string, from = 0): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'punct') continue;
    if (depth === 0 && t.text === text) return i;
    if (OPEN[t.text] !== undefined) depth++;
    if (CLOSE[t.text] !== undefined) depth--;
  }
  return -1;
}

/** True when `expr` is one bracketed group from its first token to its last. */
function isGroup(expr: readonly Token[], open: string): boolean {
  return isPunct(expr[0], open) && matching(expr, 0) === expr.length - 1;
}

/** The entries of an object literal `{ key: value … }`; keys are identifiers or plain strings. */
export function entries(object: readonly Token[]): Map<string, readonly Token[]> {
  const expr = trim(object);
  if (!isGroup(expr, '{')) throw new Unresolvable(`not an object literal: ${textOf(expr)}`);
  const result = new Map<string, readonly Token[]>();
  for (const entry of splitTopLevel(expr.slice(1, -1), ',', true)) {
    const [key, colon] = entry;
    // Child resources declared inside a resource body are statements, not properties.
    const childResource = isIdent(key, 'resource') && isIdent(colon);
    if (childResource || isPunct(key, '@')) continue;
    if (!isPunct(colon, ':') || key === undefined) {
      throw new Unresolvable(`line ${entry[0]?.line}: not a "key: value" entry: ${textOf(entry)}`);
    }
    const name = key.kind === 'string' ? stringLiteral(key) : key.text;
    if (name === undefined) throw new Unresolvable(`line ${key.line}: computed key ${key.text}`);
    result.set(name, entry.slice(2));
  }
  return result;
}

/** The value at `keys` inside nested object literals, or undefined when a key is absent. */
export function property(object: readonly Token[], ...keys: string[]): readonly Token[] | undefined {
  let current: readonly Token[] | undefined = object;
  for (const key of keys) {
    if (current === undefined || !isGroup(trim(current), '{')) return undefined;
    current = entries(current).get(key);
  }
  return current;
}

/** The elements of an array literal `[ a, b … ]`. */
export function elements(array: readonly Token[]): Token[][] {
  const expr = trim(array);
  if (!isGroup(expr, '[')) throw new Unresolvable(`not an array literal: ${textOf(expr)}`);
  return splitTopLevel(expr.slice(1, -1), ',', true);
}

/** The value of a string token without interpolation, else undefined. */
export function stringLiteral(token: Token | undefined): string | undefined {
  if (token?.kind !== 'string') return undefined;
  const parts = token.parts ?? [];
  return parts.every((p) => typeof p === 'string') ? parts.join('') : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Declarations

export type DeclarationKind =
  | 'targetScope'
  | 'param'
  | 'var'
  | 'resource'
  | 'module'
  | 'output'
  | 'type'
  | 'func'
  | 'import'
  | 'metadata'
  | 'extension';

const TOP_LEVEL_KEYWORDS = new Set<string>([
  'targetScope',
  'param',
  'var',
  'resource',
  'module',
  'output',
  'type',
  'func',
  'import',
  'metadata',
  'extension',
]);

export interface Declaration {
  readonly kind: DeclarationKind;
  readonly name: string;
  readonly nameToken: Token | undefined;
  readonly line: number;
  /** Bracket depth of the statement: 0 at file level, more for nested child resources. */
  readonly depth: number;
  /** Decorator names, e.g. `secure`, `description`. */
  readonly decorators: readonly string[];
  /** The declared type of a param, var or output. */
  readonly typeTokens: readonly Token[];
  /** Everything after `=`. */
  readonly value: readonly Token[];
  /** Resource type (`Microsoft.X/y@version`) or module path, when a plain string. */
  readonly target: string | undefined;
  readonly existing: boolean;
  readonly statement: readonly Token[];
}

export interface BicepFile {
  /** Repository-relative, with forward slashes: `infra/app/storage.bicep`. */
  readonly path: string;
  readonly tokens: readonly Token[];
  readonly declarations: readonly Declaration[];
  /** Lexical and statement-level problems found while reading. */
  readonly problems: readonly string[];
}

export function readBicep(filePath: string, source: string): BicepFile {
  const problems: string[] = [];
  const tokens = lex(source, problems);
  const declarations = parseDeclarations(tokens, problems);
  return { path: filePath, tokens, declarations, problems: problems.map((p) => `${filePath}: ${p}`) };
}

function parseDeclarations(tokens: readonly Token[], problems: string[]): Declaration[] {
  const declarations: Declaration[] = [];
  let decorators: string[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    if (t.kind === 'newline') {
      lineStart = true;
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (atLineStart && isPunct(t, '@')) {
      // @name(…) or @ns.name(…); a declaration may follow on the same line.
      let j = i + 1;
      if (isPunct(tokens[j + 1], '.')) j += 2;
      const name = tokens[j]?.text ?? '';
      j++;
      if (isPunct(tokens[j], '(')) j = matching(tokens, j) + 1;
      if (j <= i) j = i + 1;
      decorators.push(name);
      i = j - 1;
      lineStart = true;
      continue;
    }
    const declares =
      atLineStart &&
      t.kind === 'ident' &&
      ((depth === 0 && TOP_LEVEL_KEYWORDS.has(t.text)) ||
        (t.text === 'resource' && isIdent(tokens[i + 1]) && tokens[i + 2]?.kind === 'string'));
    if (declares) {
      declarations.push(declaration(tokens.slice(i, statementEnd(tokens, i)), depth, decorators, problems));
      decorators = [];
    } else if (atLineStart && depth === 0) {
      problems.push(`line ${t.line}: unexpected ${JSON.stringify(t.text)} at the top level`);
    }
    if (t.kind === 'punct' && OPEN[t.text] !== undefined) depth++;
    if (t.kind === 'punct' && CLOSE[t.text] !== undefined) depth = Math.max(0, depth - 1);
  }
  return declarations;
}

/** Index of the newline that ends the statement starting at `start` (same bracket depth), or the end. */
function statementEnd(tokens: readonly Token[], start: number): number {
  let depth = 0;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind === 'newline' && depth <= 0) return i;
    if (t?.kind === 'punct' && OPEN[t.text] !== undefined) depth++;
    if (t?.kind === 'punct' && CLOSE[t.text] !== undefined) depth--;
  }
  return tokens.length;
}

function declaration(
  statement: readonly Token[],
  depth: number,
  decorators: readonly string[],
  problems: string[],
): Declaration {
  const keyword = statement[0];
  const kind = (keyword?.text ?? 'var') as DeclarationKind;
  const line = keyword?.line ?? 0;
  const equals = indexAtDepth0(statement, '=');
  const value = equals === -1 ? [] : statement.slice(equals + 1);
  if (kind === 'targetScope') {
    return {
      kind,
      name: 'targetScope',
      nameToken: undefined,
      line,
      depth,
      decorators,
      typeTokens: [],
      value,
      target: undefined,
      existing: false,
      statement,
    };
  }
  const nameToken = statement[1];
  if (!isIdent(nameToken) && kind !== 'import' && kind !== 'extension') {
    problems.push(`line ${line}: ${kind} needs a name`);
  }
  const hasTarget = kind === 'resource' || kind === 'module';
  const target = hasTarget ? stringLiteral(statement[2]) : undefined;
  if (hasTarget && target === undefined)
    problems.push(`line ${line}: ${kind} needs a plain '…' type or path`);
  const existing = kind === 'resource' && isIdent(statement[3], 'existing');
  const typed = kind === 'param' || kind === 'var' || kind === 'output';
  const typeTokens = typed ? statement.slice(2, equals === -1 ? statement.length : equals) : [];
  if ((kind === 'var' || kind === 'output' || hasTarget) && equals === -1) {
    problems.push(`line ${line}: ${kind} ${nameToken?.text ?? ''} has no "= …"`);
  }
  return {
    kind,
    name: nameToken?.text ?? '',
    nameToken,
    line,
    depth,
    decorators,
    typeTokens,
    value,
    target,
    existing,
    statement,
  };
}

/** The `{…}` body of a resource or module value: plain, `if (…) {…}` or `[for … : {…}]`. */
export function bodyOf(value: readonly Token[]): readonly Token[] | undefined {
  const expr = trim(value);
  let i = 0;
  if (isIdent(expr[0], 'if')) i = matching(expr, 1) + 1;
  if (isPunct(expr[i], '[')) {
    const close = matching(expr, i);
    for (let j = close - 1; j > i; j--) {
      if (isPunct(expr[j], '}')) {
        let open = j;
        while (open > i && matching(expr, open) !== j) open--;
        return expr.slice(open, j + 1);
      }
    }
    return undefined;
  }
  return isPunct(expr[i], '{') ? expr.slice(i, matching(expr, i) + 1) : undefined;
}

/** `[for NAME in ITERABLE: …]` → NAME and ITERABLE, else undefined. */
export function loopOf(value: readonly Token[]): { variable: string; iterable: Token[] } | undefined {
  const expr = trim(value);
  if (!isPunct(expr[0], '[')) return undefined;
  const inner = trim(expr.slice(1, matching(expr, 0)));
  const [keyword, variable, keywordIn] = inner;
  if (!isIdent(keyword, 'for') || !isIdent(variable) || !isIdent(keywordIn, 'in')) return undefined;
  const colon = indexAtDepth0(inner, ':');
  if (colon === -1) return undefined;
  return { variable: variable?.text ?? '', iterable: inner.slice(3, colon) };
}

// ---------------------------------------------------------------------------------------------------
// The infra folder as a whole

export class Infra {
  readonly files = new Map<string, BicepFile>();

  /** `sources`: repository-relative path → Bicep text. */
  constructor(sources: ReadonlyMap<string, string>) {
    for (const [filePath, source] of sources) this.files.set(filePath, readBicep(filePath, source));
  }

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

/** The file-level declaration `name` of `kind`, if any. */
export function topLevel(file: BicepFile, name: string, kind: DeclarationKind): Declaration | undefined {
  return file.declarations.find((d) => d.depth === 0 && d.kind === kind && d.name === name);
}

/** The repository-relative path a module declaration points at. */
export function resolveModule(file: BicepFile, module: Declaration): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(file.path), module.target ?? ''));
}

/** Every `infra/**.bicep` under `root`, as repository-relative path → text. */
export function readInfraSources(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) visit(relative);
      else if (entry.name.endsWith('.bicep'))
        sources.set(relative, fs.readFileSync(path.join(root, relative), 'utf8'));
    }
  };
  visit('infra');
  return sources;
}

/** A copy of `sources` with `from` replaced by `to` in one file; `from` must occur exactly once. */
export function edited(
  sources: ReadonlyMap<string, string>,
  filePath: string,
  from: string,
  to: string,
): Map<string, string> {
  const text = sources.get(filePath);
  if (text === undefined) throw new Error(`no ${filePath}`);
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${filePath}: expected one ${JSON.stringify(from)}, found ${count}`);
  return new Map(sources).set(filePath, text.replace(from, to));
}
