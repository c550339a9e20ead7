/**
 * The declarations of a Bicep file — `param`, `var`, `resource`, `module`, `output`, … with their
 * decorators, types and values as token slices — and the parts of resource and module values the checks
 * look into (the `{…}` body, a `[for …]` loop, a module's path).
 */
import path from 'node:path';
import { CLOSE, OPEN, indexAtDepth0, isIdent, isPunct, matching, stringLiteral, trim } from './syntax.js';
import { type Token, lex } from './tokens.js';

/** The keyword a declaration starts with. */
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

/** One declaration, as token slices of its statement. */
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

/** One Bicep file, tokenized, with its declarations. */
export interface BicepFile {
  /** Repository-relative, with forward slashes: `infra/app/storage.bicep`. */
  readonly path: string;
  readonly tokens: readonly Token[];
  readonly declarations: readonly Declaration[];
  /** Lexical and statement-level problems found while reading. */
  readonly problems: readonly string[];
}

/** Tokenizes `source` and finds its declarations; problems are prefixed with `filePath`. */
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

/** The file-level declaration `name` of `kind`, if any. */
export function topLevel(file: BicepFile, name: string, kind: DeclarationKind): Declaration | undefined {
  return file.declarations.find((d) => d.depth === 0 && d.kind === kind && d.name === name);
}

/** The repository-relative path a module declaration points at. */
export function resolveModule(file: BicepFile, module: Declaration): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(file.path), module.target ?? ''));
}
