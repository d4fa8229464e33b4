// The body of a SQL result as the HTTP API returns it: {"status":"ok",
// "total":N,"rows":[{column: ColumnValue, ...}, ...]}.
//
// rowsBody builds it as objects, for toJson; rowsJson writes the same text
// directly. A point query's whole answer is one small row, and building a
// dictionary per row (defineProperty per cell, so that a column called
// "__proto__" stays a column) and then walking it generically cost more than
// the query itself. rowsJson produces exactly the text toJson(rowsBody(r))
// does (a test compares them), with one exception it hands back to that
// path: a column name that is an array index ("0", "12"), which an object
// lists before every other key whatever the select-list order.

import type { SqlValue } from '../../core/sql/encoding.js';
import type { SqlResult } from '../../core/sql/engine/types.js';
import { toJson } from './json.js';
import { COLUMN_TYPE, toColumnValue } from './values.js';

export function rowsBody(r: SqlResult): { status: 'ok'; total: number; rows: Record<string, unknown>[] } {
  if (r.kind !== 'rows') return { status: 'ok', total: 0, rows: [] };
  const rows = r.rows.map((row) => {
    const o: Record<string, unknown> = {};
    // A column name that repeats (SELECT a, a) keeps its first value, as a dictionary would refuse the second.
    r.columns.forEach((c, i) => {
      if (!Object.hasOwn(o, c)) Object.defineProperty(o, c, { value: toColumnValue(row[i]!), enumerable: true, writable: true, configurable: true });
    });
    return o;
  });
  return { status: 'ok', total: rows.length, rows };
}

/** An array index as a property key: such keys come first in an object, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** JSON text of rowsBody(r), written directly (see the file comment). */
export function rowsJson(r: SqlResult): string {
  if (r.kind !== 'rows' || r.rows.length === 0) return '{"status":"ok","total":0,"rows":[]}';
  // Each distinct name once, at its first position, with its key text ready.
  const keys: string[] = [];
  const slots: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < r.columns.length; i++) {
    const c = r.columns[i]!;
    if (seen.has(c)) continue;
    if (ARRAY_INDEX.test(c) && Number(c) < 4294967295) return toJson(rowsBody(r));
    seen.add(c);
    keys.push(`${keys.length === 0 ? '' : ','}${JSON.stringify(c)}:`);
    slots.push(i);
  }
  let out = `{"status":"ok","total":${r.rows.length},"rows":[`;
  for (let n = 0; n < r.rows.length; n++) {
    const row = r.rows[n]!;
    out += n > 0 ? ',{' : '{';
    for (let k = 0; k < keys.length; k++) out += keys[k]! + cellJson(row[slots[k]!]!);
    out += '}';
  }
  return `${out}]}`;
}

const NULL_CELL = `{"type":${COLUMN_TYPE.null},"strValue":null,"longValue":0,"floatValue":0,"boolValue":false}`;

/** toJson(toColumnValue(v)), without the intermediate object. */
function cellJson(v: SqlValue): string {
  switch (v.type) {
    case 'null':
      return NULL_CELL;
    case 'oid':
      return `{"type":${COLUMN_TYPE.id},"strValue":${JSON.stringify(v.value)},"longValue":0,"floatValue":0,"boolValue":false}`;
    case 'string':
      return `{"type":${COLUMN_TYPE.string},"strValue":${JSON.stringify(v.value)},"longValue":0,"floatValue":0,"boolValue":false}`;
    case 'int64':
      return `{"type":${COLUMN_TYPE.int64},"strValue":null,"longValue":${v.value.toString()},"floatValue":0,"boolValue":false}`;
    case 'bool':
      return `{"type":${COLUMN_TYPE.bool},"strValue":null,"longValue":0,"floatValue":0,"boolValue":${v.value ? 'true' : 'false'}}`;
    case 'float64':
      return `{"type":${COLUMN_TYPE.float64},"strValue":null,"longValue":0,"floatValue":${toJson(v.value)},"boolValue":false}`;
  }
}
