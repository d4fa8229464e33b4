import { describe, expect, it } from 'vitest';
import type { ColumnType, Select, Statement } from '../../core/sql/ast.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { createDatabase, saveCatalog, type Catalog } from '../../core/sql/engine/catalog.js';
import type { EvalContext } from '../../core/sql/engine/eval.js';
import { indexEntry, rowKeyOf, writeRow, type Row } from '../../core/sql/engine/rows.js';
import { executeSelect, explainSelect, findRows } from '../../core/sql/engine/select.js';
import type { KvTxn, TableSchema } from '../../core/sql/engine/types.js';
import { parseOne } from '../../core/sql/parser.js';
import { MemoryKv } from './memory-kv.js';

// ---------------------------------------------------------------------------
// Fixture: tables written straight into a MemoryKv, no DDL/DML engine needed.

/** A KvTxn that records what was read, to check access paths and read sets. */
class RecordingKv implements KvTxn {
  gets: string[] = [];
  scans: { start: string; end: string; limit: number | undefined; returned: number }[] = [];
  constructor(readonly inner: MemoryKv) {}
  get(key: string): Uint8Array | null {
    this.gets.push(key);
    return this.inner.get(key);
  }
  peek(key: string): Uint8Array | null {
    return this.inner.get(key);
  }
  scan(start: string, end: string, limit?: number): { key: string; value: Uint8Array }[] {
    const out = this.inner.scan(start, end, limit);
    this.scans.push({ start, end, limit, returned: out.length });
    return out;
  }
  put(key: string, value: Uint8Array): void {
    this.inner.put(key, value);
  }
  delete(key: string): void {
    this.inner.delete(key);
  }
  reset(): void {
    this.gets = [];
    this.scans = [];
  }
}

interface TableSpec {
  name: string;
  columns: [string, ColumnType][];
  pk?: string[];
  indexes?: { name: string; unique?: boolean; columns: [string, 'asc' | 'desc'][] }[];
}

function oid(n: number): string {
  return n.toString(16).padStart(24, '0');
}

function jsToSql(v: unknown, type: ColumnType): SqlValue {
  if (v === null || v === undefined) return { type: 'null' };
  switch (type) {
    case 'INT64':
      return { type: 'int64', value: BigInt(v as number) };
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

function fixture(specs: TableSpec[]) {
  const mem = new MemoryKv();
  const kv = new RecordingKv(mem);
  createDatabase(mem, 'db', false);
  const tables: TableSchema[] = specs.map((s, ti) => ({
    id: `t${ti + 1}`,
    name: s.name,
    version: 1,
    columns: s.columns.map(([name, type]) => ({ name, type, notNull: false, default: null })),
    indexes: [
      ...(s.pk ? [{ id: 'pk', name: '~pk', unique: true, columns: s.pk.map((c) => ({ column: c, order: 'asc' as const })) }] : []),
      ...(s.indexes ?? []).map((ix, i) => ({ id: `x${i + 1}`, name: ix.name, unique: ix.unique ?? false, columns: ix.columns.map(([column, order]) => ({ column, order })) })),
    ],
    history: [],
  }));
  const catalog: Catalog = { tables, nextId: 100 };
  saveCatalog(mem, 'db', catalog);
  let nextRow = 1;
  let nextOid = 1000;
  const params = new Map<string, SqlValue>();
  const ctx: EvalContext = { exec: { database: 'db', params, newOid: () => oid(nextOid++) }, txn: kv, catalog };
  const insert = (name: string, rows: unknown[][]): void => {
    const t = tables.find((x) => x.name === name)!;
    for (const r of rows) {
      const values = t.columns.map((c, i) => jsToSql(r[i], c.type));
      // A single OID primary key is the row id (catalog.rowIdColumn).
      const pk = t.indexes.find((ix) => ix.name === '~pk');
      const idCol = pk && pk.columns.length === 1 ? t.columns.findIndex((c) => c.name === pk.columns[0]!.column && c.type === 'OID') : -1;
      const row: Row = { rowId: idCol >= 0 ? (values[idCol] as { value: string }).value : oid(nextRow++), values };
      mem.put(rowKeyOf(t, row.rowId), writeRow(t, row));
      for (const ix of t.indexes) {
        const e = indexEntry(t, ix, row);
        mem.put(e.key, e.value);
      }
    }
  };
  const select = (sql: string): Select => {
    const st: Statement = parseOne(sql);
    if (st.kind === 'select') return st;
    if (st.kind === 'explain') return st.query;
    throw new Error(`not a select: ${sql}`);
  };
  const q = (sql: string) => executeSelect(select(sql), ctx);
  const rows = (sql: string) => q(sql).rows.map((r) => r.map(toJs));
  const explain = (sql: string) => explainSelect(select(sql), ctx).rows.map((r) => (r[0] as { value: string }).value);
  return { kv, mem, ctx, tables, params, insert, q, rows, explain };
}

function toJs(v: SqlValue): unknown {
  switch (v.type) {
    case 'null':
      return null;
    case 'int64':
      return Number(v.value);
    default:
      return v.value;
  }
}

function users() {
  const f = fixture([
    {
      name: 'users',
      columns: [
        ['id', 'INT64'],
        ['name', 'STRING'],
        ['email', 'STRING'],
        ['age', 'INT64'],
        ['score', 'FLOAT64'],
        ['active', 'BOOL'],
      ],
      pk: ['id'],
      indexes: [
        { name: 'by_email', unique: true, columns: [['email', 'asc']] },
        { name: 'by_age', columns: [['age', 'asc']] },
        { name: 'by_score_desc', columns: [['score', 'desc']] },
      ],
    },
    {
      name: 'orders',
      columns: [
        ['oid', 'INT64'],
        ['user_id', 'INT64'],
        ['amount', 'INT64'],
      ],
      pk: ['oid'],
      indexes: [{ name: 'by_user', columns: [['user_id', 'asc']] }],
    },
  ]);
  f.insert('users', [
    [1, 'alice', 'alice@x', 30, 1.5, true],
    [2, 'bob', 'bob@x', 25, 2.5, false],
    [3, 'carol', 'carol@x', 35, null, true],
    [4, 'dave', null, null, 0.5, null],
    [5, 'eve', 'eve@x', 25, 3.5, true],
  ]);
  f.insert('orders', [
    [10, 1, 100],
    [11, 1, 50],
    [12, 2, 70],
    [13, 5, 20],
    [14, 9, 1],
  ]);
  return f;
}

describe('SELECT basics', () => {
  it('projects columns, *, t.*, aliases and expressions with result names', () => {
    const f = users();
    const r = f.q('SELECT id, name AS n, age + 1, u.* FROM users u WHERE id = 1');
    expect(r.columns).toEqual(['id', 'n', 'age + 1', 'id', 'name', 'email', 'age', 'score', 'active']);
    expect(r.rows.map((x) => x.map(toJs))).toEqual([[1, 'alice', 31, 1, 'alice', 'alice@x', 30, 1.5, true]]);
    expect(f.q('SELECT count(*) FROM users').columns).toEqual(['count(*)']);
    expect(f.rows('SELECT 1 + 2, "a" || "b"')).toEqual([[3, 'ab']]);
  });

  it('filters with three-valued logic', () => {
    const f = users();
    expect(f.rows('SELECT id FROM users WHERE age > 26 ORDER BY id')).toEqual([[1], [3]]);
    expect(f.rows('SELECT id FROM users WHERE NOT (age > 26) ORDER BY id')).toEqual([[2], [5]]);
    expect(f.rows('SELECT id FROM users WHERE age IS NULL')).toEqual([[4]]);
    expect(f.rows('SELECT id FROM users WHERE active OR age > 100 ORDER BY id')).toEqual([[1], [3], [5]]);
    expect(f.rows('SELECT id FROM users WHERE age NOT IN (25, NULL)')).toEqual([]);
    expect(f.rows('SELECT id FROM users WHERE age IN (25, NULL) ORDER BY id')).toEqual([[2], [5]]);
    expect(f.rows('SELECT id FROM users WHERE name LIKE "%e" ORDER BY id')).toEqual([[1], [4], [5]]);
    expect(f.rows('SELECT id FROM users WHERE name ILIKE "A%"')).toEqual([[1]]);
    expect(f.rows('SELECT id FROM users WHERE name LIKE "A%"')).toEqual([]);
    expect(f.rows('SELECT id FROM users WHERE age BETWEEN 26 AND 35 ORDER BY id')).toEqual([[1], [3]]);
  });

  it('orders by several keys, aliases and positions, NULL first ascending', () => {
    const f = users();
    expect(f.rows('SELECT id, age FROM users ORDER BY age, id DESC')).toEqual([
      [4, null],
      [5, 25],
      [2, 25],
      [1, 30],
      [3, 35],
    ]);
    expect(f.rows('SELECT id, score AS s FROM users ORDER BY s DESC LIMIT 2')).toEqual([
      [5, 3.5],
      [2, 2.5],
    ]);
    expect(f.rows('SELECT name, id FROM users ORDER BY 2 DESC LIMIT 1 OFFSET 1')).toEqual([['dave', 4]]);
    expect(() => f.q('SELECT id FROM users ORDER BY 3')).toThrow(/CADB0400|not in the select list/);
  });

  it('applies DISTINCT, LIMIT and OFFSET, with parameters', () => {
    const f = users();
    expect(f.rows('SELECT DISTINCT age FROM users ORDER BY age')).toEqual([[null], [25], [30], [35]]);
    f.params.set('n', { type: 'int64', value: 2n });
    expect(f.rows('SELECT id FROM users ORDER BY id LIMIT @n OFFSET @n')).toEqual([[3], [4]]);
    expect(() => f.q('SELECT id FROM users LIMIT @missing')).toThrow(/unknown parameter @missing/);
    f.params.set('s', { type: 'string', value: 'x' });
    expect(() => f.q('SELECT id FROM users LIMIT @s')).toThrow(/LIMIT must be a non-negative INT64/);
  });
});

describe('aggregates and GROUP BY', () => {
  it('computes COUNT, SUM, AVG, MIN, MAX with NULLs', () => {
    const f = users();
    expect(f.rows('SELECT count(*), count(age), sum(age), avg(age), min(name), max(score) FROM users')).toEqual([[5, 4, 115, 28.75, 'alice', 3.5]]);
    expect(f.rows('SELECT count(*), sum(age), avg(age), min(age) FROM users WHERE id > 100')).toEqual([[0, null, null, null]]);
  });

  it('groups, filters with HAVING on aggregates not in the select list, orders by aggregates', () => {
    const f = users();
    expect(f.rows('SELECT age, count(*) AS c FROM users GROUP BY age ORDER BY age')).toEqual([
      [null, 1],
      [25, 2],
      [30, 1],
      [35, 1],
    ]);
    expect(f.rows('SELECT age FROM users GROUP BY age HAVING sum(score) > 5')).toEqual([[25]]);
    expect(f.rows('SELECT age FROM users GROUP BY age ORDER BY count(*) DESC, age LIMIT 1')).toEqual([[25]]);
    expect(f.rows('SELECT age + 1 AS a1, count(*) FROM users GROUP BY a1 ORDER BY a1')).toEqual([
      [null, 1],
      [26, 2],
      [31, 1],
      [36, 1],
    ]);
    expect(f.rows('SELECT user_id, sum(amount) FROM orders GROUP BY 1 ORDER BY 1')).toEqual([
      [1, 150],
      [2, 70],
      [5, 20],
      [9, 1],
    ]);
  });

  it('rejects invalid grouped queries', () => {
    const f = users();
    expect(() => f.q('SELECT name, count(*) FROM users')).toThrow(/must appear in the GROUP BY/);
    expect(() => f.q('SELECT name FROM users GROUP BY age')).toThrow(/must appear in the GROUP BY/);
    expect(() => f.q('SELECT id FROM users WHERE count(*) > 1')).toThrow(/not allowed in WHERE/);
    expect(() => f.q('SELECT count(DISTINCT age) FROM users')).toThrow(/not supported/);
    expect(() => f.q('SELECT sum(count(*)) FROM users')).toThrow(/nested/);
    expect(() => f.q('SELECT DISTINCT age FROM users GROUP BY age')).toThrow(/DISTINCT with GROUP BY/);
    expect(() => f.q('SELECT sum(name) FROM users')).toThrow(/CADB0400|numeric/);
  });

  it('keeps SUM of INT64 exact and reports overflow', () => {
    const f = fixture([{ name: 'n', columns: [['v', 'INT64']] }]);
    f.insert('n', [[Number.MAX_SAFE_INTEGER], [Number.MAX_SAFE_INTEGER], [1]]);
    expect(f.q('SELECT sum(v) FROM n').rows[0]![0]).toEqual({ type: 'int64', value: 2n * BigInt(Number.MAX_SAFE_INTEGER) + 1n });
    const g = fixture([{ name: 'n', columns: [['v', 'INT64']] }]);
    g.mem.put('x', new Uint8Array()); // unrelated key, ignored by scans of the table
    g.insert('n', [[1], [1]]);
    const big = fixture([{ name: 'n', columns: [['v', 'INT64']] }]);
    const t = big.tables[0]!;
    for (let i = 0; i < 3; i++) {
      const row = { rowId: oid(500 + i), values: [{ type: 'int64', value: (1n << 62n) } as SqlValue] };
      big.mem.put(rowKeyOf(t, row.rowId), writeRow(t, row));
    }
    expect(() => big.q('SELECT sum(v) FROM n')).toThrow(/INT64 overflow/);
  });
});

describe('joins and subqueries', () => {
  it('joins with ON, comma joins, aliases and qualified columns', () => {
    const f = users();
    const expected = [
      ['alice', 50],
      ['alice', 100],
      ['bob', 70],
      ['eve', 20],
    ];
    expect(f.rows('SELECT u.name, o.amount FROM users u JOIN orders o ON o.user_id = u.id ORDER BY 1, 2')).toEqual(expected);
    expect(f.rows('SELECT name, amount FROM users, orders WHERE user_id = id ORDER BY name, amount')).toEqual(expected);
    expect(f.rows('SELECT u.name, o.amount FROM orders o INNER JOIN users u ON u.id = o.user_id WHERE o.amount > 60 ORDER BY 2')).toEqual([
      ['bob', 70],
      ['alice', 100],
    ]);
    expect(() => f.q('SELECT name FROM users u, users v')).toThrow(/ambiguous/);
    expect(() => f.q('SELECT * FROM users, users')).toThrow(/more than once/);
  });

  it('reads an inner table without a usable index once, not once per outer row', () => {
    const f = users();
    f.kv.reset();
    expect(f.rows('SELECT u.id, o.oid FROM users u, orders o WHERE o.amount < u.age ORDER BY 1, 2')).toEqual([
      [1, 13],
      [1, 14],
      [2, 13],
      [2, 14],
      [3, 13],
      [3, 14],
      [5, 13],
      [5, 14],
    ]);
    expect(f.kv.scans.filter((x) => x.start.startsWith('t2:r/')).length).toBe(1);
  });

  it('runs LEFT JOIN with NULL-extended rows and WHERE after the join', () => {
    const f = users();
    expect(f.rows('SELECT u.id, o.oid FROM users u LEFT JOIN orders o ON o.user_id = u.id ORDER BY 1, 2')).toEqual([
      [1, 10],
      [1, 11],
      [2, 12],
      [3, null],
      [4, null],
      [5, 13],
    ]);
    expect(f.rows('SELECT u.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE o.oid IS NULL ORDER BY 1')).toEqual([[3], [4]]);
  });

  it('uses derived tables, scalar, IN, EXISTS and correlated subqueries', () => {
    const f = users();
    expect(f.rows('SELECT d.uid, d.total FROM (SELECT user_id AS uid, sum(amount) AS total FROM orders GROUP BY user_id) d WHERE d.total > 60 ORDER BY 1')).toEqual([
      [1, 150],
      [2, 70],
    ]);
    expect(f.rows('SELECT (SELECT max(amount) FROM orders)')).toEqual([[100]]);
    expect(f.rows('SELECT name FROM users WHERE id IN (SELECT user_id FROM orders) ORDER BY 1')).toEqual([['alice'], ['bob'], ['eve']]);
    expect(f.rows('SELECT name FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id) ORDER BY 1')).toEqual([['carol'], ['dave']]);
    expect(f.rows('SELECT name, (SELECT sum(amount) FROM orders WHERE user_id = users.id) FROM users ORDER BY 1')).toEqual([
      ['alice', 150],
      ['bob', 70],
      ['carol', null],
      ['dave', null],
      ['eve', 20],
    ]);
    expect(f.rows('SELECT oid FROM orders WHERE user_id NOT IN (SELECT id FROM users) ')).toEqual([[14]]);
    expect(() => f.q('SELECT (SELECT id FROM users)')).toThrow(/scalar subquery returned 5 rows/);
    expect(() => f.q('SELECT id FROM users WHERE id IN (SELECT id, name FROM users)')).toThrow(/one column/);
  });

  it('runs an uncorrelated subquery once per statement', () => {
    const f = users();
    f.kv.reset();
    f.q('SELECT id FROM users WHERE age > (SELECT min(age) FROM users)');
    // One scan for the outer query and one for the subquery, not one per outer row.
    const fullScans = f.kv.scans.filter((s) => s.start.startsWith('t1:r/'));
    expect(fullScans.length).toBe(2);
  });
});

describe('errors', () => {
  it('reports unknown columns, tables, functions and indexes with their codes', () => {
    const f = users();
    const code = (sql: string): string | undefined => {
      try {
        f.q(sql);
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(code('SELECT nope FROM users')).toBe('CADB0404');
    expect(code('SELECT u.nope FROM users u')).toBe('CADB0404');
    expect(code('SELECT x.id FROM users u')).toBe('CADB0404');
    expect(code('SELECT id FROM nope')).toBe('CADB0011');
    expect(code('SELECT nope(1)')).toBe('CADB0400');
    expect(code('SELECT upper(1, 2)')).toBe('CADB0400');
    expect(code('SELECT id FROM users@{FORCE_INDEX=nope}')).toBe('CADB0016');
    expect(code('SELECT id FROM users WHERE name = 1')).toBe('CADB0400');
    expect(code('SELECT id FROM users WHERE age')).toBe('CADB0400');
  });

  it('checks names before reading rows, so an empty table reports them too', () => {
    const f = fixture([
      { name: 'e', columns: [['x', 'INT64']] },
      { name: 'g', columns: [['x', 'INT64'], ['y', 'INT64']] },
    ]);
    expect(() => f.q('SELECT nope FROM e')).toThrow(/column "nope" does not exist/);
    expect(() => f.q('SELECT x FROM e WHERE EXISTS (SELECT 1 FROM g WHERE g.nope = e.x)')).toThrow(/CADB0404|does not exist/);
    expect(() => f.q('SELECT x FROM e ORDER BY nope(x)')).toThrow(/unknown function nope\(\)/);
    expect(() => f.q('SELECT x FROM e, g')).toThrow(/ambiguous/);
    expect(() => f.q('SELECT e.x FROM e JOIN g ON g.y = h.y JOIN g AS h ON h.x = e.x')).toThrow(/no table or alias "h"/);
    expect(() => findRows(f.tables[0]!, 'e', (parseOne('SELECT 1 FROM e WHERE nope = 1') as Select).where, f.ctx)).toThrow(/does not exist/);
    // Outer columns resolve inside subqueries; the subquery's own table shadows them.
    expect(f.rows('SELECT x FROM e WHERE EXISTS (SELECT 1 FROM g WHERE g.y = e.x AND x = y)')).toEqual([]);
  });
});

describe('access paths', () => {
  it('explains the chosen path per table', () => {
    const f = users();
    const path = (sql: string): string => f.explain(sql).find((l) => /scan|lookup/.test(l))!.trim();
    expect(path('SELECT * FROM users WHERE id = 3')).toBe('primary key point lookup on users (id = 3)');
    expect(path('SELECT * FROM users WHERE email = "bob@x"')).toBe('index point lookup users@by_email (email = \'bob@x\')');
    expect(path('SELECT * FROM users WHERE age >= 26')).toBe('index range scan users@by_age (age >= 26)');
    expect(path('SELECT * FROM users WHERE name = "bob"')).toBe('full table scan users');
    expect(path('SELECT * FROM users@{FORCE_INDEX=by_age}')).toBe('index full scan users@by_age');
    expect(path('SELECT * FROM users@{FORCE_INDEX=primary} WHERE id > 1')).toBe('primary key range scan on users (id > 1)');
    const join = f.explain('SELECT * FROM users u JOIN orders o ON o.user_id = u.id');
    expect(join.map((l) => l.trim())).toContain('inner join: index range scan orders AS o@by_user (o.user_id = u.id)');
    expect(f.explain('SELECT id FROM users ORDER BY age LIMIT 2').join('\n')).toMatch(/order \(from the index, no sort\)[\s\S]*index full scan users@by_age/);
  });

  it('a primary key lookup reads one index entry and one row', () => {
    const f = users();
    f.kv.reset();
    expect(f.rows('SELECT name FROM users WHERE id = 2')).toEqual([['bob']]);
    expect(f.kv.scans).toEqual([]);
    expect(f.kv.gets.filter((k) => k.startsWith('t1:')).length).toBe(2);
  });

  it('range scans cover exactly the predicate range, ascending and descending', () => {
    const f = users();
    for (const [where, ids] of [
      ['age > 25', [1, 3]],
      ['age >= 25', [1, 2, 3, 5]],
      ['age < 30', [2, 5]],
      ['age <= 30 AND age > 25', [1]],
      ['age BETWEEN 25 AND 30', [1, 2, 5]],
      ['age > 40', []],
      ['age > 30 AND age < 30', []],
      ['score > 1', [1, 2, 5]],
      ['score < 2.5', [1, 4]],
      ['score <= 2.5 AND score >= 1.5', [1, 2]],
      ['age = 25.0', [2, 5]],
      ['age < 25.5', [2, 5]],
      ['age IS NULL', [4]],
    ] as const) {
      f.kv.reset();
      expect(f.rows(`SELECT id FROM users WHERE ${where} ORDER BY id`), where).toEqual(ids.map((i) => [i]));
      // Every row fetched matches (no entries outside the range were read), except for dropped inexact bounds.
      const fetched = f.kv.gets.filter((k) => k.startsWith('t1:r/')).length;
      if (!where.includes('.5') && f.kv.scans.every((s) => !s.start.startsWith('t1:r/'))) expect(fetched, where).toBe(ids.length);
    }
  });

  it('streams index order under ORDER BY + LIMIT and stops early', () => {
    const f = fixture([{ name: 'big', columns: [['k', 'INT64'], ['v', 'INT64']], pk: ['k'], indexes: [{ name: 'by_v', columns: [['v', 'desc']] }] }]);
    f.insert('big', Array.from({ length: 200 }, (_, i) => [i, (i * 7) % 200]));
    f.kv.reset();
    expect(f.rows('SELECT k FROM big ORDER BY k LIMIT 3')).toEqual([[0], [1], [2]]);
    expect(f.kv.gets.filter((k) => k.startsWith('t1:r/')).length).toBe(3);
    f.kv.reset();
    expect(f.rows('SELECT v FROM big WHERE v < 150 ORDER BY v DESC LIMIT 2 OFFSET 1')).toEqual([[148], [147]]);
    expect(f.kv.gets.filter((k) => k.startsWith('t1:r/')).length).toBe(3);
    f.kv.reset();
    expect(f.rows('SELECT k FROM big WHERE k >= 10 AND v > 100 ORDER BY k LIMIT 2')).toEqual([[15], [16]]);
    expect(f.kv.gets.filter((k) => k.startsWith('t1:r/')).length).toBeLessThan(20);
  });

  it('uses a composite index prefix and point lookups on the inner side of a join', () => {
    const f = fixture([
      { name: 'a', columns: [['x', 'INT64'], ['y', 'STRING'], ['z', 'INT64']], pk: ['x', 'y'] },
      { name: 'b', columns: [['x', 'INT64'], ['y', 'STRING']] },
    ]);
    f.insert('a', [
      [1, 'p', 10],
      [1, 'q', 11],
      [2, 'p', 12],
      [2, 'r', 13],
    ]);
    f.insert('b', [
      [1, 'q'],
      [2, 'r'],
      [3, 'p'],
    ]);
    expect(f.explain('SELECT * FROM a WHERE x = 1').join('\n')).toMatch(/primary key range scan on a \(x = 1\)/);
    expect(f.explain('SELECT * FROM a WHERE x = 1 AND y = "q"').join('\n')).toMatch(/primary key point lookup on a/);
    expect(f.explain('SELECT * FROM b JOIN a ON a.x = b.x AND a.y = b.y').join('\n')).toMatch(/primary key point lookup on a/);
    expect(f.rows('SELECT a.z FROM b JOIN a ON a.x = b.x AND a.y = b.y ORDER BY 1')).toEqual([[11], [13]]);
    expect(f.rows('SELECT z FROM a WHERE x = 2 AND y > "p"')).toEqual([[13]]);
  });

  it('reads a row directly when the primary key is the row id', () => {
    const f = fixture([{ name: 'docs', columns: [['id', 'OID'], ['title', 'STRING']], pk: ['id'] }]);
    f.insert('docs', [
      [oid(0xabc), 'one'],
      [oid(0xdef), 'two'],
    ]);
    f.kv.reset();
    expect(f.rows(`SELECT title FROM docs WHERE id = "${oid(0xdef)}"`)).toEqual([['two']]);
    expect(f.kv.gets.filter((k) => k.startsWith('t1:'))).toEqual([`t1:r/${oid(0xdef)}`]);
    expect(f.kv.scans).toEqual([]);
    expect(f.rows(`SELECT title FROM docs WHERE id = STR_ID("${oid(0x123)}")`)).toEqual([]);
    expect(() => f.q('SELECT title FROM docs WHERE id = "nope"')).toThrow(/not a valid OID/);
  });

  it('looks up each value of an IN list, in index order', () => {
    const f = users();
    expect(f.explain('SELECT * FROM users WHERE id IN (3, 1)').join('\n')).toMatch(/primary key point lookup on users \(id IN \(3, 1\)\)/);
    f.kv.reset();
    expect(f.rows('SELECT id FROM users WHERE id IN (5, 1, 9, NULL, 1, 2.5) ORDER BY id')).toEqual([[1], [5]]);
    expect(f.kv.scans).toEqual([]);
    expect(f.kv.gets.filter((k) => k.startsWith('t1:r/')).length).toBe(2);
    f.kv.reset();
    expect(f.rows('SELECT id, age FROM users WHERE age IN (35, 25) ORDER BY age LIMIT 2')).toEqual([
      [2, 25],
      [5, 25],
    ]);
    expect(f.explain('SELECT id, age FROM users WHERE age IN (35, 25) ORDER BY age LIMIT 2').join('\n')).toMatch(/order \(from the index/);
    expect(f.rows('SELECT id FROM users WHERE age IN (25, 30) AND active ORDER BY id')).toEqual([[1], [5]]);
  });

  it('findRows returns matching rows via the best path', () => {
    const f = users();
    const t = f.tables[0]!;
    f.kv.reset();
    const where = (parseOne('SELECT 1 FROM users WHERE age = 25 AND active') as Select).where;
    expect(findRows(t, 'users', where, f.ctx).map((r) => r.rowId)).toEqual([oid(5)]);
    expect(f.kv.scans.every((s) => s.start.startsWith('t1:i:x2/'))).toBe(true);
  });
});
