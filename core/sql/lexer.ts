// The SQL lexer: one pass over the text, each character looked at a bounded
// number of times, so its cost is linear in the input whatever the input is.

import { syntaxErrorAt } from './syntax-error.js';

export { positionOf, SqlSyntaxError, type SourcePosition } from './syntax-error.js';

/**
 * - `keyword`: a reserved word; `value` is upper-case.
 * - `ident`: any other word, or a backtick-quoted name; `value` is lower-cased
 *   and `quoted` tells the two apart, because only bare words can act as the
 *   contextual keywords (TABLES, DATABASE, ANALYZE, type names, ...).
 * - `int`: `value` holds the decimal digits; the parser turns them into a
 *   bigint after folding a leading minus, so INT64_MIN can be written.
 * - `float`: `value` holds the source text (`1.5`, `1e3`, `.5`).
 * - `string`: `value` holds the decoded text.
 * - `param`: `value` holds the name after `@`, as written.
 * - `op`: punctuation and operators; `value` is the symbol.
 * - `eof`: one at the end, so the parser never reads past the array.
 */
export type TokenKind = 'keyword' | 'ident' | 'int' | 'float' | 'string' | 'param' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  quoted: boolean;
  /** Offset of the first character. */
  pos: number;
  /** Offset just past the last character. */
  end: number;
}

/**
 * Words that can never be identifiers unless quoted. The list is kept to the
 * words that would otherwise make the grammar ambiguous (an alias could
 * swallow WHERE, a column could be called SELECT); everything else the
 * grammar needs is matched by its text in context and stays usable as a name.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'ALTER',
  'AND',
  'AS',
  'ASC',
  'BETWEEN',
  'BY',
  'CASE',
  'COLUMN',
  'CREATE',
  'CROSS',
  'DEFAULT',
  'DELETE',
  'DESC',
  'DISTINCT',
  'DROP',
  'ELSE',
  'END',
  'EXISTS',
  'FALSE',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'ILIKE',
  'IN',
  'INDEX',
  'INNER',
  'INSERT',
  'INTO',
  'IS',
  'JOIN',
  'KEY',
  'LEFT',
  'LIKE',
  'LIMIT',
  'NOT',
  'NULL',
  'OFFSET',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'PRIMARY',
  'RIGHT',
  'SELECT',
  'SET',
  'TABLE',
  'THEN',
  'TRUE',
  'UNION',
  'UNIQUE',
  'UPDATE',
  'VALUES',
  'WHEN',
  'WHERE',
]);

/** Operators made of two characters; checked before the single-character ones. */
const TWO_CHAR_OPS: ReadonlySet<string> = new Set(['<=', '>=', '<>', '!=', '||']);
const ONE_CHAR_OPS = '=<>+-*/%(),;.{}@';

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** The text an error message quotes for a token: its source, cut short when long. */
export function tokenText(sql: string, tok: Token): string | null {
  if (tok.kind === 'eof') return null;
  return snippet(sql, tok.pos, tok.end);
}

function snippet(sql: string, start: number, end: number): string {
  const max = 40;
  const text = sql.slice(start, Math.min(end, start + max)).replace(/\s+/g, ' ');
  return end - start > max ? `${text}...` : text;
}

/** Splits `sql` into tokens, ending with one `eof`. Throws CADB0406 on text no token can start with. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, value: string, pos: number, end: number, quoted = false): void => {
    tokens.push({ kind, value, quoted, pos, end });
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    // `--` starts a comment up to the end of the line.
    if (c === 45 && next === 45) {
      i += 2;
      while (i < n && sql.charCodeAt(i) !== 10 && sql.charCodeAt(i) !== 13) i++;
      continue;
    }
    // `/* ... */` comments do not nest, as in MySQL.
    if (c === 47 && next === 42) {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw syntaxErrorAt(sql, i, snippet(sql, i, n), 'unterminated comment');
      i = close + 2;
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      const word = sql.slice(start, i);
      const upper = word.toUpperCase();
      if (RESERVED_WORDS.has(upper)) push('keyword', upper, start, i);
      else push('ident', word.toLowerCase(), start, i);
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(next))) {
      i = lexNumber(sql, i, tokens);
      continue;
    }
    if (c === 39 || c === 34) {
      i = lexString(sql, i, tokens);
      continue;
    }
    if (c === 96) {
      i = lexQuotedIdent(sql, i, tokens);
      continue;
    }
    if (c === 64 && isIdentStart(next)) {
      const start = i;
      i++;
      while (i < n && isIdentPart(sql.charCodeAt(i))) i++;
      push('param', sql.slice(start + 1, i), start, i);
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      push('op', two, i, i + 2);
      i += 2;
      continue;
    }
    const one = sql[i] as string;
    if (ONE_CHAR_OPS.includes(one)) {
      push('op', one, i, i + 1);
      i++;
      continue;
    }
    // Report the whole code point so that a surrogate pair is not cut in two.
    const cp = String.fromCodePoint(sql.codePointAt(i) as number);
    throw syntaxErrorAt(sql, i, cp, 'unexpected character');
  }
  push('eof', '', n, n);
  return tokens;
}

function lexNumber(sql: string, start: number, tokens: Token[]): number {
  const n = sql.length;
  let i = start;
  let isFloat = false;
  while (i < n && isDigit(sql.charCodeAt(i))) i++;
  if (i < n && sql.charCodeAt(i) === 46) {
    isFloat = true;
    i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
  }
  const e = i < n ? sql.charCodeAt(i) : -1;
  if (e === 101 || e === 69) {
    const sign = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    const firstDigit = sign === 43 || sign === 45 ? i + 2 : i + 1;
    if (firstDigit < n && isDigit(sql.charCodeAt(firstDigit))) {
      isFloat = true;
      i = firstDigit;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
    }
  }
  // `12abc` is neither a number nor a name; saying so here beats a puzzling
  // "unexpected identifier" from the parser.
  if (i < n && isIdentPart(sql.charCodeAt(i))) {
    let j = i;
    while (j < n && isIdentPart(sql.charCodeAt(j))) j++;
    throw syntaxErrorAt(sql, start, snippet(sql, start, j), 'invalid number');
  }
  tokens.push({ kind: isFloat ? 'float' : 'int', value: sql.slice(start, i), quoted: false, pos: start, end: i });
  return i;
}

/** Backslash escapes as MySQL reads them; `\%` and `\_` keep their backslash for LIKE. */
function unescape(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case 'b':
      return '\b';
    case 'Z':
      return '\x1a';
    case '%':
    case '_':
      return `\\${ch}`;
    default:
      return ch;
  }
}

function lexString(sql: string, start: number, tokens: Token[]): number {
  const n = sql.length;
  const quote = sql.charCodeAt(start);
  const parts: string[] = [];
  let i = start + 1;
  let chunk = i;
  for (;;) {
    if (i >= n) throw syntaxErrorAt(sql, start, snippet(sql, start, n), 'unterminated string');
    const c = sql.charCodeAt(i);
    if (c === 92) {
      if (i + 1 >= n) throw syntaxErrorAt(sql, start, snippet(sql, start, n), 'unterminated string');
      parts.push(sql.slice(chunk, i), unescape(sql[i + 1] as string));
      i += 2;
      chunk = i;
    } else if (c === quote) {
      parts.push(sql.slice(chunk, i));
      if (i + 1 < n && sql.charCodeAt(i + 1) === quote) {
        // A doubled quote stands for one quote character.
        parts.push(sql[i] as string);
        i += 2;
        chunk = i;
      } else {
        i++;
        break;
      }
    } else {
      i++;
    }
  }
  tokens.push({ kind: 'string', value: parts.join(''), quoted: false, pos: start, end: i });
  return i;
}

function lexQuotedIdent(sql: string, start: number, tokens: Token[]): number {
  const n = sql.length;
  const parts: string[] = [];
  let i = start + 1;
  let chunk = i;
  for (;;) {
    if (i >= n) throw syntaxErrorAt(sql, start, snippet(sql, start, n), 'unterminated quoted identifier');
    if (sql.charCodeAt(i) === 96) {
      parts.push(sql.slice(chunk, i));
      if (i + 1 < n && sql.charCodeAt(i + 1) === 96) {
        parts.push('`');
        i += 2;
        chunk = i;
      } else {
        i++;
        break;
      }
    } else {
      i++;
    }
  }
  const name = parts.join('');
  if (name.length === 0) throw syntaxErrorAt(sql, start, '``', 'empty quoted identifier');
  tokens.push({ kind: 'ident', value: name.toLowerCase(), quoted: true, pos: start, end: i });
  return i;
}
