// CREATE / DROP / ALTER of tables and indexes, CREATE / DROP DATABASE.
//
// A DDL statement changes the catalog document and, where existing data must
// follow (DROP, index backfill, re-keying), the rows and index entries, all in
// the statement's transaction. Like DML it checks everything before it writes
// (see Staged in dml.ts), so a refused DDL leaves nothing behind.
//
// Choices:
// - An unnamed UNIQUE (cols) and a column declared UNIQUE get an index named
//   after their first column, with _2, _3, ... appended if that is taken.
// - Index names starting with '~' and the name `primary` are reserved: the
//   primary key is stored as the index "~pk" and shown and dropped as
//   `primary`.
// - DEFAULT must be a constant expression: no columns, parameters or
//   subqueries. It is evaluated once at CREATE time to check its type
//   (GEN_ID() then gives a throw-away id, not one from the session), stored as
//   SQL text, and evaluated again for every row that needs it.
// - ADD COLUMN with a DEFAULT fills existing rows with it (as MySQL and
//   PostgreSQL do), evaluated per row; without one they read NULL, and a NOT
//   NULL column without DEFAULT is refused on a non-empty table (CADB0301).
// - DROP COLUMN leaves rows as they are (old versions decode by name) and is
//   refused while an index uses the column: drop the index first. Because
//   rows map old versions by column name, re-adding a dropped name rewrites
//   the rows so that the dropped values cannot reappear.
// - ADD PRIMARY KEY makes its columns NOT NULL (CADB0301 if a row holds
//   NULL). When the key is a single OID column, that column becomes the row
//   id (catalog.rowIdColumn), so every row moves to its new row key with all
//   its index entries. DROP PRIMARY KEY keeps row ids and NOT NULL.
// - ALTER and CREATE INDEX bump the table's version only when the column list
//   changes, which is what the version is for (decoding rows).

import { assertNever } from '../../assert.js';
import { camusError } from '../../errors.js';
import {
  COLUMN_TYPES,
  type AlterTable,
  type ColumnDef,
  type CreateIndex,
  type CreateTable,
  type DropIndex,
  type DropTable,
  type Expr,
  type KeyPart,
} from '../ast.js';
import { formatExpr } from '../format.js';
import { indexPrefix, tablePrefix } from '../keys.js';
import {
  createDatabase,
  databaseExists,
  findIndex,
  findTable,
  bumpTableEpoch,
  loadCatalog,
  newIndexId,
  newTableId,
  getTable,
  indexDisplayName,
  defaultExpr,
  primaryKeyOf,
  PRIMARY_KEY_DISPLAY,
  PRIMARY_KEY_INDEX,
  removeDatabase,
  rowIdColumn,
  saveCatalog,
  type Catalog,
} from './catalog.js';
import { checkNotNull, columnDefault, newRowId, Staged } from './dml.js';
import { coerceToColumn, evaluate, type EvalContext } from './eval.js';
import { walkExpr } from './select-analysis.js';
import { readRow, rowKeyOf, writeRow, type Row } from './rows.js';
import type { ColumnSchema, ExecContext, IndexSchema, KvTxn, SqlResult, TableSchema } from './types.js';

/** What a DDL statement returns: no rows, none affected. A fresh object each time, since callers own results. */
const done = (): SqlResult => ({ kind: 'affected', affected: 0 });

/** A stand-in OID for checking DEFAULT expressions without using up a real one. */
const PROBE_OID = '000000000000000000000000';

export function executeCreateTable(stmt: CreateTable, ctx: EvalContext): SqlResult {
  const { catalog } = ctx;
  if (findTable(catalog, stmt.table) !== null) {
    if (stmt.ifNotExists) return done();
    throw camusError('TableAlreadyExists', `table "${stmt.table}" already exists`);
  }
  if (stmt.table.length === 0 || stmt.table.length > 128) throw camusError('InvalidInput', `invalid table name ${JSON.stringify(stmt.table)}`);
  const seen = new Set<string>();
  for (const c of stmt.columns) {
    if (seen.has(c.name)) throw camusError('DuplicateColumn', `column "${c.name}" is declared more than once in table "${stmt.table}"`);
    seen.add(c.name);
  }
  const table: TableSchema = {
    id: newTableId(catalog, ctx.exec.database),
    name: stmt.table,
    version: 1,
    columns: stmt.columns.map((c) => columnSchema(c, ctx)),
    indexes: [],
    history: [],
  };
  if (stmt.primaryKey !== null) addPrimaryKeySchema(table, catalog, stmt.primaryKey);
  // Names written in the statement win over derived ones, wherever they appear.
  const written = new Set(stmt.indexes.flatMap((i) => (i.name === null ? [] : [i.name])));
  for (const c of stmt.columns) {
    if (c.unique) table.indexes.push(indexSchema(table, catalog, null, true, [{ column: c.name, order: 'asc' }], written));
  }
  for (const def of stmt.indexes) table.indexes.push(indexSchema(table, catalog, def.name, def.unique, def.columns, written));
  catalog.tables.push(table);
  saveCatalog(ctx.txn, ctx.exec.database, catalog);
  return done();
}

export function executeDropTable(stmt: DropTable, ctx: EvalContext): SqlResult {
  const table = findTable(ctx.catalog, stmt.table);
  if (table === null) {
    if (stmt.ifExists) return done();
    throw camusError('TableDoesntExist', `table "${stmt.table}" does not exist`);
  }
  deleteTableData(ctx.txn, table);
  ctx.catalog.tables = ctx.catalog.tables.filter((t) => t !== table);
  saveCatalog(ctx.txn, ctx.exec.database, ctx.catalog);
  return done();
}

export function executeCreateIndex(stmt: CreateIndex, ctx: EvalContext): SqlResult {
  const table = getTable(ctx.catalog, stmt.table);
  if (stmt.ifNotExists && findIndex(table, stmt.name) !== null) return done();
  return addIndex(table, stmt.name, stmt.unique, stmt.columns, ctx);
}

export function executeDropIndex(stmt: DropIndex, ctx: EvalContext): SqlResult {
  return dropIndex(getTable(ctx.catalog, stmt.table), stmt.name, ctx);
}

export function executeAlterTable(stmt: AlterTable, ctx: EvalContext): SqlResult {
  const table = getTable(ctx.catalog, stmt.table);
  const a = stmt.action;
  switch (a.kind) {
    case 'addColumn':
      return addColumn(table, a.column, ctx);
    case 'dropColumn':
      return dropColumn(table, a.column, ctx);
    case 'addPrimaryKey':
      return addPrimaryKey(table, a.columns, ctx);
    case 'dropPrimaryKey':
      return dropIndex(table, PRIMARY_KEY_DISPLAY, ctx);
    case 'addIndex':
      return addIndex(table, a.name, a.unique, a.columns, ctx);
    case 'dropIndex':
      return dropIndex(table, a.name, ctx);
    default:
      return assertNever(a, 'ALTER TABLE action');
  }
}

export function executeCreateDatabase(txn: KvTxn, name: string, ifNotExists: boolean): SqlResult {
  createDatabase(txn, name, ifNotExists);
  return done();
}

/** Drops a database with every row and index entry of its tables; CADB0010 when it does not exist. */
export function executeDropDatabase(txn: KvTxn, name: string, ifExists: boolean): SqlResult {
  if (!databaseExists(txn, name)) {
    if (ifExists) return done();
    throw camusError('DatabaseDoesntExist', `database "${name}" does not exist`);
  }
  for (const table of loadCatalog(txn, name).tables) deleteTableData(txn, table);
  removeDatabase(txn, name);
  return done();
}

// ---------------------------------------------------------------------------

/** Every row of a table, decoded into its current columns. */
export function readAllRows(txn: KvTxn, table: TableSchema): Row[] {
  const r = tablePrefix(table.id);
  return txn.scan(r.start, r.end).map((e) => readRow(table, e.value));
}

/** Deletes every row and index entry of a table; all reads come before the first write. */
function deleteTableData(txn: KvTxn, table: TableSchema): void {
  const ranges = [tablePrefix(table.id), ...table.indexes.map((i) => indexPrefix(table.id, i.id))];
  const keys = ranges.flatMap((r) => txn.scan(r.start, r.end).map((e) => e.key));
  for (const key of keys) txn.delete(key);
  bumpTableEpoch(txn, table.id);
}

/** Replaces a table's schema in the catalog and saves the catalog. */
function saveTable(ctx: EvalContext, next: TableSchema): void {
  ctx.catalog.tables = ctx.catalog.tables.map((t) => (t.id === next.id ? next : t));
  saveCatalog(ctx.txn, ctx.exec.database, ctx.catalog);
  bumpTableEpoch(ctx.txn, next.id);
}

function columnSchema(def: ColumnDef, ctx: EvalContext): ColumnSchema {
  if (!COLUMN_TYPES.includes(def.type)) throw camusError('UnknownType', `unknown column type "${String(def.type)}"`);
  const col: ColumnSchema = { name: def.name, type: def.type, notNull: def.notNull, default: null };
  if (def.default === null) return col;
  checkConstant(def.default, def.name);
  const exec: ExecContext = { database: ctx.exec.database, params: ctx.exec.params, newOid: () => PROBE_OID };
  const v = coerceToColumn(evaluate(def.default, null, { ...ctx, exec }), col);
  if (v.type === 'null' && def.notNull) throw camusError('InvalidInput', `column "${def.name}" is NOT NULL but its DEFAULT is NULL`);
  return { ...col, default: formatExpr(def.default) };
}

/** CADB0400 when a DEFAULT expression depends on anything but itself. */
function checkConstant(e: Expr, column: string): void {
  const refuse = (what: string): never => {
    throw camusError('InvalidInput', `DEFAULT of column "${column}" cannot use ${what}`);
  };
  walkExpr(e, (x) => {
    if (x.kind === 'param') refuse('parameters');
    if (x.kind === 'column') refuse('columns');
    if (x.kind === 'inSelect' || x.kind === 'exists' || x.kind === 'subquery') refuse('subqueries');
  });
}

/**
 * A new index of the table (not yet added to it). CADB0404 for an unknown
 * column, CADB0403 for a column named twice, CADB0400 for a taken or reserved
 * name. A null name is derived from the first column, avoiding `reserved`.
 */
function indexSchema(
  table: TableSchema,
  catalog: Catalog,
  name: string | null,
  unique: boolean,
  parts: KeyPart[],
  reserved: ReadonlySet<string> = new Set(),
): IndexSchema {
  const seen = new Set<string>();
  for (const p of parts) {
    if (!table.columns.some((c) => c.name === p.column)) throw camusError('UnknownColumn', `column "${p.column}" does not exist in table "${table.name}"`);
    if (seen.has(p.column)) throw camusError('DuplicateColumn', `column "${p.column}" appears twice in one key`);
    seen.add(p.column);
  }
  if (name === null) {
    const base = parts[0]!.column;
    name = base;
    for (let n = 2; reserved.has(name) || table.indexes.some((i) => i.name === name); n++) name = `${base}_${n}`;
  } else if (name !== PRIMARY_KEY_INDEX) {
    if (name.startsWith('~') || name === PRIMARY_KEY_DISPLAY || name.length === 0) throw camusError('InvalidInput', `index name "${name}" is reserved`);
    if (table.indexes.some((i) => i.name === name)) throw camusError('InvalidInput', `index "${name}" already exists on table "${table.name}"`);
  }
  return { id: newIndexId(catalog), name, unique, columns: parts.map((p) => ({ column: p.column, order: p.order })) };
}

/** Adds the primary key index to a schema being built and makes its columns NOT NULL. */
function addPrimaryKeySchema(table: TableSchema, catalog: Catalog, parts: KeyPart[]): void {
  if (primaryKeyOf(table) !== null) throw camusError('InvalidInput', `table "${table.name}" already has a primary key`);
  const pk = indexSchema(table, catalog, PRIMARY_KEY_INDEX, true, parts);
  table.columns = table.columns.map((c) => (parts.some((p) => p.column === c.name) ? { ...c, notNull: true } : c));
  table.indexes = [pk, ...table.indexes];
}

function addColumn(table: TableSchema, def: ColumnDef, ctx: EvalContext): SqlResult {
  if (table.columns.some((c) => c.name === def.name)) throw camusError('DuplicateColumn', `column "${def.name}" already exists in table "${table.name}"`);
  const col = columnSchema(def, ctx);
  const rows = readAllRows(ctx.txn, table);
  if (col.notNull && col.default === null && rows.length > 0) {
    throw camusError('NotNullViolation', `column "${def.name}" is NOT NULL without a DEFAULT and table "${table.name}" has rows`);
  }
  const next = newVersion(table, [...table.columns, col]);
  const last = next.columns.length - 1;
  const parsed = next.columns.map((c, i) => (i === last ? defaultExpr(c) : null));
  const newRows = rows.map((r) => ({ rowId: r.rowId, values: [...r.values, columnDefault(next, last, parsed, ctx)] }));
  const stage = new Staged(ctx.txn);
  // Rows are rewritten only when their stored values would read wrong: a
  // DEFAULT to fill in, or a column name that older versions used.
  if (col.default !== null || table.history.some((h) => h.columns.includes(col.name))) {
    for (const r of newRows) {
      checkNotNull(next, r.values);
      stage.put(rowKeyOf(next, r.rowId), writeRow(next, r));
    }
  }
  if (def.unique) {
    const index = indexSchema(next, ctx.catalog, null, true, [{ column: col.name, order: 'asc' }]);
    next.indexes = [...next.indexes, index];
    for (const r of newRows) stage.putEntry(next, index, r);
  }
  stage.apply();
  saveTable(ctx, next);
  return done();
}

function dropColumn(table: TableSchema, name: string, ctx: EvalContext): SqlResult {
  if (!table.columns.some((c) => c.name === name)) throw camusError('UnknownColumn', `column "${name}" does not exist in table "${table.name}"`);
  const user = table.indexes.find((i) => i.columns.some((k) => k.column === name));
  if (user !== undefined) {
    throw camusError('InvalidInput', `column "${name}" is used by index "${indexDisplayName(user)}" of table "${table.name}"; drop the index first`);
  }
  if (table.columns.length === 1) throw camusError('InvalidInput', `cannot drop "${name}", the only column of table "${table.name}"`);
  saveTable(ctx, newVersion(table, table.columns.filter((c) => c.name !== name)));
  return done();
}

/** The table under a new version with these columns; the old column list goes to history. */
function newVersion(table: TableSchema, columns: ColumnSchema[]): TableSchema {
  const old = { version: table.version, columns: table.columns.map((c) => c.name) };
  return { ...table, version: table.version + 1, columns, history: [...table.history, old] };
}

function addPrimaryKey(table: TableSchema, parts: KeyPart[], ctx: EvalContext): SqlResult {
  const next: TableSchema = { ...table };
  addPrimaryKeySchema(next, ctx.catalog, parts);
  const pk = primaryKeyOf(next)!;
  const stage = new Staged(ctx.txn);
  const rows = readAllRows(ctx.txn, table);
  for (const r of rows) checkNotNull(next, r.values);
  if (rowIdColumn(next) < 0) {
    for (const r of rows) stage.putEntry(next, pk, r);
  } else {
    // A single OID key column becomes the row id, so every row moves to the
    // key of its new id, with all its index entries.
    for (const r of rows) stage.removeRow(table, r);
    for (const r of rows) stage.insertRow(next, { rowId: newRowId(next, r.values, ctx), values: r.values });
  }
  stage.apply();
  saveTable(ctx, next);
  return done();
}

function addIndex(table: TableSchema, name: string, unique: boolean, parts: KeyPart[], ctx: EvalContext): SqlResult {
  const index = indexSchema(table, ctx.catalog, name, unique, parts);
  const next: TableSchema = { ...table, indexes: [...table.indexes, index] };
  const stage = new Staged(ctx.txn);
  for (const r of readAllRows(ctx.txn, table)) stage.putEntry(next, index, r);
  stage.apply();
  saveTable(ctx, next);
  return done();
}

function dropIndex(table: TableSchema, name: string, ctx: EvalContext): SqlResult {
  const index = findIndex(table, name);
  if (index === null) {
    const what = name === PRIMARY_KEY_DISPLAY ? 'primary key' : `index "${name}"`;
    throw camusError('IndexDoesntExist', `table "${table.name}" has no ${what}`);
  }
  const r = indexPrefix(table.id, index.id);
  const keys = ctx.txn.scan(r.start, r.end).map((e) => e.key);
  for (const key of keys) ctx.txn.delete(key);
  saveTable(ctx, { ...table, indexes: table.indexes.filter((i) => i !== index) });
  return done();
}
