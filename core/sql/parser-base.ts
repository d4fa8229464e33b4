// The token cursor under the recursive-descent parser: matching helpers that
// remember what they looked for, so that an error can say what was expected,
// and the nesting counter that turns deep input into an error instead of a
// stack overflow.

import { camusError, type CamusError } from '../errors.js';
import { tokenize, tokenText, type Token } from './lexer.js';
import { atLineColumn, syntaxErrorAt, type SqlSyntaxError } from './syntax-error.js';

/**
 * How many nested expressions / subqueries the parser follows. Each level
 * costs about ten stack frames, so 200 stays far below any engine's limit
 * while being much deeper than hand-written or generated SQL goes.
 */
export const MAX_NESTING = 200;

/** Text that ends a statement: what the script loop accepts after one. */
const END_OF_STATEMENT = ['";"', 'end of input'];

export abstract class ParserBase {
  protected readonly tokens: Token[];
  protected index = 0;
  private depth = 0;
  /** Token index the `expected` list belongs to; alternatives tried elsewhere are stale. */
  private expectedAt = -1;
  private readonly expected: string[] = [];
  /** Token index of the last name taken as an alias without AS, or -1. */
  private implicitAlias = -1;

  constructor(protected readonly sql: string) {
    this.tokens = tokenize(sql);
  }

  protected get tok(): Token {
    return this.tokens[this.index] as Token;
  }

  protected peek(ahead = 1): Token {
    const i = Math.min(this.index + ahead, this.tokens.length - 1);
    return this.tokens[i] as Token;
  }

  protected advance(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.index++;
    return t;
  }

  protected atEof(): boolean {
    return this.tok.kind === 'eof';
  }

  /** Whether the current token ends a statement, noting both endings as expected. */
  protected atEndOfStatement(): boolean {
    for (const e of END_OF_STATEMENT) this.expect(e);
    return this.atEof() || (this.tok.kind === 'op' && this.tok.value === ';');
  }

  /** Records that `what` would have been accepted at the current token. */
  protected expect(what: string): void {
    // This runs for every alternative tried, so it only appends; duplicates
    // are dropped when (rarely) a message is built.
    if (this.expectedAt !== this.index) {
      this.expectedAt = this.index;
      this.expected.length = 0;
    }
    this.expected.push(what);
  }

  /** Whether the current token is the keyword or operator, without noting it as expected. */
  protected sees(kind: 'keyword' | 'op', value: string): boolean {
    return this.tok.kind === kind && this.tok.value === value;
  }

  protected isKw(word: string): boolean {
    this.expect(word);
    return this.tok.kind === 'keyword' && this.tok.value === word;
  }

  protected acceptKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.advance();
    return true;
  }

  protected expectKw(word: string): Token {
    if (!this.isKw(word)) this.fail();
    return this.advance();
  }

  /** A contextual keyword: a bare (unquoted) identifier spelled `word`, any case. */
  protected isWord(word: string): boolean {
    this.expect(word.toUpperCase());
    return this.tok.kind === 'ident' && !this.tok.quoted && this.tok.value === word;
  }

  protected acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.advance();
    return true;
  }

  protected expectWord(word: string): Token {
    if (!this.isWord(word)) this.fail();
    return this.advance();
  }

  protected isOp(symbol: string): boolean {
    this.expect(`"${symbol}"`);
    return this.tok.kind === 'op' && this.tok.value === symbol;
  }

  protected acceptOp(symbol: string): boolean {
    if (!this.isOp(symbol)) return false;
    this.advance();
    return true;
  }

  protected expectOp(symbol: string): Token {
    if (!this.isOp(symbol)) this.fail();
    return this.advance();
  }

  /** Any identifier, bare or quoted; `what` names it in the error ("table name"). */
  protected expectIdent(what: string): string {
    this.expect(what);
    if (this.tok.kind !== 'ident') this.fail();
    return this.advance().value;
  }

  /** Like expectIdent, also giving the name's offset. */
  protected expectIdentAt(what: string): { name: string; pos: number } {
    const pos = this.tok.pos;
    return { name: this.expectIdent(what), pos };
  }

  /** An alias after a table or select item, with or without AS; null when there is none. */
  protected parseOptionalAlias(): string | null {
    if (this.acceptKw('AS')) return this.expectIdent('alias');
    this.expect('alias');
    if (this.tok.kind !== 'ident') return null;
    this.implicitAlias = this.index;
    return this.advance().value;
  }

  protected enter(): void {
    this.depth++;
    if (this.depth > MAX_NESTING) {
      throw syntaxErrorAt(this.sql, this.tok.pos, tokenText(this.sql, this.tok), 'too deeply nested');
    }
  }

  protected leave(): void {
    this.depth--;
  }

  /** Throws the CADB0406 for the current token, with `detail` or else what was expected there. */
  protected fail(detail?: string): never {
    throw this.errorHere(detail);
  }

  private errorHere(detail: string | undefined): SqlSyntaxError {
    let at = this.tok;
    let message = detail;
    if (message === undefined) {
      const expected = this.expectedAt === this.index ? [...new Set(this.expected)] : [];
      // `SELECT a FORM t` reads FORM as an alias of `a` and trips on `t`. The
      // alias was optional, so whatever is expected after it was allowed in
      // its place too; if the alias looks like a misspelling of one of
      // those keywords, blaming the alias is the helpful answer.
      const alias = this.implicitAlias >= 0 && this.implicitAlias === this.index - 1 ? (this.tokens[this.implicitAlias] as Token) : null;
      const misspelt = alias === null ? null : closeKeyword(alias, expected);
      if (alias !== null && misspelt !== null) {
        at = alias;
        message = `expected ${misspelt}`;
      } else {
        message = describeExpected(at, expected);
      }
    }
    return syntaxErrorAt(this.sql, at.pos, tokenText(this.sql, at), message);
  }

  /** A CADB0407: the text parsed, but the statement cannot be used as written. */
  protected invalidStatement(message: string, pos: number): CamusError {
    return camusError('InvalidAstStmt', message + atLineColumn(this.sql, pos));
  }

  /** A CADB0400 pointing into the text, for values out of range. */
  protected invalidInput(message: string, pos: number): CamusError {
    return camusError('InvalidInput', message + atLineColumn(this.sql, pos));
  }
}

function describeExpected(at: Token, expected: string[]): string {
  if (expected.length === 0) return 'unexpected token';
  const close = closeKeyword(at, expected);
  if (close !== null) return `expected ${close}`;
  if (expected.length === 1) return `expected ${expected[0] as string}`;
  const shown = expected.slice(0, 8);
  const more = expected.length > shown.length ? ', ...' : '';
  return `expected one of ${shown.join(', ')}${more}`;
}

/** The expected keyword a bare word is a likely misspelling of, if exactly one is. */
function closeKeyword(tok: Token, expected: string[]): string | null {
  if (tok.kind !== 'ident' || tok.quoted || tok.value.length < 3 || tok.value.length > 20) return null;
  const word = tok.value.toUpperCase();
  const hits = expected.filter((e) => /^[A-Z_]+$/.test(e) && editDistance(word, e) <= (e.length <= 4 ? 1 : 2));
  return hits.length === 1 ? (hits[0] as string) : null;
}

/** Optimal-string-alignment distance: Levenshtein plus swaps of neighbours (FORM / FROM). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
