// Rows and index entries of a table: where they live and how their values map
// to the table's current columns.

import { camusError } from '../../errors.js';
import { utf8Decode, utf8Encode } from '../../util/codec.js';
import { decodeRow, encodeRow, type DecodedRow } from '../row.js';
import { encodeKey, NULL_VALUE, type SqlValue } from '../encoding.js';
import { indexKey, ROW_ID_LENGTH, rowKey } from '../keys.js';
import type { IndexSchema, TableSchema } from './types.js';

/** A row as the engine works with it: its id and one value per current column, in schema order. */
export interface Row {
  rowId: string;
  values: SqlValue[];
}

/**
 * Decodes a stored row into the table's current columns. A row written under
 * an older version is mapped by column name through `history`: columns added
 * since read as NULL, dropped ones are skipped.
 */
export function readRow(table: TableSchema, bytes: Uint8Array): Row {
  const d = decodeRow(bytes);
  return { rowId: d.rowId, values: currentValues(table, d, bytes) };
}

/**
 * A stored row's values as readRow maps them, without its row id (whose
 * string is then never built): for readers that use only the values, as a
 * SELECT's scan does.
 */
export function readRowValues(table: TableSchema, bytes: Uint8Array): { values: SqlValue[] } {
  return { values: currentValues(table, decodeRow(bytes, false), bytes) };
}

function currentValues(table: TableSchema, d: DecodedRow, bytes: Uint8Array): SqlValue[] {
  if (d.schemaVersion === table.version) {
    if (d.values.length !== table.columns.length) throw camusError('SystemSpaceCorrupt', `row ${rowIdOf(d, bytes)} of "${table.name}" has ${d.values.length} values for ${table.columns.length} columns`);
    return d.values;
  }
  const old = table.history.find((h) => h.version === d.schemaVersion);
  if (!old || old.columns.length !== d.values.length) throw camusError('SystemSpaceCorrupt', `row ${rowIdOf(d, bytes)} of "${table.name}" has unknown schema version ${d.schemaVersion}`);
  const byName = new Map(old.columns.map((c, i) => [c, d.values[i]!]));
  return table.columns.map((c) => byName.get(c.name) ?? NULL_VALUE);
}

/** A decoded row's id for an error message, decoded again when it was skipped. */
function rowIdOf(d: DecodedRow, bytes: Uint8Array): string {
  return d.rowId || decodeRow(bytes).rowId;
}

/** The stored bytes of a row under the table's current version. */
export function writeRow(table: TableSchema, row: Row): Uint8Array {
  return encodeRow(table.version, row.rowId, row.values);
}

export function rowKeyOf(table: TableSchema, rowId: string): string {
  return rowKey(table.id, rowId);
}

/** Positions of an index's columns in the table's current columns. */
export function indexColumnPositions(table: TableSchema, index: IndexSchema): number[] {
  return index.columns.map((k) => {
    const i = table.columns.findIndex((c) => c.name === k.column);
    if (i < 0) throw camusError('SystemSpaceCorrupt', `index "${index.name}" of "${table.name}" names missing column "${k.column}"`);
    return i;
  });
}

/**
 * The index entry of a row. A unique index maps the encoded key to the row id
 * (the value), so two rows with equal keys collide on one storage key, which
 * is how uniqueness is enforced (and validated at commit). Non-unique indexes,
 * and unique ones where a key column is NULL (NULLs never collide in SQL),
 * append the row id to the key and store an empty value.
 */
export function indexEntry(table: TableSchema, index: IndexSchema, row: Row): { key: string; value: Uint8Array } {
  const values = indexColumnPositions(table, index).map((i) => row.values[i]!);
  const desc = index.columns.map((k) => k.order === 'desc');
  const encoded = encodeKey(values, desc);
  if (index.unique && values.every((v) => v.type !== 'null')) return { key: indexKey(table.id, index.id, encoded), value: utf8Encode(row.rowId) };
  return { key: indexKey(table.id, index.id, encoded, row.rowId), value: new Uint8Array(0) };
}

/** The row id an index entry points at (see indexEntry for the two forms). */
export function rowIdOfEntry(key: string, value: Uint8Array): string {
  return value.length > 0 ? utf8Decode(value) : key.slice(key.length - ROW_ID_LENGTH);
}
