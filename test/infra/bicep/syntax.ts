/**
 * Reading token sequences without a parse tree: brackets, statement pieces at the top bracket depth, and
 * the literals (objects, arrays, plain strings) the lint and the evaluator take apart.
 */
import type { Token } from './tokens.js';

/** An expression the evaluator does not reduce to a constant (a runtime value, a function call, …). */
export class Unresolvable extends Error {}

/** Opening bracket → its closing bracket. */
export const OPEN: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
/** Closing bracket → its opening bracket. */
export const CLOSE: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** True when `token` is the punctuation `text`. */
export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

/** True when `token` is an identifier (`text`, when given). */
export function isIdent(token: Token | undefined, text?: string): boolean {
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
export function splitTopLevel(tokens: readonly Token[], separator: string, newlines: boolean): Token[][] {
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
export function indexAtDepth0(tokens: readonly Token[], text: string, from = 0): number {
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
export function isGroup(expr: readonly Token[], open: string): boolean {
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
