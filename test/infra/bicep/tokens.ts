/**
 * The Bicep tokenizer: strings with `${…}` interpolation (each interpolation tokenized in turn), ''' strings,
 * comments, and newlines kept as tokens because they end Bicep statements.
 */

/** One token; newlines are tokens because they end Bicep statements. */
export interface Token {
  readonly kind: 'ident' | 'number' | 'punct' | 'newline' | 'string';
  /** Source text; for strings the quoted text as written. */
  readonly text: string;
  readonly line: number;
  /** Strings only: literal pieces (escapes resolved) and `${…}` interpolations, in order. */
  readonly parts?: readonly (string | readonly Token[])[];
}

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
