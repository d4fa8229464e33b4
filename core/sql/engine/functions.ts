// The value-level semantics of SQL operators and scalar functions: arithmetic,
// comparison, LIKE, and the built-in functions. Everything here is a pure
// function of SqlValues; evaluation order and scopes are eval.ts's concern.
//
// Typing rules (the dialect is strongly typed, unlike SQLite):
// - INT64 arithmetic is exact (BigInt) and an overflow is an error, never a
//   wrap or a silent switch to FLOAT64. INT64 mixed with FLOAT64 is FLOAT64.
// - Division or remainder by zero is NULL (as in SQLite); INT64 division
//   truncates toward zero (as in SQLite and C).
// - Comparisons need comparable types: numbers with numbers, strings with
//   strings, BOOL with BOOL, OID with OID; a STRING compared with an OID is
//   read as an OID (so `id = "5f..."` works) and must be a valid one.
// - Any operator with a NULL operand is NULL (AND / OR aside, see eval.ts).

import { assertNever } from '../../assert.js';
import { camusError } from '../../errors.js';
import { formatFloat } from '../format.js';
import { compareValues, INT64_MAX, INT64_MIN, isValidOid, NULL_VALUE, type SqlValue } from '../encoding.js';
import type { ColumnType } from '../ast.js';

/** The SQL name of a value's type, for messages. */
export function typeName(v: SqlValue): string {
  return v.type === 'null' ? 'NULL' : v.type.toUpperCase();
}

export function invalid(message: string): Error {
  return camusError('InvalidInput', message);
}

export function boolOf(b: boolean): SqlValue {
  return { type: 'bool', value: b };
}

function checkedInt(v: bigint, what: string): SqlValue {
  if (v < INT64_MIN || v > INT64_MAX) throw invalid(`INT64 overflow in ${what}`);
  return { type: 'int64', value: v };
}

function isNumeric(v: SqlValue): v is { type: 'int64'; value: bigint } | { type: 'float64'; value: number } {
  return v.type === 'int64' || v.type === 'float64';
}

function toFloat(v: { type: 'int64'; value: bigint } | { type: 'float64'; value: number }): number {
  return v.type === 'int64' ? Number(v.value) : v.value;
}

export type ArithOp = '+' | '-' | '*' | '/' | '%';

/** `a op b` for the arithmetic operators. */
export function arithmetic(op: ArithOp, a: SqlValue, b: SqlValue): SqlValue {
  if (a.type === 'null' || b.type === 'null') return NULL_VALUE;
  if (!isNumeric(a) || !isNumeric(b)) {
    throw invalid(`operator ${op} needs numeric operands, got ${typeName(a)} and ${typeName(b)}`);
  }
  if (a.type === 'int64' && b.type === 'int64') {
    const x = a.value;
    const y = b.value;
    switch (op) {
      case '+':
        return checkedInt(x + y, `${x} + ${y}`);
      case '-':
        return checkedInt(x - y, `${x} - ${y}`);
      case '*':
        return checkedInt(x * y, `${x} * ${y}`);
      case '/':
        // BigInt division truncates toward zero; INT64_MIN / -1 is the one overflow.
        return y === 0n ? NULL_VALUE : checkedInt(x / y, `${x} / ${y}`);
      case '%':
        return y === 0n ? NULL_VALUE : { type: 'int64', value: x % y };
      default:
        return assertNever(op, 'arithmetic operator');
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return { type: 'float64', value: x + y };
    case '-':
      return { type: 'float64', value: x - y };
    case '*':
      return { type: 'float64', value: x * y };
    case '/':
      return y === 0 ? NULL_VALUE : { type: 'float64', value: x / y };
    case '%':
      return y === 0 ? NULL_VALUE : { type: 'float64', value: x % y };
    default:
      return assertNever(op, 'arithmetic operator');
  }
}

export function negate(v: SqlValue): SqlValue {
  switch (v.type) {
    case 'null':
      return v;
    case 'int64':
      return checkedInt(-v.value, `-(${v.value})`);
    case 'float64':
      return { type: 'float64', value: -v.value };
    case 'oid':
    case 'string':
    case 'bool':
      throw invalid(`unary minus needs a numeric operand, got ${typeName(v)}`);
    default:
      return assertNever(v, 'SQL value');
  }
}

/** Text form of a value for `||`; NULL stays NULL. */
function textOf(v: SqlValue): string {
  switch (v.type) {
    case 'string':
    case 'oid':
      return v.value;
    case 'int64':
      return v.value.toString();
    case 'float64':
      return formatFloat(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'null':
      return '';
    default:
      return assertNever(v, 'SQL value');
  }
}

export function concat(a: SqlValue, b: SqlValue): SqlValue {
  if (a.type === 'null' || b.type === 'null') return NULL_VALUE;
  return { type: 'string', value: textOf(a) + textOf(b) };
}

/**
 * Brings two non-NULL values to comparable types, or throws. A STRING meets an
 * OID as an OID; every other mix of types is an error.
 */
function comparablePair(a: SqlValue, b: SqlValue, what: string): [SqlValue, SqlValue] {
  if (a.type === b.type || (isNumeric(a) && isNumeric(b))) return [a, b];
  if (a.type === 'oid' && b.type === 'string') return [a, stringAsOid(b.value)];
  if (a.type === 'string' && b.type === 'oid') return [stringAsOid(a.value), b];
  throw invalid(`cannot compare ${typeName(a)} with ${typeName(b)} in ${what}`);
}

/** A string read as an OID; CADB0400 when it is not 24 hex characters. */
export function stringAsOid(s: string): SqlValue {
  const lower = s.toLowerCase();
  if (!isValidOid(lower)) throw invalid(`${JSON.stringify(s)} is not a valid OID (24 hex characters)`);
  return { type: 'oid', value: lower };
}

/** SQL comparison: -1/0/1, or null when either side is NULL. */
export function compareSql(a: SqlValue, b: SqlValue, what: string): -1 | 0 | 1 | null {
  if (a.type === 'null' || b.type === 'null') return null;
  const [x, y] = comparablePair(a, b, what);
  return compareValues(x, y);
}

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

export function comparison(op: CompareOp, a: SqlValue, b: SqlValue): SqlValue {
  const c = compareSql(a, b, `operator ${op}`);
  if (c === null) return NULL_VALUE;
  switch (op) {
    case '=':
      return boolOf(c === 0);
    case '!=':
      return boolOf(c !== 0);
    case '<':
      return boolOf(c < 0);
    case '>':
      return boolOf(c > 0);
    case '<=':
      return boolOf(c <= 0);
    case '>=':
      return boolOf(c >= 0);
    default:
      return assertNever(op, 'comparison operator');
  }
}

/**
 * LIKE matching by code point: `%` is any run (also empty), `_` exactly one
 * code point; there is no escape character. ILIKE lower-cases both sides
 * first (full Unicode lower-casing, unlike SQLite's ASCII-only LIKE).
 */
export function like(value: SqlValue, pattern: SqlValue, caseInsensitive: boolean): SqlValue {
  if (value.type === 'null' || pattern.type === 'null') return NULL_VALUE;
  const op = caseInsensitive ? 'ILIKE' : 'LIKE';
  if (value.type !== 'string' && value.type !== 'oid') throw invalid(`${op} needs a STRING operand, got ${typeName(value)}`);
  if (pattern.type !== 'string') throw invalid(`${op} needs a STRING pattern, got ${typeName(pattern)}`);
  const v = caseInsensitive ? value.value.toLowerCase() : value.value;
  const p = caseInsensitive ? pattern.value.toLowerCase() : pattern.value;
  return boolOf(likeMatch(Array.from(v), Array.from(p)));
}

/** Iterative wildcard matching with single backtracking point: linear in practice, never exponential. */
function likeMatch(s: string[], p: string[]): boolean {
  let i = 0;
  let j = 0;
  let starJ = -1;
  let starI = 0;
  while (i < s.length) {
    if (j < p.length && (p[j] === '_' || (p[j] !== '%' && p[j] === s[i]))) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '%') {
      starJ = j++;
      starI = i;
    } else if (starJ >= 0) {
      j = starJ + 1;
      i = ++starI;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '%') j++;
  return j === p.length;
}

// ---------------------------------------------------------------------------
// Scalar functions. GEN_ID, STR_ID and COALESCE need the context or lazy
// arguments and live in eval.ts; these take evaluated arguments.

function arity(name: string, args: readonly SqlValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw invalid(`function ${name}() takes ${want} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

function stringArg(name: string, v: SqlValue): string | null {
  if (v.type === 'null') return null;
  if (v.type === 'string' || v.type === 'oid') return v.value;
  throw invalid(`function ${name}() needs a STRING argument, got ${typeName(v)}`);
}

/** Rounds half away from zero at `digits` decimals, on the double's exact decimal value. */
function roundFloat(x: number, digits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  // toFixed rounds the exact binary value; for negative numbers it works on
  // the magnitude, so ties go away from zero on both sides.
  return Number(x.toFixed(digits));
}

export const SCALAR_FUNCTIONS: ReadonlySet<string> = new Set(['upper', 'lower', 'trim', 'length', 'abs', 'round']);

/** Calls a scalar function of SCALAR_FUNCTIONS on evaluated arguments. */
export function callScalar(name: string, args: readonly SqlValue[]): SqlValue {
  switch (name) {
    case 'upper':
    case 'lower': {
      arity(name, args, 1, 1);
      const s = stringArg(name, args[0]!);
      if (s === null) return NULL_VALUE;
      return { type: 'string', value: name === 'upper' ? s.toUpperCase() : s.toLowerCase() };
    }
    case 'trim': {
      // Only spaces are trimmed, as in SQLite and PostgreSQL.
      arity(name, args, 1, 1);
      const s = stringArg(name, args[0]!);
      return s === null ? NULL_VALUE : { type: 'string', value: s.replace(/^ +| +$/g, '') };
    }
    case 'length': {
      arity(name, args, 1, 1);
      const s = stringArg(name, args[0]!);
      return s === null ? NULL_VALUE : { type: 'int64', value: BigInt(Array.from(s).length) };
    }
    case 'abs': {
      arity(name, args, 1, 1);
      const v = args[0]!;
      if (v.type === 'null') return v;
      if (v.type === 'int64') return v.value < 0n ? negate(v) : v;
      if (v.type === 'float64') return { type: 'float64', value: Math.abs(v.value) };
      throw invalid(`function abs() needs a numeric argument, got ${typeName(v)}`);
    }
    case 'round':
      return round(args);
    default:
      throw invalid(`unknown function ${name}()`);
  }
}

function round(args: readonly SqlValue[]): SqlValue {
  arity('round', args, 1, 2);
  const v = args[0]!;
  const d = args[1];
  if (v.type === 'null' || d?.type === 'null') return NULL_VALUE;
  let digits = 0;
  if (d !== undefined) {
    if (d.type !== 'int64') throw invalid(`function round() needs an INT64 number of digits, got ${typeName(d)}`);
    // Like SQLite, the digit count is clamped to 0..30.
    digits = Number(d.value < 0n ? 0n : d.value > 30n ? 30n : d.value);
  }
  // An INT64 has no fractional digits to round away; it stays exact.
  if (v.type === 'int64') return v;
  if (v.type === 'float64') return { type: 'float64', value: roundFloat(v.value, digits) };
  throw invalid(`function round() needs a numeric argument, got ${typeName(v)}`);
}

// ---------------------------------------------------------------------------
// Coercion into a column's type.

function columnTypeMatches(v: SqlValue, type: ColumnType): boolean {
  switch (type) {
    case 'OID':
      return v.type === 'oid';
    case 'STRING':
      return v.type === 'string';
    case 'INT64':
      return v.type === 'int64';
    case 'FLOAT64':
      return v.type === 'float64';
    case 'BOOL':
      return v.type === 'bool';
    default:
      return assertNever(type, 'column type');
  }
}

/**
 * Converts a value to a column type where that loses nothing: INT64 <-> FLOAT64
 * when the number is exactly representable, a 24-hex STRING to OID. Returns
 * null when no exact conversion exists. NULL converts to every type.
 */
export function exactCoerce(v: SqlValue, type: ColumnType): SqlValue | null {
  if (v.type === 'null' || columnTypeMatches(v, type)) return v;
  if (type === 'INT64' && v.type === 'float64') {
    if (!Number.isInteger(v.value)) return null;
    const i = BigInt(v.value);
    return i >= INT64_MIN && i <= INT64_MAX ? { type: 'int64', value: i } : null;
  }
  if (type === 'FLOAT64' && v.type === 'int64') {
    const f = Number(v.value);
    return BigInt(f) === v.value ? { type: 'float64', value: f } : null;
  }
  if (type === 'OID' && v.type === 'string') {
    const lower = v.value.toLowerCase();
    return isValidOid(lower) ? { type: 'oid', value: lower } : null;
  }
  return null;
}
