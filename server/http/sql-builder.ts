// SQL text for the structured routes (/create-table, /insert, /query, ...).
// Names are validated and written through the SQL printer's ident(); every
// value travels as a parameter (@p0, @p1, ...), never spliced into the text.
// The one exception is a column's DEFAULT in /create-table: the catalog keeps
// a default as SQL text, so it must be a literal, written by the printer's own
// literal formatters.

import { camusError } from '../../core/errors.js';
import { INT64_MIN, type SqlValue } from '../../core/sql/encoding.js';
import { describeValue } from '../../core/sql/engine/dml.js';
import { ident } from '../../core/sql/format.js';
import { fromColumnValue } from './values.js';

export interface BuiltSql {
  sql: string;
  params: Map<string, SqlValue>;
}

function bad(message: string): never {
  throw camusError('InvalidInput', message);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A database, table or column name: letters, digits and underscores, not starting with a digit; lower-cased. */
export function checkName(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) bad(`${what} is required`);
  if (!NAME.test(v)) bad(`invalid ${what} ${JSON.stringify(v)}: use letters, digits and underscores (at most 128), not starting with a digit`);
  return v.toLowerCase();
}

const TYPES: Record<string, string> = { id: 'OID', oid: 'OID', objectid: 'OID', string: 'STRING', int64: 'INT64', bool: 'BOOL', float64: 'FLOAT64' };

/** A literal for DEFAULT (see the file comment). */
function literal(v: SqlValue, what: string): string {
  // The most negative INT64 has no positive counterpart to negate.
  if (v.type === 'int64' && v.value === INT64_MIN) return '(-9223372036854775807 - 1)';
  if (v.type === 'float64' && !Number.isFinite(v.value)) bad(`${what}: a DEFAULT must be a finite number`);
  return describeValue(v);
}

export interface ColumnSpec {
  name: string;
  type: string;
  notNull?: boolean;
  primary?: boolean;
  unique?: boolean;
  defaultValue?: unknown;
}

export function createTableSql(table: string, columns: readonly ColumnSpec[], ifNotExists: boolean): string {
  const t = checkName(table, 'table name');
  if (columns.length === 0) bad('a table needs at least one column');
  const defs = columns.map((c, i) => {
    const name = checkName(c.name, `column name (columns[${i}])`);
    const type = TYPES[String(c.type).toLowerCase()];
    if (!type) bad(`columns[${i}] (${name}): unknown type ${JSON.stringify(c.type)} (id, string, int64, bool, float64)`);
    let def = `${ident(name)} ${type}`;
    if (c.primary) def += ' PRIMARY KEY';
    if (c.unique) def += ' UNIQUE';
    if (c.notNull) def += ' NOT NULL';
    if (c.defaultValue !== undefined && c.defaultValue !== null) def += ` DEFAULT (${literal(fromColumnValue(c.defaultValue, `columns[${i}].defaultValue`), `columns[${i}].defaultValue`)})`;
    return def;
  });
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${ident(t)} (${defs.join(', ')})`;
}

class Params {
  readonly map = new Map<string, SqlValue>();
  add(v: SqlValue): string {
    const name = `p${this.map.size}`;
    this.map.set(name, v);
    return `@${name}`;
  }
}

const OPS: Record<string, string> = { '=': '=', '==': '=', '!=': '!=', '<>': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };

export interface FilterSpec {
  columnName: string;
  op: string;
  value: unknown;
}

/** ` WHERE a = @p0 AND ...`; `= NULL` / `!= NULL` become IS [NOT] NULL. Empty filters give `always` (or nothing). */
function where(filters: readonly FilterSpec[] | undefined, p: Params, always: string): string {
  if (!filters || filters.length === 0) return always;
  const parts = filters.map((f, i) => {
    const col = ident(checkName(f.columnName, `filters[${i}].columnName`));
    const op = OPS[String(f.op).trim().toLowerCase()];
    if (!op) bad(`filters[${i}]: unknown operator ${JSON.stringify(f.op)} (=, !=, <, >, <=, >=)`);
    const v = fromColumnValue(f.value, `filters[${i}].value`);
    if (v.type === 'null' && op === '=') return `${col} IS NULL`;
    if (v.type === 'null' && op === '!=') return `${col} IS NOT NULL`;
    return `${col} ${op} ${p.add(v)}`;
  });
  return ` WHERE ${parts.join(' AND ')}`;
}

export function insertSql(table: string, values: Record<string, unknown>): BuiltSql {
  const t = ident(checkName(table, 'table name'));
  const entries = Object.entries(values);
  if (entries.length === 0) bad('values must name at least one column');
  const p = new Params();
  const cols = entries.map(([k]) => ident(checkName(k, 'column name in values')));
  const vals = entries.map(([k, v]) => p.add(fromColumnValue(v, `values.${k}`)));
  return { sql: `INSERT INTO ${t} (${cols.join(', ')}) VALUES (${vals.join(', ')})`, params: p.map };
}

export interface OrderSpec {
  columnName: string;
  type?: number;
}

export function querySql(table: string, filters?: readonly FilterSpec[], orderBy?: readonly OrderSpec[]): BuiltSql {
  const t = ident(checkName(table, 'table name'));
  const p = new Params();
  let sql = `SELECT * FROM ${t}${where(filters, p, '')}`;
  if (orderBy && orderBy.length) {
    sql += ` ORDER BY ${orderBy
      .map((o, i) => {
        const col = ident(checkName(o.columnName, `orderBy[${i}].columnName`));
        if (o.type !== undefined && o.type !== 0 && o.type !== 1) bad(`orderBy[${i}].type must be 0 (ascending) or 1 (descending)`);
        return `${col} ${o.type === 1 ? 'DESC' : 'ASC'}`;
      })
      .join(', ')}`;
  }
  return { sql, params: p.map };
}

export function queryByIdSql(table: string, id: unknown): BuiltSql {
  const t = ident(checkName(table, 'table name'));
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{24}$/.test(id)) bad(`id must be an object id (24 hex characters), not ${JSON.stringify(id ?? null)}`);
  return { sql: `SELECT * FROM ${t} WHERE id = @p0`, params: new Map([['p0', { type: 'oid', value: id.toLowerCase() }]]) };
}

export function updateSql(table: string, values: Record<string, unknown>, filters?: readonly FilterSpec[]): BuiltSql {
  const t = ident(checkName(table, 'table name'));
  const entries = Object.entries(values);
  if (entries.length === 0) bad('values must name at least one column');
  const p = new Params();
  const sets = entries.map(([k, v]) => `${ident(checkName(k, 'column name in values'))} = ${p.add(fromColumnValue(v, `values.${k}`))}`);
  return { sql: `UPDATE ${t} SET ${sets.join(', ')}${where(filters, p, ' WHERE TRUE')}`, params: p.map };
}

export function deleteSql(table: string, filters?: readonly FilterSpec[]): BuiltSql {
  const t = ident(checkName(table, 'table name'));
  const p = new Params();
  return { sql: `DELETE FROM ${t}${where(filters, p, ' WHERE TRUE')}`, params: p.map };
}
