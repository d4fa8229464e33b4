// INSERT, UPDATE and DELETE, and the staged writes they (and DDL backfills)
// are built on.
//
// A statement either takes effect whole or not at all, even inside an
// explicit transaction where the session keeps the transaction's view after a
// failed statement. So a statement computes and checks everything first (types,
// NOT NULL, unique keys) and writes to the transaction only at the end: its
// writes go to a Staged overlay, which answers reads with the statement's own
// pending writes over the transaction's view, and is applied once nothing
// can fail any more.
//
// Uniqueness: a unique index entry of a row with no NULL key column lives at
// a key made of the encoded values alone, so two rows with equal keys collide
// on one storage key (see rowsOf indexEntry). Before putting such an entry the
// statement reads that key; finding it taken is CADB0300. Every old entry of
// the rows a statement changes is removed before any new entry is put, so the
// check sees the statement's net effect: UPDATE may swap two rows' unique
// values, and two rows of one INSERT collide with each other.
//
// Choices:
// - UPDATE counts the rows WHERE matched, changed or not (as PostgreSQL does).
// - Assignments all see the row's old values (SET a = b, b = a swaps), and
//   every expression, subqueries included, sees the data as it was before the
//   statement: its own writes are staged until the end.
// - Updating a primary key column is allowed. When the row id is the value of
//   a single OID primary key column (catalog.rowIdColumn), changing it moves
//   the row to its new row key, with all its index entries.

import { camusError } from '../../errors.js';
import type { Delete, Expr, Insert, Update } from '../ast.js';
import { NULL_VALUE, type SqlValue } from '../encoding.js';
import { formatFloat, formatString } from '../format.js';
import { assertNever } from '../../assert.js';
import { defaultExpr, getTable, indexDisplayName, rowIdColumn } from './catalog.js';
import { coerceToColumn, evaluate, rowScope, withSubqueryCache, type EvalContext } from './eval.js';
import { indexColumnPositions, indexEntry, rowKeyOf, writeRow, type Row } from './rows.js';
import { findRows } from './select.js';
import type { IndexSchema, KvTxn, SqlResult, TableSchema } from './types.js';

/**
 * Pending writes of one statement over the transaction's view. A null value
 * is a pending delete. Reads of keys the statement has not written go to the
 * transaction, so they are recorded for serializable validation like any read.
 */
export class Staged {
  private readonly writes = new Map<string, Uint8Array | null>();

  constructor(private readonly txn: KvTxn) {}

  get(key: string): Uint8Array | null {
    const w = this.writes.get(key);
    return w !== undefined ? w : this.txn.get(key);
  }

  put(key: string, value: Uint8Array): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /** Removes a row and every index entry of it. */
  removeRow(table: TableSchema, row: Row): void {
    this.delete(rowKeyOf(table, row.rowId));
    for (const index of table.indexes) this.delete(indexEntry(table, index, row).key);
  }

  /** Puts a row and its index entries; CADB0300 when a unique entry's key is taken. */
  insertRow(table: TableSchema, row: Row): void {
    this.put(rowKeyOf(table, row.rowId), writeRow(table, row));
    for (const index of table.indexes) this.putEntry(table, index, row);
  }

  /** Puts one index entry of a row; CADB0300 when it is a unique entry whose key is taken. */
  putEntry(table: TableSchema, index: IndexSchema, row: Row): void {
    const entry = indexEntry(table, index, row);
    if (entry.value.length > 0 && this.get(entry.key) !== null) {
      const values = indexColumnPositions(table, index).map((i) => describeValue(row.values[i]!));
      const what = index.columns.map((k) => k.column).join(', ');
      throw camusError(
        'DuplicateUniqueKeyValue',
        `duplicate key (${what}) = (${values.join(', ')}) in unique index "${indexDisplayName(index)}" of table "${table.name}"`,
      );
    }
    this.put(entry.key, entry.value);
  }

  /** Writes everything to the transaction, in the order first staged. */
  apply(): void {
    for (const [key, value] of this.writes) {
      if (value === null) this.txn.delete(key);
      else this.txn.put(key, value);
    }
    this.writes.clear();
  }
}

/** A value as SQL-like text for error messages. */
export function describeValue(v: SqlValue): string {
  switch (v.type) {
    case 'null':
      return 'NULL';
    case 'oid':
      return `STR_ID(${formatString(v.value)})`;
    case 'int64':
      return v.value.toString();
    case 'string':
      return formatString(v.value);
    case 'bool':
      return v.value ? 'TRUE' : 'FALSE';
    case 'float64':
      return formatFloat(v.value);
    default:
      return assertNever(v, 'SQL value');
  }
}

/** CADB0301 when a NOT NULL column of the row holds NULL. */
export function checkNotNull(table: TableSchema, values: readonly SqlValue[]): void {
  table.columns.forEach((c, i) => {
    if (c.notNull && values[i]!.type === 'null') {
      throw camusError('NotNullViolation', `column "${c.name}" of table "${table.name}" cannot be NULL`);
    }
  });
}

/** The row id of a new row: its OID key column's value, or a fresh OID. */
export function newRowId(table: TableSchema, values: readonly SqlValue[], ctx: EvalContext): string {
  const i = rowIdColumn(table);
  if (i < 0) return ctx.exec.newOid();
  const v = values[i]!;
  // The key column is NOT NULL and holds OIDs, which checkNotNull and
  // coerceToColumn have made sure of before a row id is asked for.
  if (v.type !== 'oid') throw camusError('InvalidInternalOperation', `row id column of "${table.name}" holds ${v.type}`);
  return v.value;
}

/**
 * The value a column takes when a row does not give one: its DEFAULT,
 * evaluated now (so GEN_ID() gives every row a fresh id), or NULL.
 */
export function columnDefault(table: TableSchema, i: number, parsed: (Expr | null)[], ctx: EvalContext): SqlValue {
  const expr = parsed[i];
  const col = table.columns[i]!;
  return expr === null || expr === undefined ? NULL_VALUE : coerceToColumn(evaluate(expr, null, ctx), col);
}

/** Positions of the named columns; CADB0404 for an unknown one, CADB0403 for one named twice. */
function columnPositions(table: TableSchema, names: readonly string[]): number[] {
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name)) throw camusError('DuplicateColumn', `column "${name}" is given more than once`);
    seen.add(name);
    const i = table.columns.findIndex((c) => c.name === name);
    if (i < 0) throw camusError('UnknownColumn', `column "${name}" does not exist in table "${table.name}"`);
    return i;
  });
}

export function executeInsert(stmt: Insert, outer: EvalContext): SqlResult {
  // Nothing is written until the end, so every subquery sees the data as the
  // statement found it, and an uncorrelated one may run once.
  const ctx = withSubqueryCache(outer);
  const table = getTable(ctx.catalog, stmt.table);
  const targets = stmt.columns === null ? table.columns.map((_, i) => i) : columnPositions(table, stmt.columns);
  const defaults = table.columns.map(defaultExpr);
  const stage = new Staged(ctx.txn);
  for (const given of stmt.rows) {
    if (given.length !== targets.length) {
      throw camusError('InvalidInput', `INSERT gives ${given.length} values for the ${targets.length} columns of table "${table.name}"`);
    }
    const values: (SqlValue | undefined)[] = new Array<SqlValue | undefined>(table.columns.length);
    given.forEach((v, k) => {
      const i = targets[k]!;
      values[i] = v.kind === 'default' ? columnDefault(table, i, defaults, ctx) : coerceToColumn(evaluate(v, null, ctx), table.columns[i]!);
    });
    for (let i = 0; i < values.length; i++) values[i] ??= columnDefault(table, i, defaults, ctx);
    const row = values as SqlValue[];
    checkNotNull(table, row);
    stage.insertRow(table, { rowId: newRowId(table, row, ctx), values: row });
  }
  stage.apply();
  return { kind: 'affected', affected: stmt.rows.length };
}

export function executeUpdate(stmt: Update, outer: EvalContext): SqlResult {
  const ctx = withSubqueryCache(outer);
  const table = getTable(ctx.catalog, stmt.table);
  const targets = columnPositions(table, stmt.set.map((a) => a.column));
  const idColumn = rowIdColumn(table);
  const changes = findRows(table, table.name, stmt.where, ctx).map((old) => {
    const scope = rowScope(table, table.name, old);
    const values = [...old.values];
    stmt.set.forEach((a, k) => {
      const i = targets[k]!;
      values[i] = coerceToColumn(evaluate(a.value, scope, ctx), table.columns[i]!);
    });
    checkNotNull(table, values);
    const rowId = idColumn < 0 ? old.rowId : newRowId(table, values, ctx);
    return { old, next: { rowId, values } };
  });
  const stage = new Staged(ctx.txn);
  for (const c of changes) stage.removeRow(table, c.old);
  for (const c of changes) stage.insertRow(table, c.next);
  stage.apply();
  return { kind: 'affected', affected: changes.length };
}

export function executeDelete(stmt: Delete, outer: EvalContext): SqlResult {
  const ctx = withSubqueryCache(outer);
  const table = getTable(ctx.catalog, stmt.table);
  const rows = findRows(table, table.name, stmt.where, ctx);
  const stage = new Staged(ctx.txn);
  for (const row of rows) stage.removeRow(table, row);
  stage.apply();
  return { kind: 'affected', affected: rows.length };
}
