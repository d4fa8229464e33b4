// Differential testing of SELECT against SQLite (better-sqlite3, in memory).
//
// fast-check generates two tables (INT64 / STRING / FLOAT64 / BOOL columns
// with NULLs), their rows, a random set of secondary indexes on our side (so
// the planner's access paths are exercised: point lookups, range scans in both
// directions, ordered scans stopped by LIMIT, index lookups on the inner side
// of joins), and SELECTs over the subset both dialects share. Every query
// must give the same rows in the same order.
//
// Where the dialects differ, the generator or the comparison normalizes, on
// purpose and only there:
// - SQLite has no BOOL: it stores 0/1. Our BOOL results are compared as 0/1.
// - INT64 vs FLOAT64: rows are read with safeIntegers, so SQLite INTEGERs come
//   back as bigint and REALs as number; types must match exactly, FLOAT64
//   values within a relative 1e-9 (SUM/AVG summation order may differ in the
//   last bits; both use compensated summation).
// - LIKE: SQLite's LIKE is case-insensitive for ASCII, ours is not. Our LIKE
//   is checked against SQLite GLOB with the pattern translated (% -> *,
//   _ -> ?; the alphabet has no GLOB metacharacters), and our ILIKE against
//   lower(x) GLOB lower(pattern); SQLite's lower() is ASCII-only, which is
//   why the string alphabet has no cased non-ASCII letters.
// - Scalar subqueries are aggregates (one row): SQLite silently takes the
//   first row of a longer result where we raise CADB0400.
// - `%` is generated on INT64 only (SQLite's % truncates REALs to integers),
//   `||` on strings only (number-to-text formatting differs), round() only on
//   FLOAT64 expressions without division (SQLite rounds through its printf).
// - Values stay small, so INT64 overflow (an error for us, a silent switch to
//   REAL in SQLite) cannot happen.
// - Every expression is fully parenthesized, so precedence differences
//   between the grammars cannot matter; all ORDER BYs list every output
//   column, so the order of the result is fully determined.

import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnType, Select } from '../../core/sql/ast.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { createDatabase, saveCatalog } from '../../core/sql/engine/catalog.js';
import type { EvalContext } from '../../core/sql/engine/eval.js';
import { indexEntry, rowKeyOf, writeRow } from '../../core/sql/engine/rows.js';
import { executeSelect } from '../../core/sql/engine/select.js';
import type { IndexSchema, TableSchema } from '../../core/sql/engine/types.js';
import { parseOne } from '../../core/sql/parser.js';
import { MemoryKv } from './memory-kv.js';

interface SqliteStatement {
  raw(on: boolean): SqliteStatement;
  all(...params: unknown[]): unknown[][];
  run(...params: unknown[]): unknown;
}
interface SqliteDb {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  defaultSafeIntegers(on: boolean): void;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => SqliteDb;

// ---------------------------------------------------------------------------
// Data

type Kind = 'int' | 'float' | 'str' | 'bool';
const COLUMNS: { name: string; kind: Kind; type: ColumnType; sqlite: string }[] = [
  { name: 'k', kind: 'int', type: 'INT64', sqlite: 'INTEGER' },
  { name: 'a', kind: 'int', type: 'INT64', sqlite: 'INTEGER' },
  { name: 'b', kind: 'str', type: 'STRING', sqlite: 'TEXT' },
  { name: 'c', kind: 'float', type: 'FLOAT64', sqlite: 'REAL' },
  { name: 'd', kind: 'bool', type: 'BOOL', sqlite: 'INTEGER' },
];

type Cell = bigint | number | string | boolean | null;
type DataRow = Cell[];

const ALPHABET = ['a', 'b', 'c', 'A', 'B', ' ', '%', '_', '😀'];
const FLOATS = [-2.5, -1, 0, 0.5, 1, 1.5, 3.25, 100];

const smallInt = fc.integer({ min: -6, max: 12 }).map(BigInt);
const strValue = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 3 }).map((a) => a.join(''));
const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { freq: 5 });

const rowArb = fc.tuple(nullable(smallInt), nullable(strValue), nullable(fc.constantFrom(...FLOATS)), nullable(fc.boolean()));

const tableArb = (minRows: number): fc.Arbitrary<DataRow[]> =>
  fc
  .uniqueArray(fc.integer({ min: -5, max: 20 }), { minLength: minRows, maxLength: 12 })
  .chain((keys) => fc.tuple(fc.constant(keys), fc.array(rowArb, { minLength: keys.length, maxLength: keys.length })))
  .map(([keys, rows]) => rows.map((r, i) => [BigInt(keys[i]!), ...r] as DataRow));

type IndexChoice = { name: string; unique: boolean; columns: [string, 'asc' | 'desc'][] };
const INDEX_CHOICES: IndexChoice[] = [
  { name: 'ia', unique: false, columns: [['a', 'asc']] },
  { name: 'ia_desc', unique: false, columns: [['a', 'desc']] },
  { name: 'iba', unique: false, columns: [['b', 'asc'], ['a', 'desc']] },
  { name: 'ic', unique: false, columns: [['c', 'desc']] },
  { name: 'ida', unique: false, columns: [['d', 'asc'], ['a', 'asc']] },
];

// ---------------------------------------------------------------------------
// Queries: each piece of SQL is a pair [ours, SQLite's].

type P = readonly [string, string];
const same = (s: string): P => [s, s];
const wrap = (f: (x: string) => string, p: P): P => [f(p[0]), f(p[1])];
const join2 = (a: P, op: string, b: P): P => [`(${a[0]} ${op} ${b[0]})`, `(${a[1]} ${op} ${b[1]})`];
const call = (name: string, ...args: P[]): P => [`${name}(${args.map((a) => a[0]).join(', ')})`, `${name}(${args.map((a) => a[1]).join(', ')})`];

function floatLit(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

interface Ctx {
  cols: { ref: string; kind: Kind }[];
  /** The outer table's qualifier for correlated subqueries, or null where subqueries are not generated. */
  outer: string | null;
}

const colOf = (ctx: Ctx, kind: Kind): fc.Arbitrary<P> | null => {
  const refs = ctx.cols.filter((c) => c.kind === kind).map((c) => same(c.ref));
  return refs.length > 0 ? fc.constantFrom(...refs) : null;
};

const leaf = (ctx: Ctx, kind: Kind, lit: fc.Arbitrary<P>): fc.Arbitrary<P> => {
  const col = colOf(ctx, kind);
  return col === null ? lit : fc.oneof({ arbitrary: col, weight: 3 }, { arbitrary: lit, weight: 1 });
};

const intLit = fc.oneof({ arbitrary: fc.integer({ min: -5, max: 12 }).map((i) => same(String(i))), weight: 6 }, { arbitrary: fc.constant(same('NULL')), weight: 1 });
const floatLitArb = fc.constantFrom(...FLOATS).map((x) => same(floatLit(x)));
const strLit = strValue.map((s) => same(`'${s}'`));

function intExpr(ctx: Ctx, depth: number): fc.Arbitrary<P> {
  const base = leaf(ctx, 'int', intLit);
  if (depth <= 0) return base;
  const sub = intExpr(ctx, depth - 1);
  const options: fc.Arbitrary<P>[] = [
    base,
    fc.tuple(sub, fc.constantFrom('+', '-', '*', '/', '%'), sub).map(([a, op, b]) => join2(a, op, b)),
    sub.map((a) => wrap((x) => `(- ${x})`, a)),
    sub.map((a) => call('abs', a)),
    fc.tuple(sub, sub).map(([a, b]) => call('coalesce', a, b)),
    strExpr(ctx, depth - 1).map((s) => call('length', s)),
    fc.tuple(boolExpr(ctx, depth - 1), sub, sub).map(([c, a, b]) => [`(CASE WHEN ${c[0]} THEN ${a[0]} ELSE ${b[0]} END)`, `(CASE WHEN ${c[1]} THEN ${a[1]} ELSE ${b[1]} END)`] as P),
  ];
  if (ctx.outer !== null) {
    const o = ctx.outer;
    options.push(
      fc.constantFrom('count(*)', 'max(t2.a)', 'sum(t2.a)').map((agg) => same(`(SELECT ${agg} FROM t2 WHERE t2.b = ${o}.b)`)),
    );
  }
  return fc.oneof(...options);
}

function floatExpr(ctx: Ctx, depth: number): fc.Arbitrary<P> {
  const base = leaf(ctx, 'float', floatLitArb);
  if (depth <= 0) return base;
  const sub = floatExpr(ctx, depth - 1);
  const num = fc.oneof(sub, intExpr(ctx, depth - 1));
  return fc.oneof(
    base,
    fc.tuple(sub, fc.constantFrom('+', '-', '*', '/'), num).map(([a, op, b]) => join2(a, op, b)),
    fc.tuple(num, fc.constantFrom('+', '-', '*'), sub).map(([a, op, b]) => join2(a, op, b)),
    sub.map((a) => call('abs', a)),
    fc.tuple(base, fc.constantFrom(...FLOATS)).map(([a, f]) => join2(a, '*', same(floatLit(f)))).chain((a) => fc.constantFrom(call('round', a), call('round', a, same('1')))),
  );
}

function strExpr(ctx: Ctx, depth: number): fc.Arbitrary<P> {
  const base = leaf(ctx, 'str', strLit);
  if (depth <= 0) return base;
  const sub = strExpr(ctx, depth - 1);
  return fc.oneof(
    base,
    fc.tuple(sub, sub).map(([a, b]) => join2(a, '||', b)),
    fc.tuple(fc.constantFrom('upper', 'lower', 'trim'), sub).map(([f, a]) => call(f, a)),
    fc.tuple(sub, sub).map(([a, b]) => call('coalesce', a, b)),
  );
}

const likePattern = fc.array(fc.constantFrom('a', 'b', 'A', '%', '_', ' ', '😀'), { maxLength: 4 }).map((a) => a.join(''));
const toGlob = (p: string): string => p.replace(/%/g, '*').replace(/_/g, '?');

function compareOp(): fc.Arbitrary<string> {
  return fc.constantFrom('=', '!=', '<', '<=', '>', '>=');
}

function boolExpr(ctx: Ctx, depth: number): fc.Arbitrary<P> {
  const boolCol = colOf(ctx, 'bool');
  const leaves: fc.Arbitrary<P>[] = [
    fc.tuple(leaf(ctx, 'int', intLit), compareOp(), fc.integer({ min: -5, max: 12 })).map(([a, op, n]) => join2(a, op, same(String(n)))),
    fc.tuple(leaf(ctx, 'float', floatLitArb), compareOp(), fc.oneof(floatLitArb, intLit)).map(([a, op, b]) => join2(a, op, b)),
    fc.tuple(leaf(ctx, 'str', strLit), compareOp(), strLit).map(([a, op, b]) => join2(a, op, b)),
    fc.constantFrom(same('TRUE'), same('FALSE')),
  ];
  if (boolCol !== null) leaves.push(boolCol, fc.tuple(boolCol, fc.constantFrom('TRUE', 'FALSE')).map(([c, b]) => join2(c, '=', same(b))));
  const base = fc.oneof(...leaves);
  if (depth <= 0) return base;
  const sub = boolExpr(ctx, depth - 1);
  const anyExpr = fc.oneof(intExpr(ctx, depth - 1), floatExpr(ctx, depth - 1), strExpr(ctx, depth - 1), sub);
  const options: fc.Arbitrary<P>[] = [
    base,
    fc.tuple(sub, fc.constantFrom('AND', 'OR'), sub).map(([a, op, b]) => join2(a, op, b)),
    sub.map((a) => wrap((x) => `(NOT ${x})`, a)),
    fc.tuple(anyExpr, fc.boolean()).map(([a, neg]) => wrap((x) => `(${x} IS ${neg ? 'NOT ' : ''}NULL)`, a)),
    fc.tuple(intExpr(ctx, depth - 1), compareOp(), intExpr(ctx, depth - 1)).map(([a, op, b]) => join2(a, op, b)),
    fc.tuple(strExpr(ctx, depth - 1), compareOp(), strExpr(ctx, depth - 1)).map(([a, op, b]) => join2(a, op, b)),
    fc
      .tuple(intExpr(ctx, depth - 1), fc.boolean(), fc.array(intLit, { minLength: 1, maxLength: 4 }))
      .map(([a, neg, list]) => [`(${a[0]} ${neg ? 'NOT ' : ''}IN (${list.map((l) => l[0]).join(', ')}))`, `(${a[1]} ${neg ? 'NOT ' : ''}IN (${list.map((l) => l[1]).join(', ')}))`] as P),
    fc
      .tuple(intExpr(ctx, depth - 1), fc.boolean(), fc.integer({ min: -5, max: 12 }), fc.integer({ min: -5, max: 12 }))
      .map(([a, neg, lo, hi]) => wrap((x) => `(${x} ${neg ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi})`, a)),
    fc.tuple(strExpr(ctx, depth - 1), fc.boolean(), fc.boolean(), likePattern).map(([s, neg, ci, p]) => {
      const n = neg ? 'NOT ' : '';
      const ours = `(${s[0]} ${n}${ci ? 'ILIKE' : 'LIKE'} '${p}')`;
      const lite = ci ? `(lower(${s[1]}) ${n}GLOB lower('${toGlob(p)}'))` : `(${s[1]} ${n}GLOB '${toGlob(p)}')`;
      return [ours, lite] as P;
    }),
  ];
  if (ctx.outer !== null) {
    const o = ctx.outer;
    const inner: Ctx = { cols: COLUMNS.map((c) => ({ ref: `t2.${c.name}`, kind: c.kind })), outer: null };
    options.push(
      fc.tuple(leaf(ctx, 'int', intLit), fc.boolean(), boolExpr(inner, 1)).map(([a, neg, w]) => [
        `(${a[0]} ${neg ? 'NOT ' : ''}IN (SELECT t2.a FROM t2 WHERE ${w[0]}))`,
        `(${a[1]} ${neg ? 'NOT ' : ''}IN (SELECT t2.a FROM t2 WHERE ${w[1]}))`,
      ] as P),
      fc.tuple(fc.boolean(), boolExpr(inner, 1)).map(([neg, w]) => [
        `(${neg ? 'NOT ' : ''}EXISTS (SELECT 1 FROM t2 WHERE t2.a = ${o}.a AND ${w[0]}))`,
        `(${neg ? 'NOT ' : ''}EXISTS (SELECT 1 FROM t2 WHERE t2.a = ${o}.a AND ${w[1]}))`,
      ] as P),
    );
  }
  return fc.oneof(...options);
}

function anyTyped(ctx: Ctx, depth: number): fc.Arbitrary<P> {
  return fc.oneof(intExpr(ctx, depth), floatExpr(ctx, depth), strExpr(ctx, depth), boolExpr(ctx, depth));
}

/** ORDER BY every output position, each with a random direction. */
function orderAll(n: number): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((desc) => desc.map((d, i) => `${i + 1}${d ? ' DESC' : ''}`).join(', '));
}

const limitArb = fc.option(
  fc.tuple(fc.oneof({ arbitrary: fc.integer({ min: 1, max: 6 }), weight: 6 }, { arbitrary: fc.constant(0), weight: 1 }), fc.option(fc.integer({ min: 0, max: 4 }), { nil: null })).map(([l, o]) => ` LIMIT ${l}${o === null ? '' : ` OFFSET ${o}`}`),
  { nil: '' },
);

function assemble(select: P[], from: string, where: P | null, tail: string, distinct = false): P {
  const list = (i: 0 | 1): string => select.map((s) => s[i]).join(', ');
  const w = (i: 0 | 1): string => (where === null ? '' : ` WHERE ${where[i]}`);
  const d = distinct ? 'DISTINCT ' : '';
  return [`SELECT ${d}${list(0)} FROM ${from}${w(0)}${tail}`, `SELECT ${d}${list(1)} FROM ${from}${w(1)}${tail}`];
}

const single: Ctx = { cols: COLUMNS.map((c) => ({ ref: c.name, kind: c.kind })), outer: 't1' };
const joined: Ctx = { cols: COLUMNS.flatMap((c) => [{ ref: `t1.${c.name}`, kind: c.kind }, { ref: `t2.${c.name}`, kind: c.kind }]), outer: null };

const simpleQuery = fc
  .tuple(fc.array(anyTyped(single, 2), { minLength: 1, maxLength: 3 }), fc.option(boolExpr(single, 2), { nil: null }), fc.boolean(), limitArb)
  .chain(([sel, where, distinct, limit]) => orderAll(sel.length).map((order) => assemble(sel, 't1', where, ` ORDER BY ${order}${limit}`, distinct)));

/** Queries shaped for the access paths: indexed column compared to a constant, ordered output, LIMIT. */
const indexedQuery = fc
  .tuple(
    fc.constantFrom('k', 'a', 'b', 'c', 'd'),
    fc.subarray(['k', 'a', 'b', 'c', 'd'], { minLength: 1 }),
    fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom('k', 'a'), compareOp(), fc.integer({ min: -5, max: 12 })).map(([c, op, n]) => `${c} ${op} ${n}`),
        fc.tuple(fc.constantFrom('k', 'a'), fc.integer({ min: -5, max: 12 }), fc.integer({ min: -5, max: 12 })).map(([c, lo, hi]) => `${c} BETWEEN ${lo} AND ${hi}`),
        fc.tuple(fc.constantFrom('>', '<', '>=', '<=', '='), fc.constantFrom(...FLOATS)).map(([op, f]) => `c ${op} ${floatLit(f)}`),
        fc.tuple(fc.constantFrom('>', '<', '='), strValue).map(([op, s]) => `b ${op} '${s}'`),
        fc.tuple(fc.constantFrom('k', 'a', 'c'), fc.array(fc.oneof(fc.integer({ min: -5, max: 12 }).map(String), fc.constantFrom('NULL', '1.5', '2.0')), { minLength: 1, maxLength: 4 })).map(([c, l]) => `${c} IN (${l.join(', ')})`),
        fc.constantFrom('a IS NULL', 'b IS NULL', 'd = TRUE', 'a = 2.0', 'a < 2.5', 'c = 1', 'k IN (1, 2, 3)', "b IN ('a', 'b', '')"),
      ),
      { maxLength: 3 },
    ),
    fc.boolean(),
    limitArb,
  )
  .map(([first, rest, conds, desc, limit]) => {
    const cols = [first, ...rest.filter((c) => c !== first)];
    const order = cols.map((c, i) => `${i + 1}${desc && i === 0 ? ' DESC' : ''}`).join(', ');
    const where = conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : '';
    return same(`SELECT ${cols.join(', ')} FROM t1${where} ORDER BY ${order}${limit}`);
  });

const aggregateArb = (ctx: Ctx): fc.Arbitrary<P> =>
  fc.oneof(
    fc.constant(same('count(*)')),
    anyTyped(ctx, 1).map((e) => call('count', e)),
    fc.tuple(fc.constantFrom('sum', 'avg'), fc.oneof(intExpr(ctx, 1), floatExpr(ctx, 1))).map(([f, e]) => call(f, e)),
    fc.tuple(fc.constantFrom('min', 'max'), anyTyped(ctx, 1)).map(([f, e]) => call(f, e)),
  );

/** Aggregates with a numeric result, for HAVING comparisons with a number. */
const numericAggregateArb = (ctx: Ctx): fc.Arbitrary<P> =>
  fc.oneof(
    fc.constant(same('count(*)')),
    anyTyped(ctx, 1).map((e) => call('count', e)),
    fc.tuple(fc.constantFrom('sum', 'avg', 'min', 'max'), fc.oneof(intExpr(ctx, 1), floatExpr(ctx, 1))).map(([f, e]) => call(f, e)),
  );

const groupedQuery = fc
  .tuple(
    fc.subarray(['a', 'b', 'd', '(a % 3)'], { maxLength: 2 }),
    fc.array(aggregateArb({ ...single, outer: null }), { minLength: 1, maxLength: 3 }),
    fc.option(boolExpr({ ...single, outer: null }, 1), { nil: null }),
    fc.option(fc.tuple(numericAggregateArb({ ...single, outer: null }), compareOp(), fc.integer({ min: -2, max: 8 })), { nil: null }),
    limitArb,
  )
  .chain(([groups, aggs, where, having, limit]) => {
    const sel: P[] = [...groups.map(same), ...aggs];
    const group = groups.length > 0 ? ` GROUP BY ${groups.join(', ')}` : '';
    const hav = having === null ? null : join2(having[0], having[1], same(String(having[2])));
    return orderAll(sel.length).map((order) => {
      const q = assemble(sel, 't1', where, '', false);
      const tail = (i: 0 | 1): string => `${group}${hav === null ? '' : ` HAVING ${hav[i]}`} ORDER BY ${order}${limit}`;
      return [q[0] + tail(0), q[1] + tail(1)] as P;
    });
  });

const joinQuery = fc
  .tuple(
    fc.array(anyTyped(joined, 1), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('JOIN', 'LEFT JOIN', ','),
    fc.constantFrom(['t1.a', 't2.a'], ['t1.k', 't2.k'], ['t1.b', 't2.b'], ['t1.a', 't2.k']),
    fc.option(boolExpr(joined, 1), { nil: null }),
    fc.option(boolExpr(joined, 1), { nil: null }),
    limitArb,
  )
  .chain(([sel, kind, [l, r], extra, where, limit]) =>
    orderAll(sel.length).map((order) => {
      const on = (i: 0 | 1): string => `${l} = ${r}${extra === null ? '' : ` AND ${extra[i]}`}`;
      const from = (i: 0 | 1): string => (kind === ',' ? 't1, t2' : `t1 ${kind} t2 ON ${on(i)}`);
      const cond = (i: 0 | 1): string | null => {
        const parts = [kind === ',' ? on(i) : null, where === null ? null : where[i]].filter((x) => x !== null);
        return parts.length > 0 ? parts.join(' AND ') : null;
      };
      const build = (i: 0 | 1): string => {
        const c = cond(i);
        return `SELECT ${sel.map((s) => s[i]).join(', ')} FROM ${from(i)}${c === null ? '' : ` WHERE ${c}`} ORDER BY ${order}${limit}`;
      };
      return [build(0), build(1)] as P;
    }),
  );

const queryArb = fc.oneof(
  { arbitrary: simpleQuery, weight: 4 },
  { arbitrary: indexedQuery, weight: 3 },
  { arbitrary: groupedQuery, weight: 3 },
  { arbitrary: joinQuery, weight: 3 },
);

// ---------------------------------------------------------------------------
// The two engines

function toSql(v: Cell, type: ColumnType): SqlValue {
  if (v === null) return { type: 'null' };
  switch (type) {
    case 'INT64':
      return { type: 'int64', value: v as bigint };
    case 'FLOAT64':
      return { type: 'float64', value: v as number };
    case 'STRING':
      return { type: 'string', value: v as string };
    case 'BOOL':
      return { type: 'bool', value: v as boolean };
    case 'OID':
      return { type: 'oid', value: v as string };
  }
}

function buildOurs(t1: DataRow[], t2: DataRow[], indexes: IndexChoice[]): EvalContext {
  const kv = new MemoryKv();
  createDatabase(kv, 'db', false);
  const mk = (id: string, name: string, extra: IndexChoice[]): TableSchema => ({
    id,
    name,
    version: 1,
    columns: COLUMNS.map((c) => ({ name: c.name, type: c.type, notNull: false, default: null })),
    indexes: [
      { id: 'pk', name: '~pk', unique: true, columns: [{ column: 'k', order: 'asc' }] },
      ...extra.map((ix, i): IndexSchema => ({ id: `x${i}`, name: ix.name, unique: ix.unique, columns: ix.columns.map(([column, order]) => ({ column, order })) })),
    ],
    history: [],
  });
  const tables = [mk('t1', 't1', indexes), mk('t2', 't2', [INDEX_CHOICES[0]!])];
  let n = 1;
  [t1, t2].forEach((rows, ti) => {
    const t = tables[ti]!;
    for (const r of rows) {
      const row = { rowId: (n++).toString(16).padStart(24, '0'), values: r.map((v, i) => toSql(v, COLUMNS[i]!.type)) };
      kv.put(rowKeyOf(t, row.rowId), writeRow(t, row));
      for (const ix of t.indexes) {
        const e = indexEntry(t, ix, row);
        kv.put(e.key, e.value);
      }
    }
  });
  const catalog = { tables, nextId: 10 };
  saveCatalog(kv, 'db', catalog);
  return { exec: { database: 'db', params: new Map(), newOid: () => '0'.repeat(24) }, txn: kv, catalog };
}

function buildSqlite(t1: DataRow[], t2: DataRow[]): SqliteDb {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  for (const [name, rows] of [['t1', t1], ['t2', t2]] as const) {
    db.exec(`CREATE TABLE ${name} (${COLUMNS.map((c) => `${c.name} ${c.sqlite}`).join(', ')})`);
    const ins = db.prepare(`INSERT INTO ${name} VALUES (?, ?, ?, ?, ?)`);
    for (const r of rows) ins.run(...r.map((v) => (typeof v === 'boolean' ? (v ? 1n : 0n) : v)));
  }
  return db;
}

type Out = bigint | number | string | null;

function normalizeOurs(v: SqlValue): Out {
  switch (v.type) {
    case 'null':
      return null;
    case 'bool':
      return v.value ? 1n : 0n;
    case 'int64':
      return v.value;
    case 'float64':
      return v.value;
    case 'string':
    case 'oid':
      return v.value;
  }
}

function sameValue(a: Out, b: Out): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

function show(rows: Out[][]): string {
  return JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** How many compared queries returned rows, so a vacuous run (all results empty) fails. */
const stats = { queries: 0, nonEmpty: 0 };

function check(ctx: EvalContext, db: SqliteDb, q: P): void {
  const stmt = parseOne(q[0]) as Select;
  let ours: Out[][];
  try {
    ours = executeSelect(stmt, ctx).rows.map((r) => r.map(normalizeOurs));
  } catch (e) {
    throw new Error(`ours failed: ${(e as Error).message}\n  ours:   ${q[0]}\n  sqlite: ${q[1]}`);
  }
  const theirs = db.prepare(q[1]).raw(true).all() as Out[][];
  const equal = ours.length === theirs.length && ours.every((r, i) => r.length === theirs[i]!.length && r.every((v, j) => sameValue(v, theirs[i]![j]!)));
  stats.queries++;
  if (theirs.length > 0) stats.nonEmpty++;
  if (!equal) throw new Error(`results differ\n  ours:   ${q[0]}\n  sqlite: ${q[1]}\n  got:      ${show(ours)}\n  expected: ${show(theirs)}`);
}

describe('SELECT agrees with SQLite', () => {
  it('on random tables, indexes and queries', () => {
    fc.assert(
      fc.property(tableArb(3), tableArb(1), fc.subarray(INDEX_CHOICES), fc.array(queryArb, { minLength: 4, maxLength: 4 }), (t1, t2, indexes, queries) => {
        const ctx = buildOurs(t1, t2, indexes);
        const db = buildSqlite(t1, t2);
        try {
          for (const q of queries) check(ctx, db, q);
        } finally {
          db.close();
        }
      }),
      // DIFF_SEED / DIFF_RUNS explore further; the defaults keep the suite fast and reproducible.
      { numRuns: Number(process.env.DIFF_RUNS ?? 250), seed: Number(process.env.DIFF_SEED ?? 20240611), endOnFailure: false },
    );
    expect(stats.nonEmpty).toBeGreaterThan(stats.queries * 0.3);
  });

  it('on fixed edge cases', () => {
    const t1: DataRow[] = [
      [1n, 3n, 'ab', 1.5, true],
      [2n, null, 'B', null, false],
      [3n, -2n, '', -2.5, null],
      [4n, 3n, null, 100, true],
    ];
    const t2: DataRow[] = [
      [1n, 3n, 'ab', 0.5, false],
      [5n, null, 'B', 1, true],
    ];
    const ctx = buildOurs(t1, t2, INDEX_CHOICES);
    const db = buildSqlite(t1, t2);
    for (const sql of [
      'SELECT a, count(*), sum(c), avg(a), min(b), max(d) FROM t1 GROUP BY a ORDER BY 1, 2, 3, 4, 5, 6',
      'SELECT k FROM t1 WHERE a NOT IN (SELECT t2.a FROM t2) ORDER BY 1',
      'SELECT k FROM t1 WHERE a IN (SELECT t2.a FROM t2) ORDER BY 1',
      'SELECT t1.k, t2.k FROM t1 LEFT JOIN t2 ON t1.a = t2.a ORDER BY 1, 2',
      'SELECT (-7 / 2), (-7 % 3), (7 / 0), (7.5 / 0), abs(-3)',
      'SELECT DISTINCT a FROM t1 ORDER BY 1 DESC LIMIT 2 OFFSET 1',
      'SELECT count(*), sum(a) FROM t1 WHERE k > 100',
    ]) {
      check(ctx, db, same(sql));
    }
    db.close();
  });
});
