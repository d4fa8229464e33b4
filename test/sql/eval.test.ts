import { describe, expect, it } from 'vitest';
import type { Expr, Select } from '../../core/sql/ast.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from '../../core/sql/encoding.js';
import { createDatabase, saveCatalog, type Catalog } from '../../core/sql/engine/catalog.js';
import { coerceToColumn, evaluate, isTrue, rowScope, type EvalContext } from '../../core/sql/engine/eval.js';
import type { ColumnType } from '../../core/sql/ast.js';
import type { TableSchema } from '../../core/sql/engine/types.js';
import { parseOne } from '../../core/sql/parser.js';
import { MemoryKv } from './memory-kv.js';

const table: TableSchema = {
  id: 't1',
  name: 't',
  version: 1,
  columns: [
    { name: 'i', type: 'INT64', notNull: false, default: null },
    { name: 's', type: 'STRING', notNull: false, default: null },
    { name: 'f', type: 'FLOAT64', notNull: false, default: null },
    { name: 'n', type: 'INT64', notNull: false, default: null },
  ],
  indexes: [],
  history: [],
};

function context(params: Record<string, SqlValue> = {}): EvalContext {
  const kv = new MemoryKv();
  createDatabase(kv, 'db', false);
  const catalog: Catalog = { tables: [], nextId: 1 };
  saveCatalog(kv, 'db', catalog);
  let n = 0;
  return { exec: { database: 'db', params: new Map(Object.entries(params)), newOid: () => (++n).toString(16).padStart(24, 'a') }, txn: kv, catalog };
}

function expr(sql: string): Expr {
  const st = parseOne(`SELECT ${sql}`) as Select;
  const item = st.columns[0]!;
  if (item.kind !== 'expr') throw new Error('not an expression');
  return item.expr;
}

const row = {
  rowId: '000000000000000000000001',
  values: [
    { type: 'int64', value: 7n },
    { type: 'string', value: 'Hello' },
    { type: 'float64', value: 2.5 },
    { type: 'null' },
  ] as SqlValue[],
};

function ev(sql: string, params: Record<string, SqlValue> = {}): SqlValue {
  return evaluate(expr(sql), rowScope(table, 't', row), context(params));
}

const I = (v: bigint | number): SqlValue => ({ type: 'int64', value: BigInt(v) });
const F = (v: number): SqlValue => ({ type: 'float64', value: v });
const S = (v: string): SqlValue => ({ type: 'string', value: v });
const B = (v: boolean): SqlValue => ({ type: 'bool', value: v });
const NULL: SqlValue = { type: 'null' };

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  }
  return undefined;
}

describe('arithmetic', () => {
  it('keeps INT64 exact and errors on overflow', () => {
    expect(ev('9007199254740993 + 2')).toEqual(I(9007199254740995n));
    expect(ev(`${INT64_MAX} - 1 + 1`)).toEqual(I(INT64_MAX));
    expect(code(() => ev(`${INT64_MAX} + 1`))).toBe('CADB0400');
    expect(code(() => ev(`${INT64_MIN} - 1`))).toBe('CADB0400');
    expect(code(() => ev(`${INT64_MIN} / -1`))).toBe('CADB0400');
    expect(code(() => ev(`-(${INT64_MIN})`))).toBe('CADB0400');
    expect(code(() => ev(`abs(${INT64_MIN})`))).toBe('CADB0400');
    expect(code(() => ev('4611686018427387904 * 2'))).toBe('CADB0400');
  });

  it('truncates integer division like SQLite; division by zero is NULL', () => {
    expect(ev('7 / 2')).toEqual(I(3));
    expect(ev('-7 / 2')).toEqual(I(-3));
    expect(ev('-7 % 3')).toEqual(I(-1));
    expect(ev('7 % -3')).toEqual(I(1));
    expect(ev('7 / 0')).toEqual(NULL);
    expect(ev('7 % 0')).toEqual(NULL);
    expect(ev('7.0 / 0')).toEqual(NULL);
    expect(ev('7 / 2.0')).toEqual(F(3.5));
  });

  it('mixes INT64 and FLOAT64 into FLOAT64 and propagates NULL', () => {
    expect(ev('i + f')).toEqual(F(9.5));
    expect(ev('i * n')).toEqual(NULL);
    expect(ev('-f')).toEqual(F(-2.5));
    expect(code(() => ev('s + 1'))).toBe('CADB0400');
    expect(ev('s || "!" || i')).toEqual(S('Hello!7'));
    expect(ev('s || NULL')).toEqual(NULL);
  });
});

describe('logic and comparison', () => {
  it('follows three-valued logic', () => {
    expect(ev('NULL AND FALSE')).toEqual(B(false));
    expect(ev('NULL AND TRUE')).toEqual(NULL);
    expect(ev('NULL OR TRUE')).toEqual(B(true));
    expect(ev('NULL OR FALSE')).toEqual(NULL);
    expect(ev('NOT NULL')).toEqual(NULL);
    expect(ev('n = n')).toEqual(NULL);
    expect(ev('n IS NULL')).toEqual(B(true));
    expect(ev('i IS NOT NULL')).toEqual(B(true));
    expect(code(() => ev('1 AND TRUE'))).toBe('CADB0400');
  });

  it('compares numbers exactly across INT64 and FLOAT64', () => {
    expect(ev('9007199254740993 > 9007199254740992.0')).toEqual(B(true));
    expect(ev('i = 7.0')).toEqual(B(true));
    expect(ev('f BETWEEN 2 AND 3')).toEqual(B(true));
    expect(ev('f NOT BETWEEN 2 AND 3')).toEqual(B(false));
    expect(ev('i BETWEEN n AND 10')).toEqual(NULL);
    expect(ev('i BETWEEN 8 AND n')).toEqual(B(false));
    expect(code(() => ev('i = "7"'))).toBe('CADB0400');
    expect(code(() => ev('TRUE < 1'))).toBe('CADB0400');
  });

  it('implements IN and NOT IN with NULL semantics', () => {
    expect(ev('i IN (1, 7)')).toEqual(B(true));
    expect(ev('i IN (1, NULL)')).toEqual(NULL);
    expect(ev('i NOT IN (1, NULL)')).toEqual(NULL);
    expect(ev('i NOT IN (1, 2)')).toEqual(B(true));
    expect(ev('n IN (1)')).toEqual(NULL);
    expect(ev('i IN (7, NULL)')).toEqual(B(true));
  });

  it('matches LIKE and ILIKE with % and _', () => {
    expect(ev('s LIKE "H%o"')).toEqual(B(true));
    expect(ev('s LIKE "h%"')).toEqual(B(false));
    expect(ev('s ILIKE "h%"')).toEqual(B(true));
    expect(ev('s LIKE "H_llo"')).toEqual(B(true));
    expect(ev('s LIKE "H_lo"')).toEqual(B(false));
    expect(ev('s NOT LIKE "%x%"')).toEqual(B(true));
    expect(ev('"a😀b" LIKE "a_b"')).toEqual(B(true));
    expect(ev('"" LIKE "%"')).toEqual(B(true));
    expect(ev('"abc" LIKE "%%c%"')).toEqual(B(true));
    expect(ev('"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab" LIKE "%a%a%a%a%a%a%a%a%c"')).toEqual(B(false));
    expect(ev('n LIKE "%"')).toEqual(NULL);
    expect(code(() => ev('i LIKE "7"'))).toBe('CADB0400');
  });

  it('evaluates CASE in both forms', () => {
    expect(ev('CASE WHEN i > 5 THEN "big" ELSE "small" END')).toEqual(S('big'));
    expect(ev('CASE i WHEN 1 THEN "one" WHEN 7 THEN "seven" END')).toEqual(S('seven'));
    expect(ev('CASE n WHEN NULL THEN "null" ELSE "other" END')).toEqual(S('other'));
    expect(ev('CASE WHEN n > 1 THEN 1 END')).toEqual(NULL);
  });

  it('isTrue accepts only TRUE', () => {
    expect(isTrue(B(true))).toBe(true);
    expect(isTrue(B(false))).toBe(false);
    expect(isTrue(NULL)).toBe(false);
    expect(isTrue(I(1))).toBe(false);
  });
});

describe('functions and parameters', () => {
  it('computes the scalar functions', () => {
    expect(ev('upper(s)')).toEqual(S('HELLO'));
    expect(ev('lower(s)')).toEqual(S('hello'));
    expect(ev('trim("  a b  ")')).toEqual(S('a b'));
    expect(ev('length("a😀")')).toEqual(I(2));
    expect(ev('length(n)')).toEqual(NULL);
    expect(ev('abs(-3)')).toEqual(I(3));
    expect(ev('abs(-2.5)')).toEqual(F(2.5));
    expect(ev('round(2.5)')).toEqual(F(3));
    expect(ev('round(-2.5)')).toEqual(F(-3));
    expect(ev('round(2.345, 2)')).toEqual(F(2.35));
    expect(ev('round(7)')).toEqual(I(7));
    expect(ev('coalesce(n, NULL, i, 1 / 0)')).toEqual(I(7));
    expect(ev('coalesce(n)')).toEqual(NULL);
    expect(ev('str_id("0123456789ABCDEF01234567")')).toEqual({ type: 'oid', value: '0123456789abcdef01234567' });
    expect(ev('gen_id()')).toEqual({ type: 'oid', value: 'aaaaaaaaaaaaaaaaaaaaaaa1' });
  });

  it('rejects unknown functions, wrong arity and bad arguments', () => {
    expect(code(() => ev('nope(1)'))).toBe('CADB0400');
    expect(code(() => ev('upper()'))).toBe('CADB0400');
    expect(code(() => ev('round(1.5, 2, 3)'))).toBe('CADB0400');
    expect(code(() => ev('upper(1)'))).toBe('CADB0400');
    expect(code(() => ev('str_id("xyz")'))).toBe('CADB0400');
    expect(code(() => ev('gen_id(1)'))).toBe('CADB0400');
    expect(code(() => ev('count(*)'))).toBe('CADB0400');
  });

  it('resolves columns and parameters', () => {
    expect(ev('t.i + @p', { p: I(1) })).toEqual(I(8));
    expect(code(() => ev('@q'))).toBe('CADB0400');
    expect(code(() => ev('nope'))).toBe('CADB0404');
    expect(code(() => ev('t.nope'))).toBe('CADB0404');
    expect(code(() => ev('x.i'))).toBe('CADB0404');
  });
});

describe('coerceToColumn', () => {
  const col = (type: ColumnType) => ({ name: 'c', type, notNull: false, default: null });
  it('converts exactly or refuses', () => {
    expect(coerceToColumn(I(3), col('FLOAT64'))).toEqual(F(3));
    expect(coerceToColumn(F(3), col('INT64'))).toEqual(I(3));
    expect(coerceToColumn(NULL, col('INT64'))).toEqual(NULL);
    expect(coerceToColumn(S('0123456789abcdef01234567'), col('OID'))).toEqual({ type: 'oid', value: '0123456789abcdef01234567' });
    expect(code(() => coerceToColumn(F(3.5), col('INT64')))).toBe('CADB0400');
    expect(code(() => coerceToColumn(I(2n ** 53n + 1n), col('FLOAT64')))).toBe('CADB0400');
    expect(code(() => coerceToColumn(S('x'), col('OID')))).toBe('CADB0400');
    expect(code(() => coerceToColumn(S('1'), col('INT64')))).toBe('CADB0400');
    expect(code(() => coerceToColumn(B(true), col('STRING')))).toBe('CADB0400');
    expect(() => coerceToColumn(F(3.5), col('INT64'))).toThrow(/cannot store FLOAT64 value 3.5 in INT64 column "c"/);
  });
});
