import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import { tokenize } from '../../core/sql/lexer.js';
import {
  formatSql,
  parse,
  withoutPositions,
  type AlterAction,
  type ColumnDef,
  type Expr,
  type FromSource,
  type IndexDef,
  type InsertValue,
  type KeyPart,
  type Select,
  type SelectItem,
  type Statement,
  type SubquerySource,
  type TableSource,
} from '../../core/sql/parser.js';

/**
 * The parser's contract on any input: statements, or a CamusError with a
 * CADB04xx code. Anything else (TypeError, RangeError from a stack overflow,
 * an AssertionError) is a bug. Whatever parses must also survive the
 * print-and-reparse round trip.
 */
function parsesOrFailsCleanly(sql: string): void {
  let statements: Statement[];
  try {
    statements = parse(sql);
  } catch (e) {
    if (!(e instanceof CamusError) || !/^CADB04\d\d$/.test(e.code)) {
      throw new Error(`parse(${JSON.stringify(sql)}) threw ${String(e)}`);
    }
    return;
  }
  for (const stmt of statements) {
    const printed = formatSql(stmt);
    const again = parse(printed);
    expect(again.map(withoutPositions), `round trip of ${JSON.stringify(sql)} via ${printed}`).toEqual([
      withoutPositions(stmt),
    ]);
  }
}

const VALID: string[] = [
  'SELECT * FROM t',
  'SELECT DISTINCT a, b AS x, t.* FROM t AS u WHERE a = 1 AND b <> @p OR NOT c LIKE "x%"',
  'SELECT COUNT(*), SUM(a), COUNT(DISTINCT b) FROM t GROUP BY c HAVING COUNT(*) > 1 ORDER BY c DESC LIMIT 10 OFFSET 2',
  'SELECT a FROM t@{FORCE_INDEX=idx} x JOIN u ON x.id = u.id LEFT OUTER JOIN v ON v.a = u.a, w',
  'SELECT s.a FROM (SELECT a FROM t WHERE a IN (1, 2, 3)) AS s WHERE EXISTS (SELECT 1 FROM u WHERE u.a = s.a)',
  "SELECT CASE WHEN a > 1 THEN 'big' ELSE 'small' END, -9223372036854775808, 9223372036854775807, 1.5e3, .5 FROM t",
  'SELECT a FROM t WHERE a BETWEEN 1 AND 10 AND b NOT BETWEEN -1 AND 1 AND c IS NOT NULL AND d NOT IN (SELECT d FROM u)',
  "SELECT a || 'x' || `weird name` FROM `Table` WHERE (a + b) * c % 2 = 0 AND e ILIKE 'y' AND f NOT ILIKE 'z'",
  "INSERT INTO t (a, b, c) VALUES (1, 'two', DEFAULT), (GEN_ID(), STR_ID('507f1f77bcf86cd799439011'), NULL)",
  'INSERT INTO t VALUES (TRUE, FALSE, -1.25)',
  'UPDATE t SET a = a + 1, b = @b WHERE id = @id',
  'DELETE FROM t WHERE a IS NULL OR b = (SELECT MAX(b) FROM u)',
  'CREATE TABLE IF NOT EXISTS t (id OID PRIMARY KEY DEFAULT (GEN_ID()), name STRING NOT NULL UNIQUE, n INT64 NULL DEFAULT 0, f FLOAT64, ok BOOL DEFAULT TRUE, UNIQUE KEY u (name DESC), KEY k (n, f))',
  'CREATE TABLE t (a INT, b TEXT) PRIMARY KEY (a ASC, b DESC)',
  'DROP TABLE IF EXISTS t',
  'ALTER TABLE t ADD COLUMN c INT64 NOT NULL DEFAULT 1',
  'ALTER TABLE t DROP COLUMN c',
  'ALTER TABLE t ADD PRIMARY KEY (a)',
  'ALTER TABLE t DROP PRIMARY KEY',
  'ALTER TABLE t ADD UNIQUE INDEX i (a, b DESC)',
  'ALTER TABLE t DROP INDEX i',
  'CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a DESC, b)',
  'DROP INDEX i ON t',
  'CREATE DATABASE IF NOT EXISTS d',
  'DROP DATABASE d',
  'BEGIN; START TRANSACTION; COMMIT; ROLLBACK',
  'SHOW TABLES; SHOW COLUMNS FROM t; DESCRIBE t; DESC t; SHOW CREATE TABLE t',
  'SHOW DATABASE; SHOW DATABASES; SHOW INDEXES FROM t; SHOW INDEX FROM t',
  'EXPLAIN SELECT * FROM t; EXPLAIN (PHYSICAL) SELECT 1; EXPLAIN ANALYZE SELECT a FROM t WHERE a = 1',
  "SELECT /* block */ a -- line\n FROM t WHERE b = 'it''s' AND c = \"q\\\"uote\"",
];

/** Fragments that random inputs are built from, so they reach past the first token. */
const FRAGMENTS = [
  ...'SELECT FROM WHERE AND OR NOT IN IS NULL LIKE ILIKE BETWEEN EXISTS CASE WHEN THEN ELSE END JOIN LEFT INNER ON AS GROUP BY HAVING ORDER LIMIT OFFSET DISTINCT INSERT INTO VALUES DEFAULT UPDATE SET DELETE CREATE TABLE INDEX UNIQUE KEY PRIMARY DROP ALTER ADD COLUMN IF DATABASE SHOW TABLES EXPLAIN ANALYZE BEGIN COMMIT ROLLBACK TRUE FALSE INT64 STRING'.split(
    ' ',
  ),
  ...'( ) , ; . * = != <> < <= > >= + - / % || @ { } @p ` " \' -- /* */ \\'.split(' '),
  't',
  'a',
  'b.c',
  '`q`',
  "'s'",
  '"d"',
  '1',
  '-1',
  '1.5',
  '1e3',
  '9223372036854775808',
  'FORCE_INDEX',
  '\n',
];

describe('parser fuzz: never anything but a CADB04xx CamusError', () => {
  it('survives arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), parsesOrFailsCleanly), { numRuns: 3000 });
  });

  it('survives strings of SQL fragments', () => {
    const glued = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 });
    fc.assert(fc.property(glued, fc.boolean(), (parts, spaced) => parsesOrFailsCleanly(parts.join(spaced ? ' ' : ''))), {
      numRuns: 5000,
    });
  });

  it('survives mutations of valid statements', () => {
    const corpus = VALID.map((sql) => tokenize(sql).filter((t) => t.kind !== 'eof').map((t) => sql.slice(t.pos, t.end)));
    for (const sql of VALID) parsesOrFailsCleanly(sql);
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), frag: fc.constantFrom(...FRAGMENTS) }),
      fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
    );
    const mutated = fc.record({
      which: fc.nat({ max: corpus.length - 1 }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
      truncate: fc.option(fc.nat(), { nil: null }),
    });
    fc.assert(
      fc.property(mutated, ({ which, mutations, truncate }) => {
        const toks = [...(corpus[which] as string[])];
        for (const m of mutations) {
          if (toks.length === 0) break;
          const i = m.at % toks.length;
          if (m.op === 'delete') toks.splice(i, 1);
          else if (m.op === 'insert') toks.splice(i, 0, m.frag);
          else if (m.op === 'duplicate') toks.splice(i, 0, toks[i] as string);
          else {
            const j = m.to % toks.length;
            [toks[i], toks[j]] = [toks[j] as string, toks[i] as string];
          }
        }
        let sql = toks.join(' ');
        if (truncate !== null) sql = sql.slice(0, truncate % (sql.length + 1));
        parsesOrFailsCleanly(sql);
      }),
      { numRuns: 5000 },
    );
  });

  it('turns very deep nesting into CADB0406, not a stack overflow', () => {
    const deep = [
      `SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`,
      `SELECT ${'('.repeat(5000)}`,
      `SELECT * FROM t WHERE ${'NOT '.repeat(5000)}a`,
      `SELECT ${'-'.repeat(1)}${' -'.repeat(5000)} a`,
      `SELECT ${'(SELECT '.repeat(3000)}1${')'.repeat(3000)}`,
      `SELECT * FROM ${'(SELECT * FROM '.repeat(3000)}t${') AS x'.repeat(3000)}`,
      `SELECT ${'CASE WHEN '.repeat(3000)}`,
      `SELECT ${'f('.repeat(5000)}`,
      `SELECT a FROM t WHERE ${Array.from({ length: 20_000 }, (_, i) => `a = ${i}`).join(' OR ')}`,
      `SELECT * FROM ${Array.from({ length: 5000 }, (_, i) => `t${i}`).join(', ')}`,
    ];
    for (const sql of deep) {
      let code = '';
      try {
        parse(sql);
      } catch (e) {
        expect(e).toBeInstanceOf(CamusError);
        code = (e as CamusError).code;
      }
      expect(code, sql.slice(0, 40)).toBe('CADB0406');
    }
  });

  it('handles large inputs in one pass', () => {
    // Each of these would take minutes if any step were quadratic in the
    // input size; the suite's timeout catches that without timing anything.
    const big = 1_000_000;
    expect(parse(`SELECT '${'x'.repeat(big)}'`)).toHaveLength(1);
    expect(parse(`SELECT 1 /*${' '.repeat(big)}*/`)).toHaveLength(1);
    expect(parse(`SELECT 1 --${'-'.repeat(big)}`)).toHaveLength(1);
    expect(parse(`SELECT \`${'y'.repeat(big)}\``)).toHaveLength(1);
    expect(parse(`SELECT ${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(', ')} FROM t`)).toHaveLength(1);
    expect(parse(`SELECT * FROM t WHERE a IN (${Array.from({ length: 100_000 }, (_, i) => i).join(', ')})`)).toHaveLength(1);
    expect(parse('SELECT 1;'.repeat(50_000))).toHaveLength(50_000);
    expect(() => parse(`SELECT '${'\\'.repeat(big)}`)).toThrow(CamusError);
    expect(() => parse(`SELECT ${'1'.repeat(big)}`)).toThrow(CamusError);
    expect(() => parse('('.repeat(big))).toThrow(CamusError);
  });
});

// ---------------------------------------------------------------------------
// Random trees: print, parse back, compare.

/** Names of every sort the printer must handle: plain, reserved, contextual, needing backticks. */
const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c', 'id', 'name', 't', 'u', 'x_1', '_y') },
  { weight: 2, arbitrary: fc.constantFrom('select', 'from', 'key', 'index', 'primary', 'order', 'desc', 'null', 'true') },
  { weight: 2, arbitrary: fc.constantFrom('if', 'tables', 'database', 'show', 'add', 'int', 'force_index', 'analyze', 'begin') },
  { weight: 1, arbitrary: fc.constantFrom('a b', 'x`y', 'ünï', '1abc', '', "it's", '--', '/*') },
);
const ident = name.filter((n) => n.length > 0);
const paramName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const intLit = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n, 1n, 9007199254740993n),
).map((value): Expr => ({ kind: 'int', value }));
const floatLit = fc.double({ noNaN: true, noDefaultInfinity: true }).map((value): Expr => ({ kind: 'float', value }));
const stringLit = fc
  .oneof(fc.string({ maxLength: 12, unit: 'binary' }), fc.constantFrom("'", '"', '\\', '\\%', '\\_', "''", '--', '/*', '\n'))
  .map((value): Expr => ({ kind: 'string', value }));
const literal = fc.oneof(
  intLit,
  floatLit,
  stringLit,
  fc.boolean().map((value): Expr => ({ kind: 'bool', value })),
  fc.constant<Expr>({ kind: 'null' }),
);
const param = paramName.map((n): Expr => ({ kind: 'param', name: n, pos: 0 }));
const column = fc.record({ table: fc.option(ident, { nil: null }), name: ident }).map(
  ({ table, name: n }): Expr => ({ kind: 'column', table, name: n, pos: 0 }),
);
const keyParts = fc.array(
  fc.record({ column: ident, order: fc.constantFrom('asc' as const, 'desc' as const) }),
  { minLength: 1, maxLength: 3 },
) as fc.Arbitrary<KeyPart[]>;

const tableSource: fc.Arbitrary<TableSource> = fc
  .record({ name: ident, alias: fc.option(ident, { nil: null }), forceIndex: fc.option(ident, { nil: null }) })
  .map((r): TableSource => ({ kind: 'table', pos: 0, ...r }));

const limitValue = fc.oneof(
  fc.bigInt({ min: 0n, max: INT64_MAX }).map((value) => ({ kind: 'int' as const, value })),
  paramName.map((n) => ({ kind: 'param' as const, name: n, pos: 0 })),
);

const BINARY_OPS = ['OR', 'AND', '=', '!=', '<', '>', '<=', '>=', '+', '-', '||', '*', '/', '%'] as const;

const { expr, select } = fc.letrec<{ expr: Expr; select: Select; source: FromSource; item: SelectItem }>((tie) => {
  const e = tie('expr');
  const q = tie('select');
  return {
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: 3, depthIdentifier: 'sql', withCrossShrink: true },
      literal,
      param,
      column,
      fc.record({ op: fc.constantFrom('NOT' as const, '-' as const, '+' as const), operand: e }).map((r): Expr => ({ kind: 'unary', ...r })),
      fc.record({ op: fc.constantFrom(...BINARY_OPS), left: e, right: e }).map((r): Expr => ({ kind: 'binary', ...r })),
      fc.record({ negated: fc.boolean(), caseInsensitive: fc.boolean(), expr: e, pattern: e }).map((r): Expr => ({ kind: 'like', ...r })),
      fc.record({ negated: fc.boolean(), expr: e, low: e, high: e }).map((r): Expr => ({ kind: 'between', ...r })),
      fc.record({ negated: fc.boolean(), expr: e }).map((r): Expr => ({ kind: 'isNull', ...r })),
      fc.record({ negated: fc.boolean(), expr: e, list: fc.array(e, { minLength: 1, maxLength: 3 }) }).map((r): Expr => ({ kind: 'inList', ...r })),
      fc.record({ negated: fc.boolean(), expr: e, query: q }).map((r): Expr => ({ kind: 'inSelect', ...r })),
      q.map((query): Expr => ({ kind: 'exists', query })),
      q.map((query): Expr => ({ kind: 'subquery', query })),
      fc
        .record({ name: ident, args: fc.array(e, { maxLength: 3 }), mode: fc.constantFrom('plain', 'star', 'distinct') })
        .map(({ name: n, args, mode }): Expr => ({
          kind: 'call',
          name: n,
          args: mode === 'star' ? [] : mode === 'distinct' && args.length === 0 ? [{ kind: 'null' }] : args,
          star: mode === 'star',
          distinct: mode === 'distinct',
          pos: 0,
        })),
      fc
        .record({
          operand: fc.option(e, { nil: null }),
          whens: fc.array(fc.record({ when: e, then: e }), { minLength: 1, maxLength: 2 }),
          else: fc.option(e, { nil: null }),
        })
        .map((r): Expr => ({ kind: 'case', ...r })),
    ),
    item: fc.oneof(
      fc.option(ident, { nil: null }).map((table): SelectItem => ({ kind: 'star', table })),
      fc.record({ expr: e, alias: fc.option(ident, { nil: null }) }).map((r): SelectItem => ({ kind: 'expr', ...r })),
    ),
    source: fc
      .record({
        first: fc.oneof({ maxDepth: 2, depthIdentifier: 'sql' }, tableSource, subquerySource(q)),
        joins: fc.array(
          fc.record({
            type: fc.constantFrom('inner' as const, 'left' as const, 'cross' as const),
            right: fc.oneof({ maxDepth: 2, depthIdentifier: 'sql' }, tableSource, subquerySource(q)),
            on: e,
          }),
          { maxLength: 2 },
        ),
      })
      .map(({ first, joins }) =>
        joins.reduce<FromSource>(
          (left, j) => ({ kind: 'join', type: j.type, left, right: j.right, on: j.type === 'cross' ? null : j.on }),
          first,
        ),
      ),
    select: fc
      .record({
        distinct: fc.boolean(),
        columns: fc.array(tie('item') as fc.Arbitrary<SelectItem>, { minLength: 1, maxLength: 3 }),
        from: fc.option(tie('source') as fc.Arbitrary<FromSource>, { nil: null }),
        where: fc.option(e, { nil: null }),
        groupBy: fc.array(e, { maxLength: 2 }),
        having: fc.option(e, { nil: null }),
        orderBy: fc.array(fc.record({ expr: e, order: fc.constantFrom('asc' as const, 'desc' as const) }), { maxLength: 2 }),
        limit: fc.option(limitValue, { nil: null }),
        offset: fc.option(limitValue, { nil: null }),
      })
      .map((r): Select => ({ kind: 'select', pos: 0, ...r })),
  };
});

function subquerySource(q: fc.Arbitrary<Select>): fc.Arbitrary<SubquerySource> {
  return fc.record({ query: q, alias: ident }).map((r): SubquerySource => ({ kind: 'subquery', ...r }));
}

const columnDef: fc.Arbitrary<ColumnDef> = fc
  .record({
    name: ident,
    type: fc.constantFrom('OID' as const, 'STRING' as const, 'INT64' as const, 'FLOAT64' as const, 'BOOL' as const),
    notNull: fc.boolean(),
    unique: fc.boolean(),
    default: fc.option(expr, { nil: null }),
  })
  .map((r) => ({ ...r, pos: 0 }));

const indexDef: fc.Arbitrary<IndexDef> = fc
  .record({ name: fc.option(ident, { nil: null }), unique: fc.boolean(), columns: keyParts })
  .map((r) => (r.name === null ? { ...r, unique: true } : r));

const alterAction: fc.Arbitrary<AlterAction> = fc.oneof(
  columnDef.map((column): AlterAction => ({ kind: 'addColumn', column })),
  ident.map((column): AlterAction => ({ kind: 'dropColumn', column })),
  keyParts.map((columns): AlterAction => ({ kind: 'addPrimaryKey', columns })),
  fc.constant<AlterAction>({ kind: 'dropPrimaryKey' }),
  fc.record({ name: ident, unique: fc.boolean(), columns: keyParts }).map((r): AlterAction => ({ kind: 'addIndex', ...r })),
  ident.map((n): AlterAction => ({ kind: 'dropIndex', name: n })),
);

const insert: fc.Arbitrary<Statement> = fc
  .record({
    table: ident,
    width: fc.integer({ min: 1, max: 3 }),
    named: fc.boolean(),
    cols: fc.array(ident, { minLength: 3, maxLength: 3 }),
    values: fc.array(fc.array(fc.oneof(expr, fc.constant<InsertValue>({ kind: 'default' })), { minLength: 3, maxLength: 3 }), {
      minLength: 1,
      maxLength: 3,
    }),
  })
  .map(({ table, width, named, cols, values }) => ({
    kind: 'insert',
    pos: 0,
    table,
    columns: named ? cols.slice(0, width) : null,
    rows: values.map((row) => row.slice(0, width)),
  }));

const statement: fc.Arbitrary<Statement> = fc.oneof(
  { weight: 6, arbitrary: select },
  { weight: 2, arbitrary: insert },
  fc
    .record({ table: ident, set: fc.array(fc.record({ column: ident, value: expr, pos: fc.constant(0) }), { minLength: 1, maxLength: 3 }), where: expr })
    .map((r): Statement => ({ kind: 'update', pos: 0, ...r })),
  fc.record({ table: ident, where: expr }).map((r): Statement => ({ kind: 'delete', pos: 0, ...r })),
  fc
    .record({
      table: ident,
      ifNotExists: fc.boolean(),
      columns: fc.array(columnDef, { minLength: 1, maxLength: 3 }),
      primaryKey: fc.option(keyParts, { nil: null }),
      indexes: fc.array(indexDef, { maxLength: 2 }),
    })
    .map((r): Statement => ({ kind: 'createTable', pos: 0, ...r })),
  fc.record({ table: ident, ifExists: fc.boolean() }).map((r): Statement => ({ kind: 'dropTable', pos: 0, ...r })),
  fc.record({ table: ident, action: alterAction }).map((r): Statement => ({ kind: 'alterTable', pos: 0, ...r })),
  fc
    .record({ name: ident, table: ident, unique: fc.boolean(), ifNotExists: fc.boolean(), columns: keyParts })
    .map((r): Statement => ({ kind: 'createIndex', pos: 0, ...r })),
  fc.record({ name: ident, table: ident }).map((r): Statement => ({ kind: 'dropIndex', pos: 0, ...r })),
  fc.record({ name: ident, ifNotExists: fc.boolean() }).map((r): Statement => ({ kind: 'createDatabase', pos: 0, ...r })),
  fc.record({ name: ident, ifExists: fc.boolean() }).map((r): Statement => ({ kind: 'dropDatabase', pos: 0, ...r })),
  fc.constantFrom<Statement>(
    { kind: 'begin', pos: 0 },
    { kind: 'commit', pos: 0 },
    { kind: 'rollback', pos: 0 },
    { kind: 'showTables', pos: 0 },
    { kind: 'showDatabase', pos: 0 },
    { kind: 'showDatabases', pos: 0 },
  ),
  fc
    .record({ kind: fc.constantFrom('showColumns' as const, 'showCreateTable' as const, 'showIndexes' as const), table: ident })
    .map((r): Statement => ({ pos: 0, ...r })),
  fc
    .record({ mode: fc.constantFrom('logical' as const, 'physical' as const, 'analyze' as const), query: select })
    .map((r): Statement => ({ kind: 'explain', pos: 0, ...r })),
);

describe('parser round trip: formatSql then parse gives the same tree', () => {
  it('holds for random expressions', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const stmt: Statement = {
          kind: 'select',
          pos: 0,
          distinct: false,
          columns: [{ kind: 'expr', expr: e, alias: null }],
          from: null,
          where: null,
          groupBy: [],
          having: null,
          orderBy: [],
          limit: null,
          offset: null,
        };
        const printed = formatSql(stmt);
        expect(withoutPositions(parse(printed)), printed).toEqual([withoutPositions(stmt)]);
      }),
      { numRuns: 3000 },
    );
  });

  it('holds for random statements', () => {
    fc.assert(
      fc.property(statement, (stmt) => {
        const printed = formatSql(stmt);
        expect(withoutPositions(parse(printed)), printed).toEqual([withoutPositions(stmt)]);
      }),
      { numRuns: 2000 },
    );
  });

  it('holds for scripts of several statements', () => {
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), (stmts) => {
        const printed = stmts.map(formatSql).join(';\n');
        expect(parse(printed).map(withoutPositions), printed).toEqual(stmts.map(withoutPositions));
      }),
      { numRuns: 300 },
    );
  });
});
