import { describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import { tokenize } from '../../core/sql/lexer.js';
import {
  formatExpr,
  formatSql,
  parse,
  parseOne,
  SqlSyntaxError,
  withoutPositions,
  type Expr,
  type Select,
  type Statement,
} from '../../core/sql/parser.js';

/** Parses one statement, checks that it prints and parses back to the same tree, and drops positions. */
function p(sql: string): Statement {
  const stmt = parseOne(sql);
  const printed = formatSql(stmt);
  let again: Statement;
  try {
    again = parseOne(printed);
  } catch (e) {
    throw new Error(`printed form of ${JSON.stringify(sql)} does not parse: ${printed}: ${String(e)}`);
  }
  expect(withoutPositions(again), `round trip through: ${printed}`).toEqual(withoutPositions(stmt));
  return withoutPositions(stmt);
}

function sel(sql: string): Select {
  const s = p(sql);
  if (s.kind !== 'select') throw new Error(`not a select: ${sql}`);
  return s;
}

/** The WHERE expression of `SELECT * FROM t WHERE <text>`. */
function where(text: string): Expr {
  const w = sel(`SELECT * FROM t WHERE ${text}`).where;
  if (w === null) throw new Error('no where');
  return w;
}

/** The single select-list expression of `SELECT <text>`. */
function ex(text: string): Expr {
  const item = sel(`SELECT ${text}`).columns[0];
  if (item?.kind !== 'expr') throw new Error('not an expression');
  return item.expr;
}

function err(sql: string): CamusError {
  try {
    parse(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(CamusError);
    return e as CamusError;
  }
  throw new Error(`expected ${JSON.stringify(sql)} to fail`);
}

function errOne(sql: string): CamusError {
  try {
    parseOne(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(CamusError);
    return e as CamusError;
  }
  throw new Error(`expected ${JSON.stringify(sql)} to fail`);
}

const col = (name: string, table: string | null = null): Expr => ({ kind: 'column', table, name }) as Expr;
const int = (v: bigint | number): Expr => ({ kind: 'int', value: BigInt(v) });
const str = (value: string): Expr => ({ kind: 'string', value });
const bin = (op: string, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right }) as Expr;

describe('lexer', () => {
  it('reads keywords in any case and lower-cases identifiers', () => {
    const toks = tokenize('SeLeCt FooBar FROM `MiXeD`');
    expect(toks.map((t) => [t.kind, t.value])).toEqual([
      ['keyword', 'SELECT'],
      ['ident', 'foobar'],
      ['keyword', 'FROM'],
      ['ident', 'mixed'],
      ['eof', ''],
    ]);
    expect(toks[3]?.quoted).toBe(true);
  });

  it('keeps token offsets', () => {
    const toks = tokenize('  a  <= @p');
    expect(toks.map((t) => [t.pos, t.end])).toEqual([
      [2, 3],
      [5, 7],
      [8, 10],
      [10, 10],
    ]);
  });

  it('reads numbers: ints, floats, exponents, leading dot', () => {
    const toks = tokenize('1 1.5 1e3 .5 5. 2E-2 1.5e+3');
    expect(toks.slice(0, -1).map((t) => [t.kind, t.value])).toEqual([
      ['int', '1'],
      ['float', '1.5'],
      ['float', '1e3'],
      ['float', '.5'],
      ['float', '5.'],
      ['float', '2E-2'],
      ['float', '1.5e+3'],
    ]);
  });

  it('reads all operators', () => {
    const toks = tokenize('= != <> < > <= >= + - * / % || ( ) , ; . { } @');
    expect(toks.slice(0, -1).map((t) => t.value)).toEqual(
      '= != <> < > <= >= + - * / % || ( ) , ; . { } @'.split(' '),
    );
  });

  it('skips comments', () => {
    const toks = tokenize('a -- comment ; b\n/* block\n ; */ c');
    expect(toks.slice(0, -1).map((t) => t.value)).toEqual(['a', 'c']);
  });

  it('reads parameters with their name as written', () => {
    const toks = tokenize('@Name @x_1');
    expect(toks.slice(0, -1).map((t) => [t.kind, t.value])).toEqual([
      ['param', 'Name'],
      ['param', 'x_1'],
    ]);
  });
});

describe('literals', () => {
  it('parses INT64 exactly as bigint, including both ends of the range', () => {
    expect(ex('9223372036854775807')).toEqual(int(9223372036854775807n));
    expect(ex('-9223372036854775808')).toEqual(int(-9223372036854775808n));
    expect(ex('9007199254740993')).toEqual(int(9007199254740993n));
    expect(ex('-9007199254740993')).toEqual(int(-9007199254740993n));
    expect(ex('0')).toEqual(int(0));
    expect(ex('007')).toEqual(int(7));
  });

  it('rejects integers outside INT64 with CADB0400', () => {
    expect(err('SELECT 9223372036854775808').code).toBe('CADB0400');
    expect(err('SELECT -9223372036854775809').code).toBe('CADB0400');
    expect(err('SELECT 99999999999999999999999999999').code).toBe('CADB0400');
    expect(err(`SELECT ${'9'.repeat(100_000)}`).code).toBe('CADB0400');
    // The minus must touch the literal to be folded; in parentheses it is an operator.
    expect(err('SELECT -(9223372036854775808)').code).toBe('CADB0400');
    expect(err('SELECT 1 WHERE a = 9223372036854775808').message).toMatch(/line 1, column 20/);
  });

  it('parses floats as numbers', () => {
    expect(ex('1.5')).toEqual({ kind: 'float', value: 1.5 });
    expect(ex('1e3')).toEqual({ kind: 'float', value: 1000 });
    expect(ex('.5')).toEqual({ kind: 'float', value: 0.5 });
    expect(ex('-2.5')).toEqual({ kind: 'float', value: -2.5 });
    expect(ex('1.0')).toEqual({ kind: 'float', value: 1 });
    expect(err('SELECT 1e400').code).toBe('CADB0400');
  });

  it('parses strings in both quotes with escapes', () => {
    expect(ex(`'abc'`)).toEqual(str('abc'));
    expect(ex(`"abc"`)).toEqual(str('abc'));
    expect(ex(`'it''s'`)).toEqual(str("it's"));
    expect(ex(`"say ""hi"""`)).toEqual(str('say "hi"'));
    expect(ex(`'a\\'b'`)).toEqual(str("a'b"));
    expect(ex(`"a\\"b"`)).toEqual(str('a"b'));
    expect(ex(`'\\n\\t\\r\\0\\\\'`)).toEqual(str('\n\t\r\0\\'));
    expect(ex(`'\\%\\_'`)).toEqual(str('\\%\\_'));
    expect(ex(`'\\q'`)).toEqual(str('q'));
    expect(ex(`'multi\nline'`)).toEqual(str('multi\nline'));
    expect(ex(`''`)).toEqual(str(''));
    expect(ex(`'ünïcödé ✓'`)).toEqual(str('ünïcödé ✓'));
  });

  it('parses booleans, NULL and parameters', () => {
    expect(ex('TRUE')).toEqual({ kind: 'bool', value: true });
    expect(ex('false')).toEqual({ kind: 'bool', value: false });
    expect(ex('Null')).toEqual({ kind: 'null' });
    expect(ex('@id')).toEqual({ kind: 'param', name: 'id' });
  });

  it('parses GEN_ID() and STR_ID() as ordinary calls', () => {
    expect(ex('GEN_ID()')).toEqual({ kind: 'call', name: 'gen_id', args: [], star: false, distinct: false });
    expect(ex(`STR_ID("507f1f77bcf86cd799439011")`)).toEqual({
      kind: 'call',
      name: 'str_id',
      args: [str('507f1f77bcf86cd799439011')],
      star: false,
      distinct: false,
    });
  });
});

describe('expressions and precedence', () => {
  it('AND binds tighter than OR', () => {
    expect(where('a = 1 OR b = 2 AND c = 3')).toEqual(
      bin('OR', bin('=', col('a'), int(1)), bin('AND', bin('=', col('b'), int(2)), bin('=', col('c'), int(3)))),
    );
  });

  it('NOT binds looser than comparison and tighter than AND', () => {
    expect(where('NOT a = 1 AND b')).toEqual(
      bin('AND', { kind: 'unary', op: 'NOT', operand: bin('=', col('a'), int(1)) }, col('b')),
    );
  });

  it('arithmetic: * / % over + - ||, left associative', () => {
    expect(ex('1 + 2 * 3')).toEqual(bin('+', int(1), bin('*', int(2), int(3))));
    expect(ex('1 - 2 - 3')).toEqual(bin('-', bin('-', int(1), int(2)), int(3)));
    expect(ex('8 / 4 % 3')).toEqual(bin('%', bin('/', int(8), int(4)), int(3)));
    expect(ex(`a || 'x' || b`)).toEqual(bin('||', bin('||', col('a'), str('x')), col('b')));
    expect(ex('(1 + 2) * 3')).toEqual(bin('*', bin('+', int(1), int(2)), int(3)));
  });

  it('comparison operators, with <> stored as !=', () => {
    for (const op of ['=', '!=', '<', '>', '<=', '>=']) expect(where(`a ${op} 1`)).toEqual(bin(op, col('a'), int(1)));
    expect(where('a <> 1')).toEqual(bin('!=', col('a'), int(1)));
    expect(where('a + 1 > b * 2')).toEqual(bin('>', bin('+', col('a'), int(1)), bin('*', col('b'), int(2))));
  });

  it('unary minus and plus', () => {
    expect(ex('-a')).toEqual({ kind: 'unary', op: '-', operand: col('a') });
    expect(ex('+a')).toEqual({ kind: 'unary', op: '+', operand: col('a') });
    expect(ex('- 5')).toEqual(int(-5));
    expect(ex('-(5)')).toEqual({ kind: 'unary', op: '-', operand: int(5) });
    expect(ex('- -5')).toEqual({ kind: 'unary', op: '-', operand: int(-5) });
    expect(ex('-a * b')).toEqual(bin('*', { kind: 'unary', op: '-', operand: col('a') }, col('b')));
    expect(ex('2 - -3')).toEqual(bin('-', int(2), int(-3)));
    expect(ex('2-3')).toEqual(bin('-', int(2), int(3)));
  });

  it('LIKE, ILIKE and their negations', () => {
    expect(where(`a LIKE 'x%'`)).toEqual({ kind: 'like', negated: false, caseInsensitive: false, expr: col('a'), pattern: str('x%') });
    expect(where(`a NOT ILIKE 'x%'`)).toEqual({ kind: 'like', negated: true, caseInsensitive: true, expr: col('a'), pattern: str('x%') });
    expect(where(`a ilike b || '%'`)).toMatchObject({ kind: 'like', pattern: bin('||', col('b'), str('%')) });
  });

  it('BETWEEN takes its AND, leaving the outer AND alone', () => {
    expect(where('a BETWEEN 1 AND 2 AND b')).toEqual(
      bin('AND', { kind: 'between', negated: false, expr: col('a'), low: int(1), high: int(2) }, col('b')),
    );
    expect(where('a NOT BETWEEN 1 + 1 AND 2 * 2')).toEqual({
      kind: 'between',
      negated: true,
      expr: col('a'),
      low: bin('+', int(1), int(1)),
      high: bin('*', int(2), int(2)),
    });
  });

  it('IS [NOT] NULL', () => {
    expect(where('a IS NULL')).toEqual({ kind: 'isNull', negated: false, expr: col('a') });
    expect(where('a IS NOT NULL OR b')).toEqual(bin('OR', { kind: 'isNull', negated: true, expr: col('a') }, col('b')));
  });

  it('IN lists and subqueries, and NOT IN', () => {
    expect(where('a IN (1, 2, 3)')).toEqual({ kind: 'inList', negated: false, expr: col('a'), list: [int(1), int(2), int(3)] });
    expect(where('a NOT IN (@p)')).toEqual({ kind: 'inList', negated: true, expr: col('a'), list: [{ kind: 'param', name: 'p' }] });
    expect(where('a IN (SELECT b FROM u)')).toMatchObject({ kind: 'inSelect', negated: false, query: { kind: 'select' } });
    expect(where('a NOT IN (SELECT b FROM u WHERE c = 1)')).toMatchObject({ kind: 'inSelect', negated: true });
    expect(err('SELECT * FROM t WHERE a IN ()').code).toBe('CADB0406');
  });

  it('EXISTS, NOT EXISTS and scalar subqueries', () => {
    expect(where('EXISTS (SELECT 1 FROM u)')).toMatchObject({ kind: 'exists', query: { kind: 'select' } });
    expect(where('NOT EXISTS (SELECT 1 FROM u)')).toMatchObject({ kind: 'unary', op: 'NOT', operand: { kind: 'exists' } });
    expect(where('a = (SELECT MAX(b) FROM u)')).toMatchObject({ kind: 'binary', right: { kind: 'subquery' } });
    expect(ex('(SELECT 1) + 1')).toMatchObject({ kind: 'binary', left: { kind: 'subquery' } });
  });

  it('CASE in both forms', () => {
    expect(ex(`CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END`)).toEqual({
      kind: 'case',
      operand: null,
      whens: [
        { when: bin('>', col('a'), int(1)), then: str('big') },
        { when: bin('>', col('a'), int(0)), then: str('small') },
      ],
      else: str('none'),
    });
    expect(ex('CASE a WHEN 1 THEN 2 END')).toEqual({ kind: 'case', operand: col('a'), whens: [{ when: int(1), then: int(2) }], else: null });
    expect(err('SELECT CASE END').code).toBe('CADB0406');
  });

  it('function calls: args, COUNT(*), DISTINCT flagged', () => {
    expect(ex('COUNT(*)')).toEqual({ kind: 'call', name: 'count', args: [], star: true, distinct: false });
    expect(ex('count(DISTINCT c)')).toEqual({ kind: 'call', name: 'count', args: [col('c')], star: false, distinct: true });
    expect(ex('Sum(a + 1)')).toEqual({ kind: 'call', name: 'sum', args: [bin('+', col('a'), int(1))], star: false, distinct: false });
    expect(ex('f(1, g(2), t.c)')).toMatchObject({ kind: 'call', name: 'f', args: [int(1), { kind: 'call', name: 'g' }, col('c', 't')] });
  });

  it('qualified columns', () => {
    expect(ex('t.a')).toEqual(col('a', 't'));
    expect(ex('`T`.`A b`')).toEqual(col('a b', 't'));
  });
});

describe('SELECT', () => {
  it('a minimal select', () => {
    expect(sel('SELECT * FROM t')).toEqual({
      kind: 'select',
      distinct: false,
      columns: [{ kind: 'star', table: null }],
      from: { kind: 'table', name: 't', alias: null, forceIndex: null },
      where: null,
      groupBy: [],
      having: null,
      orderBy: [],
      limit: null,
      offset: null,
    });
  });

  it('select list: t.*, aliases with and without AS, DISTINCT', () => {
    const s = sel('SELECT DISTINCT t.*, a AS x, b y, c + 1 FROM t');
    expect(s.distinct).toBe(true);
    expect(s.columns).toEqual([
      { kind: 'star', table: 't' },
      { kind: 'expr', expr: col('a'), alias: 'x' },
      { kind: 'expr', expr: col('b'), alias: 'y' },
      { kind: 'expr', expr: bin('+', col('c'), int(1)), alias: null },
    ]);
  });

  it('table aliases and FORCE_INDEX', () => {
    expect(sel('SELECT * FROM t AS x').from).toEqual({ kind: 'table', name: 't', alias: 'x', forceIndex: null });
    expect(sel('SELECT * FROM t x').from).toEqual({ kind: 'table', name: 't', alias: 'x', forceIndex: null });
    expect(sel('SELECT * FROM t@{FORCE_INDEX=idx_a}').from).toEqual({ kind: 'table', name: 't', alias: null, forceIndex: 'idx_a' });
    expect(sel('SELECT * FROM t@{force_index=PRIMARY} AS z').from).toEqual({ kind: 'table', name: 't', alias: 'z', forceIndex: 'primary' });
    expect(sel('SELECT * FROM t @ { FORCE_INDEX = i } z').from).toEqual({ kind: 'table', name: 't', alias: 'z', forceIndex: 'i' });
  });

  it('subqueries in FROM need an alias', () => {
    expect(sel('SELECT s.a FROM (SELECT a FROM t) AS s').from).toMatchObject({ kind: 'subquery', alias: 's', query: { kind: 'select' } });
    expect(sel('SELECT s.a FROM (SELECT a FROM t) s').from).toMatchObject({ kind: 'subquery', alias: 's' });
    expect(err('SELECT * FROM (SELECT a FROM t)').code).toBe('CADB0406');
  });

  it('joins nest to the left', () => {
    const s = sel('SELECT * FROM a JOIN b ON a.id = b.id INNER JOIN c ON c.x = b.x LEFT OUTER JOIN d ON d.y = 1, e LEFT JOIN f ON TRUE CROSS JOIN g');
    const t = (name: string) => ({ kind: 'table', name, alias: null, forceIndex: null });
    expect(s.from).toEqual({
      kind: 'join',
      type: 'cross',
      left: {
        kind: 'join',
        type: 'left',
        left: {
          kind: 'join',
          type: 'cross',
          left: {
            kind: 'join',
            type: 'left',
            left: {
              kind: 'join',
              type: 'inner',
              left: { kind: 'join', type: 'inner', left: t('a'), right: t('b'), on: bin('=', col('id', 'a'), col('id', 'b')) },
              right: t('c'),
              on: bin('=', col('x', 'c'), col('x', 'b')),
            },
            right: t('d'),
            on: bin('=', col('y', 'd'), int(1)),
          },
          right: t('e'),
          on: null,
        },
        right: t('f'),
        on: { kind: 'bool', value: true },
      },
      right: t('g'),
      on: null,
    });
    expect(err('SELECT * FROM a JOIN b').code).toBe('CADB0406');
  });

  it('WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET', () => {
    const s = sel('SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a, c HAVING COUNT(*) > 2 ORDER BY a DESC, c ASC, d LIMIT 10 OFFSET 5');
    expect(s.where).toEqual(bin('>', col('b'), int(1)));
    expect(s.groupBy).toEqual([col('a'), col('c')]);
    expect(s.having).toMatchObject({ kind: 'binary', op: '>' });
    expect(s.orderBy).toEqual([
      { expr: col('a'), order: 'desc' },
      { expr: col('c'), order: 'asc' },
      { expr: col('d'), order: 'asc' },
    ]);
    expect(s.limit).toEqual(int(10));
    expect(s.offset).toEqual(int(5));
  });

  it('LIMIT and OFFSET take parameters, not arbitrary expressions', () => {
    const s = sel('SELECT * FROM t LIMIT @n OFFSET @m');
    expect(s.limit).toEqual({ kind: 'param', name: 'n' });
    expect(s.offset).toEqual({ kind: 'param', name: 'm' });
    expect(sel('SELECT * FROM t OFFSET 3').offset).toEqual(int(3));
    expect(err('SELECT * FROM t LIMIT -1').code).toBe('CADB0406');
    expect(err('SELECT * FROM t LIMIT 1 + 1').code).toBe('CADB0406');
    expect(err('SELECT * FROM t LIMIT 10, 5').code).toBe('CADB0406');
  });

  it('select without FROM', () => {
    expect(sel('SELECT 1 + 1').from).toBeNull();
  });
});

describe('DML', () => {
  it('INSERT with and without a column list, several rows, DEFAULT', () => {
    expect(p(`INSERT INTO t (a, b) VALUES (1, 'x'), (DEFAULT, @p)`)).toEqual({
      kind: 'insert',
      table: 't',
      columns: ['a', 'b'],
      rows: [
        [int(1), str('x')],
        [{ kind: 'default' }, { kind: 'param', name: 'p' }],
      ],
    });
    expect(p('insert into T values (GEN_ID(), -1.5, NULL)')).toMatchObject({ table: 't', columns: null });
  });

  it('INSERT rows must match the column list (CADB0407)', () => {
    expect(err('INSERT INTO t (a, b) VALUES (1)').code).toBe('CADB0407');
    expect(err('INSERT INTO t VALUES (1, 2), (3)').code).toBe('CADB0407');
    expect(err('INSERT INTO t (a) VALUES ()').code).toBe('CADB0406');
  });

  it('UPDATE', () => {
    expect(p('UPDATE t SET a = a + 1, b = @b WHERE id = 7')).toEqual({
      kind: 'update',
      table: 't',
      set: [
        { column: 'a', value: bin('+', col('a'), int(1)) },
        { column: 'b', value: { kind: 'param', name: 'b' } },
      ],
      where: bin('=', col('id'), int(7)),
    });
  });

  it('DELETE', () => {
    expect(p('DELETE FROM t WHERE a IS NULL')).toEqual({ kind: 'delete', table: 't', where: { kind: 'isNull', negated: false, expr: col('a') } });
  });

  it('UPDATE and DELETE without WHERE are CADB0407', () => {
    expect(err('UPDATE t SET a = 1').code).toBe('CADB0407');
    expect(err('UPDATE t SET a = 1;').code).toBe('CADB0407');
    expect(err('DELETE FROM t').code).toBe('CADB0407');
    expect(err('DELETE FROM t; SELECT 1').code).toBe('CADB0407');
    // Garbage where WHERE belongs is a syntax error, not a missing WHERE.
    expect(err('DELETE FROM t WHEN a = 1').code).toBe('CADB0406');
  });
});

describe('DDL', () => {
  it('CREATE TABLE with column options and table keys', () => {
    expect(
      p(`CREATE TABLE IF NOT EXISTS robots (
           id OID PRIMARY KEY DEFAULT (GEN_ID()),
           name STRING NOT NULL UNIQUE,
           year INT64 NULL DEFAULT 2000,
           price FLOAT64 DEFAULT -1.5,
           enabled BOOL NOT NULL DEFAULT TRUE,
           UNIQUE KEY u_name (name),
           UNIQUE INDEX u_year (year DESC, name),
           KEY k_price (price),
           INDEX i_en (enabled)
         )`),
    ).toEqual({
      kind: 'createTable',
      table: 'robots',
      ifNotExists: true,
      columns: [
        { name: 'id', type: 'OID', notNull: false, unique: false, default: { kind: 'call', name: 'gen_id', args: [], star: false, distinct: false } },
        { name: 'name', type: 'STRING', notNull: true, unique: true, default: null },
        { name: 'year', type: 'INT64', notNull: false, unique: false, default: int(2000) },
        { name: 'price', type: 'FLOAT64', notNull: false, unique: false, default: { kind: 'float', value: -1.5 } },
        { name: 'enabled', type: 'BOOL', notNull: true, unique: false, default: { kind: 'bool', value: true } },
      ],
      primaryKey: [{ column: 'id', order: 'asc' }],
      indexes: [
        { name: 'u_name', unique: true, columns: [{ column: 'name', order: 'asc' }] },
        { name: 'u_year', unique: true, columns: [{ column: 'year', order: 'desc' }, { column: 'name', order: 'asc' }] },
        { name: 'k_price', unique: false, columns: [{ column: 'price', order: 'asc' }] },
        { name: 'i_en', unique: false, columns: [{ column: 'enabled', order: 'asc' }] },
      ],
    });
  });

  it('primary key inside or after the column list', () => {
    const inside = p('CREATE TABLE t (a INT, b STRING, PRIMARY KEY (a ASC, b DESC))');
    const after = p('CREATE TABLE t (a INT, b STRING) PRIMARY KEY (a ASC, b DESC)');
    expect(inside).toEqual(after);
    expect(after).toMatchObject({ primaryKey: [{ column: 'a', order: 'asc' }, { column: 'b', order: 'desc' }] });
  });

  it('type aliases map to the canonical types', () => {
    const types = {
      OID: 'OID', ID: 'OID', STRING: 'STRING', TEXT: 'STRING', VARCHAR: 'STRING', 'VARCHAR(255)': 'STRING', CHAR: 'STRING',
      INT64: 'INT64', INT: 'INT64', INTEGER: 'INT64', BIGINT: 'INT64', FLOAT64: 'FLOAT64', FLOAT: 'FLOAT64',
      DOUBLE: 'FLOAT64', REAL: 'FLOAT64', BOOL: 'BOOL', BOOLEAN: 'BOOL', int64: 'INT64',
    };
    for (const [written, canonical] of Object.entries(types)) {
      expect(p(`CREATE TABLE t (a ${written})`)).toMatchObject({ columns: [{ type: canonical }] });
    }
  });

  it('unknown types are CADB0401', () => {
    const e = err('CREATE TABLE t (a BLOB)');
    expect(e.code).toBe('CADB0401');
    expect(e.message).toMatch(/BLOB/);
  });

  it('unusable table shapes are CADB0407', () => {
    expect(err('CREATE TABLE t (a INT PRIMARY KEY, b INT PRIMARY KEY)').code).toBe('CADB0407');
    expect(err('CREATE TABLE t (a INT, PRIMARY KEY (a)) PRIMARY KEY (a)').code).toBe('CADB0407');
    expect(err('CREATE TABLE t (a INT NULL NOT NULL)').code).toBe('CADB0407');
    expect(err('CREATE TABLE t (a INT DEFAULT 1 DEFAULT 2)').code).toBe('CADB0407');
    expect(err('CREATE TABLE t (PRIMARY KEY (a))').code).toBe('CADB0407');
    expect(err('CREATE TABLE t ()').code).toBe('CADB0406');
  });

  it('DEFAULT takes a literal, a call or a parenthesized expression', () => {
    expect(p('CREATE TABLE t (a INT DEFAULT (1 + 2))')).toMatchObject({ columns: [{ default: bin('+', int(1), int(2)) }] });
    expect(p(`CREATE TABLE t (a STRING DEFAULT 'x')`)).toMatchObject({ columns: [{ default: str('x') }] });
    expect(p('CREATE TABLE t (a STRING DEFAULT NULL)')).toMatchObject({ columns: [{ default: { kind: 'null' } }] });
    expect(err('CREATE TABLE t (a INT DEFAULT b)').code).toBe('CADB0406');
    expect(err('CREATE TABLE t (a INT DEFAULT 1 + 2)').code).toBe('CADB0406');
  });

  it('reserved words as names need backticks', () => {
    expect(p('CREATE TABLE `select` (`from` INT, `key` STRING)')).toMatchObject({ table: 'select', columns: [{ name: 'from' }, { name: 'key' }] });
    expect(err('CREATE TABLE select (a INT)').code).toBe('CADB0406');
    // Words the grammar only uses in context stay usable as names.
    expect(p('CREATE TABLE tables (database INT, show STRING, if BOOL)')).toMatchObject({ table: 'tables' });
    expect(p('CREATE TABLE if (a INT)')).toMatchObject({ table: 'if', ifNotExists: false });
  });

  it('DROP TABLE', () => {
    expect(p('DROP TABLE t')).toEqual({ kind: 'dropTable', table: 't', ifExists: false });
    expect(p('drop table if exists T')).toEqual({ kind: 'dropTable', table: 't', ifExists: true });
  });

  it('ALTER TABLE, every action', () => {
    expect(p('ALTER TABLE t ADD COLUMN c INT64 NOT NULL DEFAULT 0')).toEqual({
      kind: 'alterTable',
      table: 't',
      action: { kind: 'addColumn', column: { name: 'c', type: 'INT64', notNull: true, unique: false, default: int(0) } },
    });
    expect(p('ALTER TABLE t ADD c STRING NULL')).toMatchObject({ action: { kind: 'addColumn', column: { name: 'c', notNull: false } } });
    expect(p('ALTER TABLE t DROP COLUMN c')).toMatchObject({ action: { kind: 'dropColumn', column: 'c' } });
    expect(p('ALTER TABLE t DROP c')).toMatchObject({ action: { kind: 'dropColumn', column: 'c' } });
    expect(p('ALTER TABLE t ADD PRIMARY KEY (a, b DESC)')).toMatchObject({
      action: { kind: 'addPrimaryKey', columns: [{ column: 'a', order: 'asc' }, { column: 'b', order: 'desc' }] },
    });
    expect(p('ALTER TABLE t DROP PRIMARY KEY')).toMatchObject({ action: { kind: 'dropPrimaryKey' } });
    expect(p('ALTER TABLE t ADD INDEX i (a)')).toMatchObject({ action: { kind: 'addIndex', name: 'i', unique: false } });
    expect(p('ALTER TABLE t ADD UNIQUE INDEX i (a)')).toMatchObject({ action: { kind: 'addIndex', name: 'i', unique: true } });
    expect(p('ALTER TABLE t DROP INDEX i')).toMatchObject({ action: { kind: 'dropIndex', name: 'i' } });
    expect(err('ALTER TABLE t ADD c INT PRIMARY KEY').code).toBe('CADB0407');
    expect(err('ALTER TABLE t RENAME TO u').code).toBe('CADB0406');
  });

  it('CREATE INDEX and DROP INDEX', () => {
    expect(p('CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a DESC, b)')).toEqual({
      kind: 'createIndex',
      name: 'i',
      table: 't',
      unique: true,
      ifNotExists: true,
      columns: [{ column: 'a', order: 'desc' }, { column: 'b', order: 'asc' }],
    });
    expect(p('CREATE INDEX i ON t (a)')).toMatchObject({ unique: false, ifNotExists: false });
    expect(p('DROP INDEX i ON t')).toEqual({ kind: 'dropIndex', name: 'i', table: 't' });
    expect(err('DROP INDEX i').code).toBe('CADB0406');
  });

  it('CREATE and DROP DATABASE', () => {
    expect(p('CREATE DATABASE d')).toEqual({ kind: 'createDatabase', name: 'd', ifNotExists: false });
    expect(p('CREATE DATABASE IF NOT EXISTS d')).toEqual({ kind: 'createDatabase', name: 'd', ifNotExists: true });
    expect(p('DROP DATABASE d')).toEqual({ kind: 'dropDatabase', name: 'd', ifExists: false });
    expect(p('DROP DATABASE IF EXISTS d')).toEqual({ kind: 'dropDatabase', name: 'd', ifExists: true });
  });
});

describe('transactions, SHOW, EXPLAIN', () => {
  it('transaction statements', () => {
    expect(p('BEGIN')).toEqual({ kind: 'begin' });
    expect(p('begin transaction')).toEqual({ kind: 'begin' });
    expect(p('START TRANSACTION')).toEqual({ kind: 'begin' });
    expect(p('COMMIT')).toEqual({ kind: 'commit' });
    expect(p('ROLLBACK')).toEqual({ kind: 'rollback' });
  });

  it('introspection statements', () => {
    expect(p('SHOW TABLES')).toEqual({ kind: 'showTables' });
    expect(p('SHOW COLUMNS FROM t')).toEqual({ kind: 'showColumns', table: 't' });
    expect(p('DESCRIBE t')).toEqual({ kind: 'showColumns', table: 't' });
    expect(p('desc t')).toEqual({ kind: 'showColumns', table: 't' });
    expect(p('SHOW CREATE TABLE t')).toEqual({ kind: 'showCreateTable', table: 't' });
    expect(p('SHOW DATABASE')).toEqual({ kind: 'showDatabase' });
    expect(p('SHOW DATABASES')).toEqual({ kind: 'showDatabases' });
    expect(p('SHOW INDEXES FROM t')).toEqual({ kind: 'showIndexes', table: 't' });
    expect(p('SHOW INDEX FROM t')).toEqual({ kind: 'showIndexes', table: 't' });
  });

  it('EXPLAIN in all its forms', () => {
    expect(p('EXPLAIN SELECT * FROM t')).toMatchObject({ kind: 'explain', mode: 'logical', query: { kind: 'select' } });
    expect(p('EXPLAIN (LOGICAL) SELECT 1')).toMatchObject({ mode: 'logical' });
    expect(p('EXPLAIN (PHYSICAL) SELECT 1')).toMatchObject({ mode: 'physical' });
    expect(p('EXPLAIN (ANALYZE) SELECT 1')).toMatchObject({ mode: 'analyze' });
    expect(p('EXPLAIN ANALYZE SELECT 1')).toMatchObject({ mode: 'analyze' });
    expect(err('EXPLAIN (VERBOSE) SELECT 1').code).toBe('CADB0406');
    expect(err('EXPLAIN DELETE FROM t WHERE a = 1').code).toBe('CADB0406');
  });
});

describe('scripts', () => {
  it('splits on semicolons, trailing one optional, empties skipped', () => {
    expect(parse('SELECT 1; SELECT 2').map((s) => s.kind)).toEqual(['select', 'select']);
    expect(parse('BEGIN; INSERT INTO t VALUES (1);; COMMIT;').map((s) => s.kind)).toEqual(['begin', 'insert', 'commit']);
    expect(parse('')).toEqual([]);
    expect(parse(' ; -- nothing\n ;')).toEqual([]);
  });

  it('parseOne wants exactly one statement (CADB0407 otherwise)', () => {
    expect(parseOne('SELECT 1;').kind).toBe('select');
    expect(errOne('').code).toBe('CADB0407');
    expect(errOne(' ; /* */ ').code).toBe('CADB0407');
    expect(errOne('SELECT 1; SELECT 2').code).toBe('CADB0407');
  });

  it('statements need a separator', () => {
    expect(err('SELECT 1 SELECT 2').code).toBe('CADB0406');
  });

  it('keeps positions on statements and column references', () => {
    const [a, b] = parse('SELECT x FROM t;\n  DELETE FROM u WHERE y = 1');
    expect(a).toMatchObject({ pos: 0, columns: [{ expr: { kind: 'column', pos: 7 } }], from: { pos: 14 } });
    expect(b).toMatchObject({ pos: 19, where: { left: { kind: 'column', name: 'y', pos: 39 } } });
  });
});

describe('comments, case, quoting', () => {
  it('comments anywhere whitespace may go', () => {
    expect(p('SELECT /* c1 */ a -- c2\n FROM /* multi\nline */ t -- end')).toEqual(p('SELECT a FROM t'));
    expect(p('SELECT a-- comment right after a name\nFROM t')).toEqual(p('SELECT a FROM t'));
  });

  it('case-insensitive keywords, lower-cased identifiers', () => {
    expect(p('select A from T where B = 1')).toEqual(p('SELECT a FROM t WHERE b = 1'));
    expect(p('SeLeCt `A` FrOm `T`')).toEqual(p('SELECT a FROM t'));
  });

  it('backticks allow odd names; doubled backtick escapes', () => {
    expect(ex('`my col`')).toEqual(col('my col'));
    expect(ex('`a``b`')).toEqual(col('a`b'));
    expect(ex('`Ünïcode`')).toEqual(col('ünïcode'));
  });
});

describe('syntax errors', () => {
  function syntax(sql: string): SqlSyntaxError {
    const e = err(sql);
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.code).toBe('CADB0406');
    return e as SqlSyntaxError;
  }

  it('names line, column and the offending token', () => {
    const e = syntax('SELECT a AS b FORM t');
    expect(e.message).toBe('syntax error at line 1, column 15 near "FORM": expected FROM');
    expect(e.position).toEqual({ offset: 14, line: 1, column: 15 });
  });

  it('points at a misspelt keyword even when it was read as an alias', () => {
    expect(syntax('SELECT a, b FORM t').message).toBe('syntax error at line 1, column 13 near "FORM": expected FROM');
    expect(syntax('SELECT * FROM t WHRE a = 1').message).toMatch(/near "WHRE": expected WHERE/);
  });

  it('counts lines and columns from 1', () => {
    const e = syntax('SELECT a\nFROM t\nWHERE a = = 1');
    expect(e.position).toEqual({ offset: 26, line: 3, column: 11 });
    expect(e.message).toMatch(/^syntax error at line 3, column 11 near "=": expected expression/);
    expect(syntax('SELECT 1;\r\nSELEC 2').position).toEqual({ offset: 11, line: 2, column: 1 });
  });

  it('lists what was expected', () => {
    expect(syntax('SELECT * FROM t WHERE').message).toMatch(/at end of input: expected expression/);
    expect(syntax('CREATE TABLE t (a INT').message).toMatch(/expected one of .*","/);
    expect(syntax('INSERT t VALUES (1)').message).toMatch(/near "t": expected INTO/);
    expect(syntax('FOO BAR').message).toMatch(/near "FOO": expected one of SELECT, INSERT/);
    expect(syntax('SELEC 1').message).toMatch(/near "SELEC": expected SELECT/);
  });

  it('reports lexical errors', () => {
    expect(syntax(`SELECT 'abc`).message).toMatch(/column 8 near "'abc": unterminated string/);
    expect(syntax(`SELECT "abc\\"`).message).toMatch(/unterminated string/);
    expect(syntax('SELECT 1 /* never closed').message).toMatch(/column 10 near "\/\* never closed": unterminated comment/);
    expect(syntax('SELECT `abc').message).toMatch(/unterminated quoted identifier/);
    expect(syntax('SELECT ``').message).toMatch(/empty quoted identifier/);
    expect(syntax('SELECT 1 # 2').message).toMatch(/near "#": unexpected character/);
    expect(syntax('SELECT 12abc').message).toMatch(/near "12abc": invalid number/);
    expect(syntax('SELECT a ! b').code).toBe('CADB0406');
  });

  it('refuses deep nesting without overflowing the stack', () => {
    expect(syntax(`SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`).message).toMatch(/too deeply nested/);
    expect(syntax(`SELECT ${'NOT '.repeat(5000)}a`).message).toMatch(/too deeply nested/);
    expect(syntax(`SELECT ${'- '.repeat(5000)}a`).message).toMatch(/too deeply nested/);
    expect(syntax(`SELECT * FROM t WHERE a IN ${'(SELECT a FROM t WHERE a IN '.repeat(500)}(1)${')'.repeat(500)}`).message).toMatch(/too deeply nested/);
    // Chains are built by loops, so their height is checked after parsing.
    expect(syntax(`SELECT ${Array.from({ length: 5000 }, () => 'a').join(' + ')}`).message).toMatch(/too deeply nested/);
    // Moderate nesting is fine.
    expect(ex(`${'('.repeat(100)}1${')'.repeat(100)}`)).toEqual(int(1));
    expect(where(Array.from({ length: 300 }, (_, i) => `a = ${i}`).join(' OR '))).toMatchObject({ kind: 'binary', op: 'OR' });
  });
});

describe('formatSql', () => {
  it('prints canonical SQL', () => {
    expect(formatSql(parseOne('select a as x, count(*) from t@{force_index=i} where a=1 and (b=2 or c=3) order by a desc limit 5'))).toBe(
      'SELECT a AS x, count(*) FROM t@{FORCE_INDEX=i} WHERE a = 1 AND (b = 2 OR c = 3) ORDER BY a DESC LIMIT 5',
    );
    expect(formatSql(parseOne('create table t (id oid primary key default (gen_id()), n int not null) '))).toBe(
      'CREATE TABLE t (id OID DEFAULT gen_id(), n INT64 NOT NULL, PRIMARY KEY (id))',
    );
  });

  it('adds parentheses only where precedence needs them', () => {
    const f = (sql: string) => formatExpr(ex(sql));
    expect(f('(a + b) * c')).toBe('(a + b) * c');
    expect(f('a + (b * c)')).toBe('a + b * c');
    expect(f('a - (b - c)')).toBe('a - (b - c)');
    expect(f('(a - b) - c')).toBe('a - b - c');
    expect(f('-(5)')).toBe('-(5)');
    expect(f('- -5')).toBe('-(-5)');
    expect(f('-(-a)')).toBe('-(-a)');
    expect(f('(NOT a) = b')).toBe('(NOT a) = b');
    expect(f('NOT (a AND b)')).toBe('NOT (a AND b)');
    expect(f('a BETWEEN 1 AND (2 = 2)')).toBe('a BETWEEN 1 AND (2 = 2)');
  });

  it('quotes names that would not read back bare', () => {
    expect(formatSql(parseOne('SELECT `select`, `a b`, `x``y` FROM `from`'))).toBe('SELECT `select`, `a b`, `x``y` FROM `from`');
  });

  it('prints floats so that they read back as floats', () => {
    expect(formatExpr({ kind: 'float', value: 1 })).toBe('1.0');
    expect(formatExpr({ kind: 'float', value: -0 })).toBe('-0.0');
    expect(formatExpr({ kind: 'float', value: 1e21 })).toBe('1e+21');
    expect(ex('-0.0')).toEqual({ kind: 'float', value: -0 });
  });

  it('escapes strings', () => {
    expect(formatExpr(str(`it's a \\ test`))).toBe(`'it''s a \\\\ test'`);
  });
});
