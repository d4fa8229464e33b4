import { describe, expect, it } from 'vitest';
import { needsContinuation, splitStatements, StatementSplitter } from '../../cli/lexer-split.js';

const sqls = (text: string): string[] => splitStatements(text).statements.map((s) => s.sql);

describe('statement splitter', () => {
  it('splits at ; and drops empty statements', () => {
    expect(sqls('SELECT 1; SELECT 2;;  ;')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(sqls('SELECT 1')).toEqual(['SELECT 1']);
    expect(sqls('  \n ')).toEqual([]);
  });

  it('ignores ; inside quotes of every kind, honouring escapes and doubled quotes', () => {
    expect(sqls(`INSERT INTO t VALUES ("a;b", 'c;d', \`e;f\`); SELECT 2;`)).toEqual([
      `INSERT INTO t VALUES ("a;b", 'c;d', \`e;f\`)`,
      'SELECT 2',
    ]);
    expect(sqls(`SELECT 'it\\'s;'; SELECT 'x''y;z';`)).toEqual([`SELECT 'it\\'s;'`, `SELECT 'x''y;z'`]);
    expect(sqls('SELECT `a``;b`; SELECT 3;')).toEqual(['SELECT `a``;b`', 'SELECT 3']);
  });

  it('ignores ; in comments and keeps comments out of the classifying text', () => {
    const { statements } = splitStatements('-- first; not a statement\nSELECT 1 /* ; */ ; /* c */ SELECT 2 -- x;\n;');
    expect(statements.map((s) => s.sql)).toEqual(['SELECT 1 /* ; */', 'SELECT 2 -- x;']);
    expect(statements.map((s) => s.bare)).toEqual(['SELECT 1', 'SELECT 2']);
    expect(sqls('-- only a comment\n/* and another */')).toEqual([]);
  });

  it('does not end a statement at a ; inside parentheses', () => {
    const s = new StatementSplitter();
    expect(s.feed('INSERT INTO t VALUES (1;\n')).toEqual([]);
    expect(s.incompleteReason()).toBe('paren');
    expect(s.feed('2);\n').map((x) => x.sql)).toEqual(['INSERT INTO t VALUES (1;\n2)']);
    expect(s.hasPending()).toBe(false);
  });

  it('reports why a pending statement is incomplete', () => {
    const reason = (text: string): string | null => {
      const s = new StatementSplitter();
      s.feed(text);
      return s.incompleteReason();
    };
    expect(reason('SELECT "abc\n')).toBe('quote');
    expect(reason("SELECT 'abc\n")).toBe('quote');
    expect(reason('SELECT `abc\n')).toBe('quote');
    expect(reason('SELECT 1 /* open\n')).toBe('comment');
    expect(reason('SELECT (1 + 2\n')).toBe('paren');
    expect(reason('SELECT a,\n')).toBe('comma');
    expect(reason('SELECT a, -- more to come\n')).toBe('comma');
    expect(reason('SELECT a\n')).toBe('semicolon');
    expect(reason('SELECT a;\n')).toBe(null);
    expect(reason('SELECT a; -- trailing comment\n')).toBe(null);
    expect(reason('')).toBe(null);
  });

  it('needs continuation until a terminating ; outside quotes, comments and parentheses', () => {
    expect(needsContinuation('SELECT 1')).toBe(true);
    expect(needsContinuation('SELECT 1;')).toBe(false);
    expect(needsContinuation("SELECT ';'")).toBe(true);
    expect(needsContinuation("SELECT ';';")).toBe(false);
    expect(needsContinuation('SELECT (1;')).toBe(true);
    expect(needsContinuation('SELECT 1; SELECT')).toBe(true);
    expect(needsContinuation('/* SELECT 1; */')).toBe(false);
    expect(needsContinuation('/* SELECT 1;')).toBe(true);
    expect(needsContinuation('-- SELECT 1')).toBe(false);
  });

  it('flush at end of input runs a statement missing only its ;', () => {
    expect(splitStatements('SELECT 1; SELECT 2').statements.map((s) => s.sql)).toEqual(['SELECT 1', 'SELECT 2']);
    const r = splitStatements("SELECT 1; SELECT 'x");
    expect(r.statements.map((s) => s.sql)).toEqual(['SELECT 1']);
    expect(r.incomplete).toBe('quote');
    expect(splitStatements('SELECT a,').incomplete).toBe('comma');
    expect(splitStatements('SELECT (a').incomplete).toBe('paren');
  });

  it('keeps state across fed lines', () => {
    const s = new StatementSplitter();
    expect(s.feed('SELECT\n')).toEqual([]);
    expect(s.feed('  "multi\n')).toEqual([]);
    expect(s.incompleteReason()).toBe('quote');
    expect(s.feed('line"; SELECT 2; SELECT\n').map((x) => x.sql)).toEqual(['SELECT\n  "multi\nline"', 'SELECT 2']);
    expect(s.hasPending()).toBe(true);
    s.reset();
    expect(s.hasPending()).toBe(false);
  });
});
