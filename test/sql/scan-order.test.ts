import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Timestamp } from '../../core/hlc.js';
import { MvccStore } from '../../core/mvcc/index.js';
import { bytesToOid, compareTuples, decodeStringBytes, encodeStringBytes, type SqlValue } from '../../core/sql/encoding.js';
import { executeStatement } from '../../core/sql/engine/engine.js';
import { sortedOrder } from '../../core/sql/engine/sort.js';
import type { ExecContext, SqlResult } from '../../core/sql/engine/types.js';
import { parse } from '../../core/sql/parser.js';
import { decodeRow, encodeRow } from '../../core/sql/row.js';
import { TxnView } from '../../core/txn/view.js';

// The fast paths of an ordered scan: ORDER BY sorting through sortedOrder,
// the skipped sort of ORDER BY on an OID primary key, string decoding through
// the host's UTF-8 decoder, and flat OID strings. Each is checked against the
// plain definition it replaces.

// ---------------------------------------------------------------------------
// sortedOrder: the stable sort by compareTuples.

const str = (value: string): SqlValue => ({ type: 'string', value });
const int = (value: bigint): SqlValue => ({ type: 'int64', value });

/** Strings that share long prefixes, differ in the units after them, and include surrogates and units above U+00FF. */
const stringKeyArb = fc.oneof(
  fc.tuple(fc.constantFrom('', 'k0000000000', 'k0000000001', 'prefix/'), fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u00fe', '\u00ff', '\u0100', '\ud800', '\udc00', '\ue000', '\uffff', '😀'), maxLength: 9 })).map(([p, s]) => p + s),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 5 }),
);
/** As stringKeyArb without surrogates, so a column of them takes the packed-prefix path; units at and above U+00FF decide orders. */
const plainStringKeyArb = fc
  .tuple(fc.constantFrom('', 'k0000000000', 'k0000000001', 'prefix/'), fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u00fe', '\u00ff', '\u0100', '\ue000', '\uffff'), maxLength: 9 }))
  .map(([p, s]) => p + s);
const oidArb = fc.constantFrom('000000000000000000000000', '0000000000000000000000ff', '00000000000000000000ff00', 'ffffffffffffffffffffffff', '65a1b2c3d4e5f60718293a4b');
const keyArb: fc.Arbitrary<SqlValue> = fc.oneof(
  { weight: 6, arbitrary: stringKeyArb.map(str) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(int) },
  { weight: 2, arbitrary: fc.bigInt({ min: -3n, max: 3n }).map(int) },
  { weight: 1, arbitrary: oidArb.map((value): SqlValue => ({ type: 'oid', value })) },
  { weight: 1, arbitrary: fc.constant<SqlValue>({ type: 'null' }) },
  { weight: 1, arbitrary: fc.double().map((value): SqlValue => ({ type: 'float64', value })) },
  { weight: 1, arbitrary: fc.boolean().map((value): SqlValue => ({ type: 'bool', value })) },
);

/** Key columns: each either all one kind (the native paths) or mixed (the general one). */
const columnArb = (n: number): fc.Arbitrary<SqlValue[]> =>
  fc.oneof(
    fc.array(stringKeyArb.map(str), { minLength: n, maxLength: n }),
    fc.array(plainStringKeyArb.map(str), { minLength: n, maxLength: n }),
    fc.array(fc.bigInt({ min: -5n, max: 5n }).map(int), { minLength: n, maxLength: n }),
    fc.array(oidArb.map((value): SqlValue => ({ type: 'oid', value })), { minLength: n, maxLength: n }),
    fc.array(keyArb, { minLength: n, maxLength: n }),
  );

const sortCaseArb = fc
  .record({ n: fc.integer({ min: 0, max: 80 }), width: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, width }) => fc.record({ keys: fc.array(columnArb(n), { minLength: width, maxLength: width }), desc: fc.array(fc.boolean(), { minLength: width, maxLength: width }), n: fc.constant(n) }));

describe('sortedOrder', () => {
  it('is the stable sort of the key tuples by compareTuples', () => {
    fc.assert(
      fc.property(sortCaseArb, ({ keys, desc, n }) => {
        const tuple = (i: number) => keys.map((column) => column[i]!);
        const want = Array.from({ length: n }, (_, i) => i).sort((i, j) => compareTuples(tuple(i), tuple(j), desc));
        expect(sortedOrder(keys, desc, n)).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('returns rows already in order as they are, and one swap away from it still the stable sort', () => {
    fc.assert(
      fc.property(sortCaseArb, fc.nat(), ({ keys, desc, n }, swapAt) => {
        const stable = (cols: SqlValue[][]) => {
          const tuple = (i: number) => cols.map((column) => column[i]!);
          return Array.from({ length: n }, (_, i) => i).sort((i, j) => compareTuples(tuple(i), tuple(j), desc));
        };
        const first = stable(keys);
        const inOrder = keys.map((column) => first.map((i) => column[i]!));
        expect(sortedOrder(inOrder, desc, n)).toEqual(Array.from({ length: n }, (_, i) => i));
        if (n < 2) return;
        const k = swapAt % (n - 1);
        const swapped = inOrder.map((column) => {
          const c = column.slice();
          [c[k], c[k + 1]] = [c[k + 1]!, c[k]!];
          return c;
        });
        expect(sortedOrder(swapped, desc, n)).toEqual(stable(swapped));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts long single string columns (merge passes) stably in both directions', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => str(`row-${String((i * 7919) % 1000).padStart(4, '0')}${i % 3 === 0 ? '\u00ff' : ''}`));
    for (const desc of [false, true]) {
      const want = Array.from({ length: keys.length }, (_, i) => i).sort((i, j) => compareTuples([keys[i]!], [keys[j]!], [desc]));
      expect(sortedOrder([keys], [desc], keys.length)).toEqual(want);
    }
  });
});

// ---------------------------------------------------------------------------
// decodeStringBytes on strings long enough for the host decoder.

describe('decodeStringBytes on long strings', () => {
  const pad = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const unit = fc.constantFrom('a', '\u0000', '\u007f', '\u0080', '\u00ff', '\u07ff', '\u0800', '\ufeff', '\uffff', '\ud800', '\udbff', '\udc00', '😀', '\u{10ffff}');

  it('round-trips every string, lone surrogates and a leading BOM included', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 20 }), fc.boolean(), (s, padFirst) => {
        const long = padFirst ? pad + s : s + pad;
        expect(decodeStringBytes(encodeStringBytes(long))).toBe(long);
        expect(decodeStringBytes(encodeStringBytes('\ufeff' + long))).toBe('\ufeff' + long);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects malformed UTF-8 anywhere in a long string', () => {
    const bad = [[0x80], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]];
    const ascii = Array.from(encodeStringBytes(pad));
    for (const b of bad) {
      expect(decodeStringBytes(Uint8Array.from([...ascii, ...b])), `${b} last`).toBeUndefined();
      expect(decodeStringBytes(Uint8Array.from([...b, ...ascii])), `${b} first`).toBeUndefined();
    }
  });

  it('accepts only bytes that are the encoding of what they decode to', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 60 }), (b) => {
        const s = decodeStringBytes(b);
        if (s !== undefined) expect(Array.from(encodeStringBytes(s))).toEqual(Array.from(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes a range inside a larger buffer', () => {
    const bytes = encodeStringBytes(`xx${pad}é${pad}yy`);
    expect(decodeStringBytes(bytes, 2, bytes.length - 2)).toBe(`${pad}é${pad}`);
  });
});

describe('decodeRow without the row id', () => {
  const outcome = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      return e instanceof Error ? `throws ${e.message}` : e;
    }
  };
  const valueArb = fc.oneof(
    stringKeyArb.map(str),
    fc.string({ maxLength: 60 }).map(str),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(int),
    fc.constant<SqlValue>({ type: 'null' }),
    fc.boolean().map((value): SqlValue => ({ type: 'bool', value })),
  );
  const edit = fc.record({ pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.boolean() });

  it('accepts and rejects exactly what decodeRow does, with the same values and an empty row id', () => {
    fc.assert(
      fc.property(fc.nat(300), oidArb, fc.array(valueArb, { maxLength: 5 }), fc.array(edit, { maxLength: 2 }), (version, rowId, values, edits) => {
        const bytes = Array.from(encodeRow(version, rowId, values));
        for (const e of edits) {
          if (bytes.length === 0) break;
          const p = e.pos % bytes.length;
          if (e.cut) bytes.length = p;
          else bytes[p] = e.byte;
        }
        const input = Uint8Array.from(bytes);
        const full = outcome(() => decodeRow(input));
        const quick = outcome(() => decodeRow(input, false));
        if (typeof full === 'string') expect(quick).toBe(full);
        else expect(quick).toEqual({ ...(full as object), rowId: '' });
      }),
      { numRuns: 3000 },
    );
  });
});

describe('bytesToOid', () => {
  it('is the lowercase hex of the 12 bytes from start', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 20 }), fc.nat(8), (b, off) => {
        const start = Math.min(off, b.length - 12);
        const hex = Array.from(b.subarray(start, start + 12), (x) => x.toString(16).padStart(2, '0')).join('');
        expect(bytesToOid(b, start)).toBe(hex);
      }),
    );
  });
});

// ---------------------------------------------------------------------------
// ORDER BY through the engine over an MVCC store: the sorted result equals the
// scan's rows sorted by the reference, inside and outside a transaction.

class Db {
  readonly store = new MvccStore();
  private wall = 1_000;
  private n = 0;
  private readonly exec: ExecContext = {
    database: 'test',
    params: new Map(),
    // Shuffled ids, so that row id order is not insertion order.
    newOid: () => ((this.n++ * 2654435761) % 2 ** 32).toString(16).padStart(24, '0'),
  };

  private at(): Timestamp {
    return { wall: this.wall, logical: 0 };
  }

  begin(): TxnView {
    return new TxnView(() => this.store, 1, this.at());
  }

  run(view: TxnView, sql: string): SqlResult {
    let out: SqlResult | null = null;
    for (const stmt of parse(sql)) out = executeStatement(stmt, view, this.exec);
    return out!;
  }

  commit(view: TxnView): void {
    for (const [, t] of view.byPartition(`t${this.wall}`)) {
      this.wall += 10;
      expect(this.store.commitDirect(t, this.at()).ok).toBe(true);
    }
    this.wall += 10;
  }

  /** Runs statements in one autocommitted transaction. */
  auto(sql: string): SqlResult {
    const view = this.begin();
    const r = this.run(view, sql);
    this.commit(view);
    return r;
  }
}

function rowsOf(r: SqlResult): SqlValue[][] {
  if (r.kind !== 'rows') throw new Error('not a query');
  return r.rows;
}

/**
 * What `SELECT cols FROM t ORDER BY keys` must return: the rows of the
 * unordered query (scan order) with the key values appended, stably sorted
 * by compareTuples, keys dropped.
 */
function reference(db: Db, view: TxnView, table: string, cols: string[], keys: [string, boolean][]): SqlValue[][] {
  const all = rowsOf(db.run(view, `SELECT ${[...cols, ...keys.map(([k]) => k)].join(', ')} FROM ${table}`));
  const desc = keys.map(([, d]) => d);
  const w = cols.length;
  return all.sort((a, b) => compareTuples(a.slice(w), b.slice(w), desc)).map((r) => r.slice(0, w));
}

const ORDERS: [string, boolean][][] = [[['id', false]], [['id', true]], [['v', false]], [['v', true], ['id', false]], [['n', false], ['v', true]], [['n', true]], [['v || id', false]]];

const rowArb = fc.record({
  id: fc.string({ unit: fc.constantFrom('a', 'b', 'é', '😀', '\u0000', '0', '1'), minLength: 1, maxLength: 8 }),
  v: fc.option(fc.string({ unit: fc.constantFrom('x', 'y', 'ÿ', '\ud800', 'z'), maxLength: 40 }), { nil: null }),
  n: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
});

const sqlString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const sqlValue = (r: { id: string; v: string | null; n: number | null }) => `(${sqlString(r.id)}, ${r.v === null ? 'NULL' : sqlString(r.v)}, ${r.n === null ? 'NULL' : r.n})`;

describe('ORDER BY over a scan', () => {
  it('equals the scan sorted by compareTuples, with and without own uncommitted writes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(rowArb, { selector: (r) => r.id, minLength: 1, maxLength: 30 }),
        fc.uniqueArray(rowArb, { selector: (r) => r.id, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (committed, added, deleted) => {
          const db = new Db();
          db.auto('CREATE DATABASE test');
          db.auto('CREATE TABLE t (id STRING PRIMARY KEY, v STRING, n INT64)');
          db.auto(`INSERT INTO t (id, v, n) VALUES ${committed.map(sqlValue).join(', ')}`);
          const view = db.begin();
          for (const orderBy of ORDERS) {
            const sql = `SELECT id, v FROM t ORDER BY ${orderBy.map(([k, d]) => `${k} ${d ? 'DESC' : 'ASC'}`).join(', ')}`;
            expect(rowsOf(db.run(view, sql)), sql).toEqual(reference(db, view, 't', ['id', 'v'], orderBy));
          }
          // Own writes: new rows, updates, deletes, seen only by this transaction.
          const fresh = added.filter((r) => !committed.some((c) => c.id === r.id));
          if (fresh.length > 0) db.run(view, `INSERT INTO t (id, v, n) VALUES ${fresh.map(sqlValue).join(', ')}`);
          for (const d of deleted) db.run(view, `DELETE FROM t WHERE id = ${sqlString(committed[d % committed.length]!.id)}`);
          db.run(view, 'UPDATE t SET n = 9 WHERE n = 0');
          for (const orderBy of ORDERS) {
            const sql = `SELECT id, v FROM t ORDER BY ${orderBy.map(([k, d]) => `${k} ${d ? 'DESC' : 'ASC'}`).join(', ')}`;
            expect(rowsOf(db.run(view, sql)), `${sql} (in transaction)`).toEqual(reference(db, view, 't', ['id', 'v'], orderBy));
          }
          expect(rowsOf(db.run(view, 'SELECT DISTINCT n FROM t ORDER BY n DESC'))).toEqual(
            [...new Map(reference(db, view, 't', ['n'], [['n', true]]).map((r) => [JSON.stringify(r, (_, x) => (typeof x === 'bigint' ? `${x}` : x)), r])).values()],
          );
          const page = reference(db, view, 't', ['id'], [['v', false], ['id', true]]).slice(1, 4);
          expect(rowsOf(db.run(view, 'SELECT id FROM t ORDER BY v, id DESC LIMIT 3 OFFSET 1'))).toEqual(page);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('on an OID primary key, ascending, skips the sort and returns the sorted rows, own writes included', () => {
    const db = new Db();
    db.auto('CREATE DATABASE test');
    db.auto('CREATE TABLE o (id OID PRIMARY KEY, v STRING)');
    const ids = Array.from({ length: 40 }, (_, i) => ((i * 2654435761) % 2 ** 32).toString(16).padStart(24, '0'));
    db.auto(`INSERT INTO o (id, v) VALUES ${ids.map((id, i) => `(str_id("${id}"), "v${i % 7}")`).join(', ')}`);
    const explain = (sql: string) => rowsOf(db.run(db.begin(), `EXPLAIN ${sql}`)).map((r) => (r[0]!.type === 'string' ? r[0]!.value.trim() : ''));
    expect(explain('SELECT id, v FROM o ORDER BY id')).toContain('order (from the primary key, no sort) id ASC');
    // Descending, or by another column, or by the key and another column: sorted.
    expect(explain('SELECT id, v FROM o ORDER BY id DESC')).toContain('sort id DESC');
    expect(explain('SELECT id, v FROM o ORDER BY v')).toContain('sort v ASC');
    expect(explain('SELECT id, v FROM o ORDER BY id, v')).toContain('sort id ASC, v ASC');

    const view = db.begin();
    db.run(view, `DELETE FROM o WHERE id = str_id("${ids[3]}")`);
    db.run(view, 'INSERT INTO o (id, v) VALUES (str_id("000000000000000000000001"), "new"), (str_id("fffffffffffffffffffffffe"), "last")');
    db.run(view, `UPDATE o SET v = "changed" WHERE id = str_id("${ids[5]}")`);
    for (const orderBy of [[['id', false]], [['id', true]], [['v', false], ['id', false]], [['id', false], ['v', true]]] as [string, boolean][][]) {
      const sql = `SELECT id, v FROM o ORDER BY ${orderBy.map(([k, d]) => `${k} ${d ? 'DESC' : 'ASC'}`).join(', ')}`;
      const got = rowsOf(db.run(view, sql));
      expect(got, sql).toEqual(reference(db, view, 'o', ['id', 'v'], orderBy));
      expect(got).toHaveLength(41);
    }
    expect(rowsOf(db.run(view, 'SELECT v FROM o ORDER BY id LIMIT 2 OFFSET 1'))).toEqual(reference(db, view, 'o', ['v'], [['id', false]]).slice(1, 3));
  });
});
