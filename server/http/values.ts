// CamusDB's ColumnValue (the JSON form of a SQL value) to and from SqlValue.
//
// ColumnValue {type, strValue, longValue, floatValue, boolValue}; type 0 null,
// 1 id (OID in strValue), 2 int64 (longValue), 3 string (strValue), 4 bool
// (boolValue), 5 float64 (floatValue). Responses carry all five fields (the
// unused ones null/0/false, as CamusDB's serializer writes them), so a client
// may read any of them; longValue is a bigint so toJson writes every digit.

import { camusError } from '../../core/errors.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from '../../core/sql/encoding.js';

export const COLUMN_TYPE = { null: 0, id: 1, int64: 2, string: 3, bool: 4, float64: 5 } as const;

export interface ColumnValueOut {
  type: number;
  strValue: string | null;
  longValue: bigint;
  floatValue: number;
  boolValue: boolean;
}

function bad(message: string): never {
  throw camusError('InvalidInput', message);
}

/** An integer from JSON: a safe-integer number, a bigint (exact parse), or a decimal string. */
export function toBigInt(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) bad(`${what} must be an exact integer, not ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v.trim())) return BigInt(v.trim());
  return bad(`${what} must be an integer, not ${JSON.stringify(v === undefined ? null : v)}`);
}

function int64(v: unknown, what: string): bigint {
  const n = toBigInt(v, what);
  if (n < INT64_MIN || n > INT64_MAX) bad(`${what} ${n} is outside the INT64 range`);
  return n;
}

function float(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return bad(`${what} must be a number, not ${JSON.stringify(v === undefined ? null : v)}`);
}

/** Converts a request's ColumnValue; `what` names it in error messages. Throws CADB0400. */
export function fromColumnValue(cv: unknown, what: string): SqlValue {
  if (cv === null || typeof cv !== 'object' || Array.isArray(cv)) return bad(`${what} must be a ColumnValue object`);
  const c = cv as Record<string, unknown>;
  const type = c.type;
  switch (type) {
    case 0:
      return { type: 'null' };
    case 1: {
      if (typeof c.strValue !== 'string') bad(`${what}: an id (type 1) needs strValue`);
      const oid = c.strValue.toLowerCase();
      if (!/^[0-9a-f]{24}$/.test(oid)) bad(`${what}: ${JSON.stringify(c.strValue)} is not an id (24 hex characters)`);
      return { type: 'oid', value: oid };
    }
    case 2:
      return { type: 'int64', value: int64(c.longValue, `${what}.longValue`) };
    case 3:
      if (typeof c.strValue !== 'string') bad(`${what}: a string (type 3) needs strValue`);
      return { type: 'string', value: c.strValue };
    case 4:
      if (typeof c.boolValue !== 'boolean') bad(`${what}: a bool (type 4) needs boolValue true or false`);
      return { type: 'bool', value: c.boolValue };
    case 5:
      return { type: 'float64', value: float(c.floatValue, `${what}.floatValue`) };
    default:
      return bad(`${what}: unknown ColumnValue type ${JSON.stringify(type === undefined ? null : type)} (0 null, 1 id, 2 int64, 3 string, 4 bool, 5 float64)`);
  }
}

export function toColumnValue(v: SqlValue): ColumnValueOut {
  const out: ColumnValueOut = { type: 0, strValue: null, longValue: 0n, floatValue: 0, boolValue: false };
  switch (v.type) {
    case 'null':
      return out;
    case 'oid':
      return { ...out, type: COLUMN_TYPE.id, strValue: v.value };
    case 'int64':
      return { ...out, type: COLUMN_TYPE.int64, longValue: v.value };
    case 'string':
      return { ...out, type: COLUMN_TYPE.string, strValue: v.value };
    case 'bool':
      return { ...out, type: COLUMN_TYPE.bool, boolValue: v.value };
    case 'float64':
      return { ...out, type: COLUMN_TYPE.float64, floatValue: v.value };
  }
}

/** `{"@name": ColumnValue}` (or "name") → the engine's parameter map, keyed without '@'. */
export function fromParameters(params: unknown): Map<string, SqlValue> {
  const out = new Map<string, SqlValue>();
  if (params === undefined || params === null) return out;
  if (typeof params !== 'object' || Array.isArray(params)) bad('parameters must be an object of {"@name": ColumnValue}');
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    const name = k.startsWith('@') ? k.slice(1) : k;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) bad(`parameter name ${JSON.stringify(k)} is not valid`);
    if (out.has(name)) bad(`parameter ${JSON.stringify(k)} is given twice`);
    out.set(name, fromColumnValue(v, `parameter ${k}`));
  }
  return out;
}
