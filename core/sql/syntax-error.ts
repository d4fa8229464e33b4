import { CamusError, ErrorCode } from '../errors.js';

/** Where in the source text something is: 0-based offset, 1-based line and column. */
export interface SourcePosition {
  offset: number;
  line: number;
  column: number;
}

/**
 * The parser's CADB0406. It carries the position so that a client (the shell,
 * an editor) can point at the offending text without parsing the message.
 */
export class SqlSyntaxError extends CamusError {
  override name = 'SqlSyntaxError';
  constructor(
    message: string,
    readonly position: SourcePosition,
  ) {
    super(ErrorCode.SqlSyntaxError, message);
  }
}

/** Line and column (1-based, columns in UTF-16 units) of an offset; linear, so only called on errors. */
export function positionOf(sql: string, offset: number): SourcePosition {
  const end = Math.min(Math.max(offset, 0), sql.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const c = sql.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 13 && sql.charCodeAt(i + 1) !== 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: end, line, column: end - lineStart + 1 };
}

/** Builds the CADB0406 for `offset`, naming the text there the way every parser error does. */
export function syntaxErrorAt(sql: string, offset: number, near: string | null, detail: string): SqlSyntaxError {
  const p = positionOf(sql, offset);
  const where = near === null ? 'at end of input' : `near "${near}"`;
  return new SqlSyntaxError(`syntax error at line ${p.line}, column ${p.column} ${where}: ${detail}`, p);
}

/** A message suffix " at line L, column C" for the non-syntax errors that point into the text. */
export function atLineColumn(sql: string, offset: number): string {
  const p = positionOf(sql, offset);
  return ` at line ${p.line}, column ${p.column}`;
}
