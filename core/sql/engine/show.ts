// SHOW statements: what the catalog says, as result sets.
//
// Column names (lower case, MySQL's where MySQL has the statement):
//   SHOW TABLES          table
//   SHOW COLUMNS / DESC  field, type, null, key, default
//                          null is 'YES' or 'NO'; key is 'PRI' for a primary
//                          key column, 'UNI' for a column that alone makes a
//                          unique index, 'MUL' for the first column of any
//                          other index, '' otherwise; default is the DEFAULT's
//                          SQL text or NULL
//   SHOW CREATE TABLE    table, create_table
//   SHOW INDEXES         table, name, unique, seq, column, order
//                          one row per key column; the primary key is named
//                          `primary`; seq counts from 1; order is ASC or DESC
//   SHOW DATABASE        database (the session's)
//   SHOW DATABASES       database (from the registry, see catalog.ts)

import type { ColumnDef, CreateTable } from '../ast.js';
import { boolValue, int64Value, NULL_VALUE, stringValue, type SqlValue } from '../encoding.js';
import { formatSql } from '../format.js';
import { defaultExpr, getTable, indexDisplayName, listDatabases, PRIMARY_KEY_INDEX, primaryKeyOf, type Catalog } from './catalog.js';
import type { ColumnSchema, KvTxn, QueryResult, TableSchema } from './types.js';

function result(columns: string[], rows: SqlValue[][]): QueryResult {
  return { kind: 'rows', columns, rows };
}

const str = stringValue;

export function showTables(catalog: Catalog): QueryResult {
  const names = catalog.tables.map((t) => t.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return result(['table'], names.map((n) => [str(n)]));
}

export function showColumns(catalog: Catalog, name: string): QueryResult {
  const table = getTable(catalog, name);
  const rows = table.columns.map((c) => [
    str(c.name),
    str(c.type),
    str(c.notNull ? 'NO' : 'YES'),
    str(keyKind(table, c)),
    c.default === null ? NULL_VALUE : str(c.default),
  ]);
  return result(['field', 'type', 'null', 'key', 'default'], rows);
}

function keyKind(table: TableSchema, c: ColumnSchema): string {
  if (primaryKeyOf(table)?.columns.some((k) => k.column === c.name)) return 'PRI';
  if (table.indexes.some((i) => i.unique && i.columns.length === 1 && i.columns[0]!.column === c.name)) return 'UNI';
  if (table.indexes.some((i) => i.columns[0]!.column === c.name)) return 'MUL';
  return '';
}

export function showCreateTable(catalog: Catalog, name: string): QueryResult {
  const table = getTable(catalog, name);
  return result(['table', 'create_table'], [[str(table.name), str(createTableSql(table))]]);
}

/**
 * The table as a canonical CREATE TABLE statement that parses back to an equal
 * schema: columns in order, then the primary key, then every other index by
 * name (a column-level UNIQUE comes back as a named UNIQUE KEY).
 */
export function createTableSql(table: TableSchema): string {
  const columns: ColumnDef[] = table.columns.map((c) => ({
    name: c.name,
    type: c.type,
    notNull: c.notNull,
    unique: false,
    default: defaultExpr(c),
    pos: 0,
  }));
  const pk = primaryKeyOf(table);
  const stmt: CreateTable = {
    kind: 'createTable',
    pos: 0,
    table: table.name,
    ifNotExists: false,
    columns,
    primaryKey: pk === null ? null : pk.columns.map((k) => ({ ...k })),
    indexes: table.indexes
      .filter((i) => i.name !== PRIMARY_KEY_INDEX)
      .map((i) => ({ name: i.name, unique: i.unique, columns: i.columns.map((k) => ({ ...k })) })),
  };
  return formatSql(stmt);
}

export function showIndexes(catalog: Catalog, name: string): QueryResult {
  const table = getTable(catalog, name);
  const rows: SqlValue[][] = [];
  for (const index of table.indexes) {
    index.columns.forEach((k, i) => {
      rows.push([str(table.name), str(indexDisplayName(index)), boolValue(index.unique), int64Value(i + 1), str(k.column), str(k.order.toUpperCase())]);
    });
  }
  return result(['table', 'name', 'unique', 'seq', 'column', 'order'], rows);
}

export function showDatabase(database: string): QueryResult {
  return result(['database'], [[str(database)]]);
}

export function showDatabases(txn: KvTxn): QueryResult {
  return result(['database'], listDatabases(txn).map((n) => [str(n)]));
}
