// DML edge cases: statements are all or nothing, unique keys with NULLs,
// INT64 beyond 2^53, primary key updates, and a model-based property test
// that checks every index entry against the rows after random statements.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import { parse } from '../../core/sql/parser.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { indexPrefix, tablePrefix } from '../../core/sql/keys.js';
import { createDatabase, getTable, loadCatalog } from '../../core/sql/engine/catalog.js';
import { readAllRows } from '../../core/sql/engine/ddl.js';
import { executeStatement } from '../../core/sql/engine/engine.js';
import { indexEntry } from '../../core/sql/engine/rows.js';
import type { ExecContext, SqlResult, TableSchema } from '../../core/sql/engine/types.js';
import { MemoryKv } from './memory-kv.js';

function setup(params: Record<string, SqlValue> = {}) {
  const kv = new MemoryKv();
  let oids = 0;
  const exec: ExecContext = { database: 'test', params: new Map(Object.entries(params)), newOid: () => (++oids).toString(16).padStart(24, '0') };
  createDatabase(kv, 'test', false);
  const run = (sql: string): SqlResult => {
    let last: SqlResult = { kind: 'affected', affected: 0 };
    for (const s of parse(sql)) last = executeStatement(s, kv, exec);
    return last;
  };
  /** Runs statements, returning the error code of a failure (which must leave the store untouched) or null. */
  const attempt = (sql: string): string | null => {
    const before = kv.snapshot();
    try {
      run(sql);
      return null;
    } catch (e) {
      if (!(e instanceof CamusError)) throw e;
      expect(kv.snapshot(), `${sql} failed with ${e.code} but wrote`).toEqual(before);
      return e.code;
    }
  };
  const fails = (sql: string, code: string): void => {
    expect(attempt(sql), sql).toBe(code);
  };
  const table = (name: string): TableSchema => getTable(loadCatalog(kv, 'test'), name);
  const rows = (name: string): SqlValue[][] => readAllRows(kv, table(name)).map((r) => r.values);
  return { kv, run, attempt, fails, table, rows };
}

const int = (n: number | bigint): SqlValue => ({ type: 'int64', value: BigInt(n) });
const oid = (s: string): SqlValue => ({ type: 'oid', value: s });
const NULL: SqlValue = { type: 'null' };

/** Every index holds exactly the entries of the table's rows, and nothing else. */
function checkIndexes(kv: MemoryKv, table: TableSchema): void {
  const rows = readAllRows(kv, table);
  const r = tablePrefix(table.id);
  expect(kv.scan(r.start, r.end).length).toBe(rows.length);
  for (const index of table.indexes) {
    const want = rows.map((row) => indexEntry(table, index, row)).sort((a, b) => (a.key < b.key ? -1 : 1));
    const p = indexPrefix(table.id, index.id);
    expect(kv.scan(p.start, p.end), `index ${index.name}`).toEqual(want);
  }
}

describe('INSERT', () => {
  it('stores INT64 values beyond 2^53 exactly', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64 PRIMARY KEY, b INT64)');
    db.run('INSERT INTO t VALUES (9007199254740993, -9007199254740993), (9223372036854775807, -9223372036854775808)');
    expect(db.rows('t')).toEqual([
      [int(9007199254740993n), int(-9007199254740993n)],
      [int(9223372036854775807n), int(-9223372036854775808n)],
    ]);
    db.fails('INSERT INTO t VALUES (9007199254740993, 0)', 'CADB0300');
    db.run('INSERT INTO t VALUES (9007199254740992, 0)');
    checkIndexes(db.kv, db.table('t'));
  });

  it('takes parameters, and converts exact numbers and hex strings to the column type', () => {
    const db = setup({ id: { type: 'string', value: '0000000000000000000000AB' }, n: int(2n ** 60n), f: { type: 'float64', value: 3 } });
    db.run('CREATE TABLE t (id OID PRIMARY KEY, n INT64, f INT64)');
    db.run('INSERT INTO t VALUES (@id, @n, @f)');
    expect(db.rows('t')).toEqual([[oid('0000000000000000000000ab'), int(2n ** 60n), int(3)]]);
    db.fails('INSERT INTO t VALUES ("not an id", 1, 1)', 'CADB0400');
  });

  it('lets any number of rows share NULL in a unique index, and no two rows share a value', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64 UNIQUE, b INT64, c INT64, UNIQUE KEY bc (b, c))');
    db.run('INSERT INTO t VALUES (NULL, 1, NULL), (NULL, 1, NULL), (NULL, NULL, NULL)');
    db.run('INSERT INTO t VALUES (1, 1, 1)');
    db.fails('INSERT INTO t VALUES (1, 2, 2)', 'CADB0300');
    db.fails('INSERT INTO t VALUES (2, 1, 1)', 'CADB0300');
    db.fails('INSERT INTO t VALUES (3, 3, 3), (4, 3, 3)', 'CADB0300');
    expect(db.rows('t').length).toBe(4);
    checkIndexes(db.kv, db.table('t'));
  });

  it('is all or nothing over many rows, whatever fails', () => {
    const db = setup();
    db.run('CREATE TABLE t (id INT64 PRIMARY KEY, s STRING NOT NULL, u INT64 UNIQUE)');
    db.run('INSERT INTO t VALUES (1, "a", 1)');
    db.fails('INSERT INTO t VALUES (2, "b", 2), (3, NULL, 3)', 'CADB0301');
    db.fails('INSERT INTO t VALUES (2, "b", 2), (3, "c", "x")', 'CADB0400');
    db.fails('INSERT INTO t VALUES (2, "b", 2), (1, "c", 3)', 'CADB0300');
    db.fails('INSERT INTO t VALUES (2, "b", 2), (3, "c", 1)', 'CADB0300');
    db.fails('INSERT INTO t VALUES (2, "b", 2), (3, "c", nope)', 'CADB0404');
    db.fails('INSERT INTO t VALUES (2, "b")', 'CADB0400');
    expect(db.rows('t')).toEqual([[int(1), { type: 'string', value: 'a' }, int(1)]]);
  });

  it('gives rows of a table without an OID key fresh row ids, and uses an OID key as the row id', () => {
    const db = setup();
    db.run('CREATE TABLE a (v INT64); CREATE TABLE b (id OID PRIMARY KEY DEFAULT GEN_ID(), v INT64)');
    db.run('INSERT INTO a VALUES (1), (1)');
    db.run('INSERT INTO b (v) VALUES (1)');
    const ids = (name: string) => readAllRows(db.kv, db.table(name)).map((r) => r.rowId);
    expect(ids('a')).toEqual(['000000000000000000000001', '000000000000000000000002']);
    expect(ids('b')).toEqual(['000000000000000000000003']);
    expect(db.rows('b')[0]![0]).toEqual(oid('000000000000000000000003'));
  });
});

describe('UPDATE and DELETE', () => {
  it('moves a row whose OID primary key changes, with its index entries', () => {
    const db = setup();
    db.run('CREATE TABLE t (id OID PRIMARY KEY, v INT64 UNIQUE, w INT64, KEY kw (w))');
    db.run('INSERT INTO t VALUES (STR_ID("0000000000000000000000a1"), 1, 1), (STR_ID("0000000000000000000000a2"), 2, 1)');
    db.run('UPDATE t SET id = STR_ID("0000000000000000000000b1"), w = 5 WHERE v = 1');
    expect(readAllRows(db.kv, db.table('t')).map((r) => r.rowId)).toEqual(['0000000000000000000000a2', '0000000000000000000000b1']);
    checkIndexes(db.kv, db.table('t'));
    db.fails('UPDATE t SET id = STR_ID("0000000000000000000000a2") WHERE v = 1', 'CADB0300');
    db.fails('UPDATE t SET id = NULL WHERE v = 1', 'CADB0301');
  });

  it('keeps the row id of a row whose non-OID primary key changes', () => {
    const db = setup();
    db.run('CREATE TABLE t (id INT64 PRIMARY KEY, v INT64)');
    db.run('INSERT INTO t VALUES (1, 10)');
    const before = readAllRows(db.kv, db.table('t'))[0]!.rowId;
    db.run('UPDATE t SET id = 2 WHERE id = 1');
    expect(readAllRows(db.kv, db.table('t'))).toEqual([{ rowId: before, values: [int(2), int(10)] }]);
    checkIndexes(db.kv, db.table('t'));
  });

  it('checks uniqueness on the statement\'s net effect: swaps succeed, collisions fail', () => {
    const db = setup();
    db.run('CREATE TABLE t (id INT64 PRIMARY KEY, u INT64 UNIQUE)');
    db.run('INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)');
    db.run('UPDATE t SET u = 30 - u + 10 WHERE id = 1 OR id = 3');
    expect(db.rows('t')).toEqual([
      [int(1), int(30)],
      [int(2), int(20)],
      [int(3), int(10)],
    ]);
    db.fails('UPDATE t SET u = 20 WHERE id = 1', 'CADB0300');
    db.fails('UPDATE t SET u = 99 WHERE id > 1', 'CADB0300');
    db.run('UPDATE t SET id = id + 1 WHERE id > 0');
    expect(db.rows('t').map((r) => r[0])).toEqual([int(2), int(3), int(4)]);
    checkIndexes(db.kv, db.table('t'));
  });

  it('deletes rows with all their index entries', () => {
    const db = setup();
    db.run('CREATE TABLE t (id INT64 PRIMARY KEY, u STRING UNIQUE, g INT64, KEY kg (g))');
    db.run('INSERT INTO t VALUES (1, "a", 1), (2, NULL, 1), (3, "c", NULL)');
    expect(db.run('DELETE FROM t WHERE g = 1')).toEqual({ kind: 'affected', affected: 2 });
    expect(db.rows('t')).toEqual([[int(3), { type: 'string', value: 'c' }, NULL]]);
    checkIndexes(db.kv, db.table('t'));
    db.fails('DELETE FROM nope WHERE a = 1', 'CADB0011');
  });
});

// A model of a table with a primary key, a unique column and an indexed
// column; random statements run against the engine and the model must agree
// on what fails, what the rows are, and the indexes must match the rows.

type Op =
  | { kind: 'insert'; rows: [number, number | null, number | null][] }
  | { kind: 'setU'; id: number; u: number | null }
  | { kind: 'setId'; id: number; to: number }
  | { kind: 'shiftG'; g: number }
  | { kind: 'delete'; id: number };

const small = fc.integer({ min: 0, max: 5 });
const maybe = fc.option(small, { nil: null });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), rows: fc.array(fc.tuple(small, maybe, maybe), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('setU' as const), id: small, u: maybe }),
  fc.record({ kind: fc.constant('setId' as const), id: small, to: small }),
  fc.record({ kind: fc.constant('shiftG' as const), g: small }),
  fc.record({ kind: fc.constant('delete' as const), id: small }),
);

interface ModelRow {
  id: number;
  u: number | null;
  g: number | null;
}

/** The rows after the op, or null when a key would repeat. */
function applyModel(rows: ModelRow[], op: Op): ModelRow[] | null {
  let next: ModelRow[];
  switch (op.kind) {
    case 'insert':
      next = [...rows, ...op.rows.map(([id, u, g]) => ({ id, u, g }))];
      break;
    case 'setU':
      next = rows.map((r) => (r.id === op.id ? { ...r, u: op.u } : r));
      break;
    case 'setId':
      next = rows.map((r) => (r.id === op.id ? { ...r, id: op.to } : r));
      break;
    case 'shiftG':
      next = rows.map((r) => (r.g !== null && r.g >= op.g ? { ...r, g: r.g + 1 } : r));
      break;
    case 'delete':
      next = rows.filter((r) => r.id !== op.id);
      break;
  }
  const ids = next.map((r) => r.id);
  const us = next.flatMap((r) => (r.u === null ? [] : [r.u]));
  if (new Set(ids).size !== ids.length || new Set(us).size !== us.length) return null;
  return next;
}

function opSql(op: Op, key: (n: number) => string): string {
  const v = (n: number | null) => (n === null ? 'NULL' : String(n));
  switch (op.kind) {
    case 'insert':
      return `INSERT INTO t (id, u, g) VALUES ${op.rows.map(([id, u, g]) => `(${key(id)}, ${v(u)}, ${v(g)})`).join(', ')}`;
    case 'setU':
      return `UPDATE t SET u = ${v(op.u)} WHERE id = ${key(op.id)}`;
    case 'setId':
      return `UPDATE t SET id = ${key(op.to)} WHERE id = ${key(op.id)}`;
    case 'shiftG':
      return `UPDATE t SET g = g + 1 WHERE g >= ${op.g}`;
    case 'delete':
      return `DELETE FROM t WHERE id = ${key(op.id)}`;
  }
}

describe('model check of DML with indexes', () => {
  const variants: [string, string, (n: number) => string, (v: SqlValue) => number][] = [
    ['INT64 key', 'INT64', (n) => String(n), (v) => Number((v as { value: bigint }).value)],
    ['OID key (row id = key)', 'OID', (n) => `STR_ID("${n.toString(16).padStart(24, '0')}")`, (v) => parseInt((v as { value: string }).value, 16)],
  ];
  for (const [name, type, key, unkey] of variants) {
    it(name, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
          const db = setup();
          db.run(`CREATE TABLE t (id ${type} PRIMARY KEY, u INT64 UNIQUE, g INT64, KEY kg (g DESC, u))`);
          let model: ModelRow[] = [];
          for (const op of ops) {
            const next = applyModel(model, op);
            const code = db.attempt(opSql(op, key));
            expect(code, opSql(op, key)).toBe(next === null ? 'CADB0300' : null);
            if (next !== null) model = next;
            const actual = db.rows('t').map((r) => ({ id: unkey(r[0]!), u: r[1]!.type === 'null' ? null : Number((r[1] as { value: bigint }).value), g: r[2]!.type === 'null' ? null : Number((r[2] as { value: bigint }).value) }));
            const sort = (rs: ModelRow[]) => [...rs].sort((a, b) => a.id - b.id);
            expect(sort(actual)).toEqual(sort(model));
            checkIndexes(db.kv, db.table('t'));
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});
