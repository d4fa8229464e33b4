// DDL edge cases: refused statements change nothing, IF [NOT] EXISTS, ALTER on
// existing rows, where data lives in the key space, and SHOW CREATE TABLE
// round trips.

import { describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import { parse } from '../../core/sql/parser.js';
import type { SqlValue } from '../../core/sql/encoding.js';
import { createDatabase, getTable, loadCatalog } from '../../core/sql/engine/catalog.js';
import { readAllRows } from '../../core/sql/engine/ddl.js';
import { executeStatement } from '../../core/sql/engine/engine.js';
import type { ExecContext, SqlResult, TableSchema } from '../../core/sql/engine/types.js';
import { MemoryKv } from './memory-kv.js';

function setup(database = 'test') {
  const kv = new MemoryKv();
  let oids = 0;
  const exec = (db: string): ExecContext => ({ database: db, params: new Map(), newOid: () => (++oids).toString(16).padStart(24, '0') });
  createDatabase(kv, database, false);
  const run = (sql: string, db = database): SqlResult => {
    let last: SqlResult = { kind: 'affected', affected: 0 };
    for (const s of parse(sql)) last = executeStatement(s, kv, exec(db));
    return last;
  };
  /** Runs a statement that must fail with `code`, and checks that it left the store untouched. */
  const fails = (sql: string, code: string, db = database): void => {
    const before = kv.snapshot();
    let caught: unknown = null;
    try {
      run(sql, db);
    } catch (e) {
      caught = e;
    }
    expect(caught, sql).toBeInstanceOf(CamusError);
    expect((caught as CamusError).code, `${sql}: ${(caught as Error).message}`).toBe(code);
    expect(kv.snapshot(), sql).toEqual(before);
  };
  const table = (name: string, db = database): TableSchema => getTable(loadCatalog(kv, db), name);
  const rows = (name: string, db = database): SqlValue[][] => readAllRows(kv, table(name, db)).map((r) => r.values);
  const keys = (): string[] => [...kv.snapshot().keys()].sort();
  return { kv, run, fails, table, rows, keys };
}

const int = (n: number | bigint): SqlValue => ({ type: 'int64', value: BigInt(n) });
const str = (s: string): SqlValue => ({ type: 'string', value: s });
const NULL: SqlValue = { type: 'null' };

/** A schema without its ids, which differ between two creations of the same table. */
function shape(t: TableSchema) {
  return { ...t, id: '', indexes: t.indexes.map((i) => ({ ...i, id: '' })) };
}

describe('CREATE TABLE', () => {
  it('stores the schema: NOT NULL primary key columns, defaults as SQL text, ids from the catalog counter', () => {
    const db = setup();
    db.run('CREATE TABLE t (id INT64, name STRING DEFAULT UPPER("x"), n INT64 UNIQUE, PRIMARY KEY (id DESC), KEY by_name (name))');
    const t = db.table('t');
    expect(t.id).toBe('test.t1');
    expect(t.version).toBe(1);
    expect(t.columns).toEqual([
      { name: 'id', type: 'INT64', notNull: true, default: null },
      { name: 'name', type: 'STRING', notNull: false, default: "upper('x')" },
      { name: 'n', type: 'INT64', notNull: false, default: null },
    ]);
    expect(t.indexes).toEqual([
      { id: 'x2', name: '~pk', unique: true, columns: [{ column: 'id', order: 'desc' }] },
      { id: 'x3', name: 'n', unique: true, columns: [{ column: 'n', order: 'asc' }] },
      { id: 'x4', name: 'by_name', unique: false, columns: [{ column: 'name', order: 'asc' }] },
    ]);
  });

  it('names unnamed unique indexes after their first column, never taking a name written in the statement', () => {
    const db = setup();
    db.run('CREATE TABLE t (email STRING UNIQUE, x INT64, UNIQUE (x), UNIQUE (x, email), KEY email (x))');
    expect(db.table('t').indexes.map((i) => [i.name, i.columns.map((k) => k.column).join(',')])).toEqual([
      ['email_2', 'email'],
      ['x', 'x'],
      ['x_2', 'x,email'],
      ['email', 'x'],
    ]);
  });

  it('IF NOT EXISTS leaves an existing table alone; without it the create is refused', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64)');
    const before = db.kv.snapshot();
    expect(db.run('CREATE TABLE IF NOT EXISTS t (b STRING)')).toEqual({ kind: 'affected', affected: 0 });
    expect(db.kv.snapshot()).toEqual(before);
    db.fails('CREATE TABLE t (b STRING)', 'CADB0013');
  });

  it('refuses bad definitions without writing anything', () => {
    const db = setup();
    db.run('CREATE TABLE ok (a INT64)');
    db.fails('CREATE TABLE t (a INT64, a INT64)', 'CADB0403');
    db.fails('CREATE TABLE t (a INT64, PRIMARY KEY (b))', 'CADB0404');
    db.fails('CREATE TABLE t (a INT64, UNIQUE KEY u (a, a))', 'CADB0403');
    db.fails('CREATE TABLE t (a INT64, KEY k (a), KEY k (a))', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64, KEY `primary` (a))', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64, KEY `~x` (a))', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64 DEFAULT "no")', 'CADB0400');
    db.fails('CREATE TABLE t (a BOOL DEFAULT 1)', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64 DEFAULT @p)', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64 DEFAULT (SELECT 1))', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64 DEFAULT (a + 1))', 'CADB0400');
    db.fails('CREATE TABLE t (a INT64 NOT NULL DEFAULT NULL)', 'CADB0400');
    db.fails('CREATE TABLE t (a WHATEVER)', 'CADB0401');
    db.fails('CREATE TABLE t (a STRING DEFAULT GEN_ID())', 'CADB0400');
    expect(loadCatalog(db.kv, 'test').tables.map((t) => t.name)).toEqual(['ok']);
  });

  it('checks a DEFAULT without using up an id of the session', () => {
    const db = setup();
    db.run('CREATE TABLE t (id OID PRIMARY KEY DEFAULT GEN_ID(), v INT64)');
    db.run('INSERT INTO t (v) VALUES (1), (2)');
    expect(db.rows('t')).toEqual([
      [{ type: 'oid', value: '000000000000000000000001' }, int(1)],
      [{ type: 'oid', value: '000000000000000000000002' }, int(2)],
    ]);
  });

  it('SHOW CREATE TABLE gives text that recreates an equal schema', () => {
    const tables = [
      'CREATE TABLE t (a INT64)',
      'CREATE TABLE t (id OID PRIMARY KEY DEFAULT GEN_ID(), s STRING NOT NULL DEFAULT "it\'s", f FLOAT64 DEFAULT -1.5, b BOOL DEFAULT (1 < 2))',
      'CREATE TABLE t (a INT64, b STRING UNIQUE, c FLOAT64, UNIQUE (a, c DESC), UNIQUE KEY x (c), KEY y (b DESC, a)) PRIMARY KEY (a DESC, b)',
      'CREATE TABLE `order` (`group` INT64 DEFAULT -9223372036854775808, `two words` STRING, KEY `key` (`group`))',
    ];
    for (const sql of tables) {
      const db = setup();
      db.run(sql);
      const name = parse(sql)[0]!.kind === 'createTable' ? (parse(sql)[0] as { table: string }).table : '';
      const shown = db.run(`SHOW CREATE TABLE \`${name}\``);
      expect(shown.kind).toBe('rows');
      const text = (shown as { rows: SqlValue[][] }).rows[0]![1]! as { value: string };
      const original = shape(db.table(name));
      db.run(`DROP TABLE \`${name}\``);
      db.run(text.value);
      expect(shape(db.table(name)), text.value).toEqual(original);
    }
  });
});

describe('DROP TABLE', () => {
  it('deletes every row and index entry of the table and nothing else, keeping its epoch', () => {
    const db = setup();
    db.run('CREATE TABLE keep (a INT64 PRIMARY KEY)');
    db.run('INSERT INTO keep VALUES (1), (2)');
    const before = db.keys().filter((k) => !k.endsWith('/meta/schema'));
    db.run('CREATE TABLE t (id INT64 PRIMARY KEY, s STRING UNIQUE, n INT64, KEY by_n (n))');
    db.run('INSERT INTO t VALUES (1, "a", 1), (2, NULL, 1), (3, "c", NULL)');
    const id = db.table('t').id;
    expect(db.keys().filter((k) => k.startsWith(`${id}:`)).length).toBe(3 * 4);
    db.run('DROP TABLE t');
    // The epoch stays, as a value GC keeps: a node whose catalog missed the drop learns it there (see catalog.ts).
    expect(db.keys().filter((k) => !k.endsWith('/meta/schema'))).toEqual([...before, `${id}:m`].sort());
    db.fails('DROP TABLE t', 'CADB0011');
    const snap = db.kv.snapshot();
    db.run('DROP TABLE IF EXISTS t');
    expect(db.kv.snapshot()).toEqual(snap);
  });
});

describe('databases', () => {
  it('keeps tables of equal names in different databases apart', () => {
    const db = setup();
    db.run('CREATE DATABASE other');
    db.run('CREATE TABLE t (a INT64 PRIMARY KEY)');
    db.run('CREATE TABLE t (a INT64 PRIMARY KEY)', 'other');
    db.run('INSERT INTO t VALUES (1)');
    db.run('INSERT INTO t VALUES (1), (2)', 'other');
    expect(db.table('t').id).not.toBe(db.table('t', 'other').id);
    expect(db.rows('t')).toEqual([[int(1)]]);
    expect(db.rows('t', 'other')).toEqual([[int(1)], [int(2)]]);
    const otherId = db.table('t', 'other').id;
    db.run('DROP DATABASE other');
    // Only the dropped table's epoch stays (see DROP TABLE above).
    expect(db.keys().filter((k) => k.startsWith('other'))).toEqual([`${otherId}:m`]);
    expect(db.rows('t')).toEqual([[int(1)]]);
    db.fails('INSERT INTO t VALUES (3)', 'CADB0010', 'other');
  });

  it('CREATE / DROP DATABASE with and without IF [NOT] EXISTS, and SHOW DATABASES', () => {
    const db = setup();
    db.run('CREATE DATABASE b; CREATE DATABASE a');
    db.fails('CREATE DATABASE a', 'CADB0012');
    db.run('CREATE DATABASE IF NOT EXISTS a');
    const list = (): string[] => (db.run('SHOW DATABASES') as { rows: SqlValue[][] }).rows.map((r) => (r[0] as { value: string }).value);
    expect(list()).toEqual(['a', 'b', 'test']);
    db.run('DROP DATABASE a');
    db.fails('DROP DATABASE a', 'CADB0010');
    db.run('DROP DATABASE IF EXISTS a');
    expect(list()).toEqual(['b', 'test']);
    db.fails('SHOW TABLES', 'CADB0010', 'a');
    db.fails('CREATE DATABASE `a/b`', 'CADB0400');
  });

  it('refuses transaction control, which is the session\'s', () => {
    const db = setup();
    for (const sql of ['BEGIN', 'COMMIT', 'ROLLBACK']) db.fails(sql, 'CADB0400');
  });
});

describe('ALTER TABLE', () => {
  it('ADD COLUMN: old rows read NULL, or the DEFAULT evaluated per row', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64 PRIMARY KEY)');
    db.run('INSERT INTO t VALUES (1), (2)');
    db.run('ALTER TABLE t ADD COLUMN b STRING');
    expect(db.table('t').version).toBe(2);
    expect(db.table('t').history).toEqual([{ version: 1, columns: ['a'] }]);
    db.run('ALTER TABLE t ADD COLUMN c OID NOT NULL DEFAULT GEN_ID()');
    const rows = db.rows('t');
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      [int(1), NULL],
      [int(2), NULL],
    ]);
    expect(rows[0]![2]!.type).toBe('oid');
    expect(rows[0]![2]).not.toEqual(rows[1]![2]);
    db.fails('ALTER TABLE t ADD COLUMN d INT64 NOT NULL', 'CADB0301');
    db.fails('ALTER TABLE t ADD COLUMN b INT64', 'CADB0403');
    db.fails('ALTER TABLE t ADD COLUMN d INT64 UNIQUE DEFAULT 5', 'CADB0300');
    db.fails('ALTER TABLE nope ADD COLUMN d INT64', 'CADB0011');
  });

  it('ADD COLUMN NOT NULL without DEFAULT is fine on an empty table', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64)');
    db.run('ALTER TABLE t ADD COLUMN b INT64 NOT NULL');
    db.fails('INSERT INTO t (a) VALUES (1)', 'CADB0301');
  });

  it('ADD COLUMN UNIQUE builds the index over NULLs, which never collide', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64)');
    db.run('INSERT INTO t VALUES (1), (2)');
    db.run('ALTER TABLE t ADD COLUMN u STRING UNIQUE');
    db.run('UPDATE t SET u = "x" WHERE a = 1');
    db.fails('UPDATE t SET u = "x" WHERE a = 2', 'CADB0300');
  });

  it('DROP COLUMN: refused while indexed; a re-added name reads NULL, not the dropped values', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64 PRIMARY KEY, b STRING, c INT64, KEY by_c (c))');
    db.run('INSERT INTO t VALUES (1, "x", 10), (2, "y", 20)');
    db.fails('ALTER TABLE t DROP COLUMN c', 'CADB0400');
    db.fails('ALTER TABLE t DROP COLUMN a', 'CADB0400');
    db.fails('ALTER TABLE t DROP COLUMN zz', 'CADB0404');
    db.run('ALTER TABLE t DROP COLUMN b');
    expect(db.rows('t')).toEqual([
      [int(1), int(10)],
      [int(2), int(20)],
    ]);
    db.run('ALTER TABLE t ADD COLUMN b STRING');
    expect(db.rows('t')).toEqual([
      [int(1), int(10), NULL],
      [int(2), int(20), NULL],
    ]);
    db.run('CREATE TABLE one (a INT64)');
    db.fails('ALTER TABLE one DROP COLUMN a', 'CADB0400');
  });

  it('ADD INDEX backfills; a unique one refuses duplicates and writes nothing; DROP INDEX removes entries', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64, b INT64)');
    db.run('INSERT INTO t VALUES (1, 5), (2, 5), (3, NULL), (4, NULL)');
    db.fails('ALTER TABLE t ADD UNIQUE INDEX ub (b)', 'CADB0300');
    db.run('ALTER TABLE t ADD UNIQUE INDEX ua (a)');
    db.run('CREATE INDEX ib ON t (b DESC)');
    const t = db.table('t');
    const entries = (name: string) => db.keys().filter((k) => k.startsWith(`${t.id}:i:${t.indexes.find((i) => i.name === name)!.id}/`));
    expect(entries('ua').length).toBe(4);
    expect(entries('ib').length).toBe(4);
    db.fails('CREATE INDEX ib ON t (a)', 'CADB0400');
    db.run('CREATE INDEX IF NOT EXISTS ib ON t (a)');
    db.run('DROP INDEX ib ON t');
    expect(entries('ua').length).toBe(4);
    expect(db.keys().filter((k) => k.startsWith(`${t.id}:i:${t.indexes[1]!.id}/`))).toEqual([]);
    db.fails('DROP INDEX ib ON t', 'CADB0016');
    db.fails('ALTER TABLE t DROP INDEX ib', 'CADB0016');
    db.fails('ALTER TABLE t DROP PRIMARY KEY', 'CADB0016');
  });

  it('ADD PRIMARY KEY: NOT NULL and unique; a single OID key becomes the row id', () => {
    const db = setup();
    db.run('CREATE TABLE t (id OID, v INT64, KEY by_v (v))');
    db.run('INSERT INTO t VALUES (STR_ID("0000000000000000000000aa"), 1), (NULL, 2)');
    db.fails('ALTER TABLE t ADD PRIMARY KEY (id)', 'CADB0301');
    db.run('DELETE FROM t WHERE v = 2');
    db.run('INSERT INTO t VALUES (STR_ID("0000000000000000000000bb"), 2), (STR_ID("0000000000000000000000bb"), 3)');
    db.fails('ALTER TABLE t ADD PRIMARY KEY (id)', 'CADB0300');
    db.run('DELETE FROM t WHERE v = 3');
    db.run('ALTER TABLE t ADD PRIMARY KEY (id)');
    const t = db.table('t');
    expect(t.columns[0]!.notNull).toBe(true);
    const rowKeys = db.keys().filter((k) => k.startsWith(`${t.id}:r/`));
    expect(rowKeys).toEqual([`${t.id}:r/0000000000000000000000aa`, `${t.id}:r/0000000000000000000000bb`]);
    // The other index's entries point at the new row ids.
    const byV = db.keys().filter((k) => k.startsWith(`${t.id}:i:${t.indexes.find((i) => i.name === 'by_v')!.id}/`));
    expect(byV.map((k) => k.slice(-24))).toEqual(['0000000000000000000000aa', '0000000000000000000000bb']);
    db.fails('ALTER TABLE t ADD PRIMARY KEY (v)', 'CADB0400');
    db.run('ALTER TABLE t DROP PRIMARY KEY');
    expect(db.table('t').indexes.map((i) => i.name)).toEqual(['by_v']);
    expect(db.rows('t').length).toBe(2);
  });

  it('keeps exact INT64 values through ALTER rewrites', () => {
    const db = setup();
    db.run('CREATE TABLE t (a INT64)');
    db.run('INSERT INTO t VALUES (9007199254740993), (-9223372036854775808)');
    db.run('ALTER TABLE t ADD COLUMN b INT64 DEFAULT 9223372036854775807');
    expect(db.rows('t')).toEqual([
      [int(9007199254740993n), int(9223372036854775807n)],
      [int(-9223372036854775808n), int(9223372036854775807n)],
    ]);
  });
});

describe('SHOW', () => {
  it('describes columns and indexes', () => {
    const db = setup();
    db.run('CREATE TABLE t (id INT64 PRIMARY KEY, u STRING UNIQUE, m INT64, x BOOL DEFAULT TRUE, KEY km (m, x))');
    const cols = db.run('DESCRIBE t') as { columns: string[]; rows: SqlValue[][] };
    expect(cols.columns).toEqual(['field', 'type', 'null', 'key', 'default']);
    expect(cols.rows).toEqual([
      [str('id'), str('INT64'), str('NO'), str('PRI'), NULL],
      [str('u'), str('STRING'), str('YES'), str('UNI'), NULL],
      [str('m'), str('INT64'), str('YES'), str('MUL'), NULL],
      [str('x'), str('BOOL'), str('YES'), str(''), str('TRUE')],
    ]);
    const idx = db.run('SHOW INDEXES FROM t') as { columns: string[]; rows: SqlValue[][] };
    expect(idx.columns).toEqual(['table', 'name', 'unique', 'seq', 'column', 'order']);
    expect(idx.rows.length).toBe(4);
    expect(db.run('SHOW DATABASE')).toEqual({ kind: 'rows', columns: ['database'], rows: [[str('test')]] });
  });
});
