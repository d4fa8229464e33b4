/** Rendering of query results and timings for the shell. */

import { integerText, isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** ColumnValue types, as in the HTTP API. */
export const ColumnType = { Null: 0, Id: 1, Int64: 2, String: 3, Bool: 4, Float64: 5 } as const;

export interface Cell {
  text: string;
  /** Numbers are right-aligned. */
  numeric: boolean;
}

function floatText(v: JsonValue | undefined): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'bigint') return String(Number(v));
  if (typeof v === 'string') return v; // "NaN", "Infinity", should a server send them so
  return 'NULL';
}

/** Formats one ColumnValue: NULL, exact int64, shortest float, true/false, strings as they are. */
export function formatColumnValue(cv: JsonValue | undefined): Cell {
  if (!isJsonObject(cv)) {
    // Not a ColumnValue: show a plain JSON scalar as best we can.
    if (cv === null || cv === undefined) return { text: 'NULL', numeric: false };
    if (typeof cv === 'bigint' || typeof cv === 'number') return { text: String(cv), numeric: true };
    return { text: typeof cv === 'string' ? cv : String(cv), numeric: false };
  }
  const type = cv.get('type');
  switch (type) {
    case ColumnType.Null:
      return { text: 'NULL', numeric: false };
    case ColumnType.Int64: {
      const t = integerText(cv.get('longValue'));
      return t === null ? { text: 'NULL', numeric: false } : { text: t, numeric: true };
    }
    case ColumnType.Float64: {
      const v = cv.get('floatValue');
      return v === null || v === undefined ? { text: 'NULL', numeric: false } : { text: floatText(v), numeric: true };
    }
    case ColumnType.Bool: {
      const v = cv.get('boolValue');
      return typeof v === 'boolean' ? { text: v ? 'true' : 'false', numeric: false } : { text: 'NULL', numeric: false };
    }
    case ColumnType.Id:
    case ColumnType.String: {
      const v = cv.get('strValue');
      return typeof v === 'string' ? { text: v, numeric: false } : { text: 'NULL', numeric: false };
    }
    default: {
      // Unknown type tag: use whichever value field is set.
      const s = cv.get('strValue');
      if (typeof s === 'string') return { text: s, numeric: false };
      const l = integerText(cv.get('longValue'));
      if (l !== null && cv.get('longValue') !== 0) return { text: l, numeric: true };
      const b = cv.get('boolValue');
      if (typeof b === 'boolean' && b) return { text: 'true', numeric: false };
      return { text: 'NULL', numeric: false };
    }
  }
}

/** Control characters would break the alignment: show them escaped. */
function printable(s: string): string {
  return s.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

function width(s: string): number {
  let w = 0;
  for (const _ of s) w++;
  return w;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

/**
 * An aligned table: header, separator, rows, psql style
 * (` a | b `, `---+---`). Columns in the order the server returned them;
 * a column first seen in a later row is appended.
 */
export function formatTable(rows: JsonValue[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  const objects: JsonObject[] = [];
  for (const row of rows) {
    const obj: JsonObject = isJsonObject(row) ? row : new Map();
    objects.push(obj);
    for (const key of obj.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  if (columns.length === 0) return '';
  const cells: Cell[][] = objects.map((obj) =>
    columns.map((col) => {
      const cell = formatColumnValue(obj.get(col));
      return { text: printable(cell.text), numeric: cell.numeric };
    }),
  );
  const headers = columns.map(printable);
  const widths = headers.map((h, c) => Math.max(width(h), ...cells.map((r) => width((r[c] as Cell).text))));
  // A column is right-aligned when every non-NULL value in it is a number.
  const numeric = columns.map((_, c) => {
    const vals = cells.map((r) => r[c] as Cell).filter((cell) => cell.text !== 'NULL');
    return vals.length > 0 && vals.every((cell) => cell.numeric);
  });
  const line = (parts: string[]): string => (' ' + parts.join(' | ') + ' ').trimEnd();
  const out: string[] = [];
  out.push(line(headers.map((h, c) => pad(h, widths[c] as number, numeric[c] as boolean))));
  out.push(widths.map((w) => '-'.repeat(w + 2)).join('+'));
  for (const r of cells) out.push(line(r.map((cell, c) => pad(cell.text, widths[c] as number, numeric[c] as boolean))));
  return out.join('\n') + '\n';
}

/** Elapsed milliseconds as `0.012 sec`. */
export function formatElapsed(ms: number): string {
  return `${(ms / 1000).toFixed(3)} sec`;
}
