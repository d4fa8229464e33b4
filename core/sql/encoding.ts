// The SQL value model, SQL ordering of values, and the order-preserving key
// encoding used for index keys.
//
// Invariant of the key encoding: for any two tuples whose columns hold values
// of the column's declared type (or NULL), the unsigned lexicographic order of
// their encodings equals the SQL tuple order of compareTuples, with DESC
// columns reversed. Every value's encoding is self-delimiting, so an encoded
// tuple is never a proper prefix of another encoded tuple of the same width;
// an encoded prefix of a tuple (fewer columns) is a byte prefix of the full
// encoding, which is what index prefix scans rely on.
//
// Strings are stored as UTF-8. JS strings may hold lone surrogates (JSON allows
// "\ud800"), so we use the generalized form of UTF-8 that encodes a lone
// surrogate as the 3-byte sequence of its code unit (WTF-8). For valid Unicode
// this is exactly UTF-8; for every JS string it is lossless, and byte order
// equals code point order with a lone surrogate ordered by its code unit.

import { assert, assertNever } from '../assert.js';
import { camusError } from '../errors.js';
import { asciiBytes, isAscii, nativeUtf8Decode, pushUtf16, unitsToString, utf8CodePoint, utf8SequenceLength, Writer } from '../util/codec.js';

export type SqlValue =
  | { type: 'null' }
  | { type: 'oid'; value: string }
  | { type: 'int64'; value: bigint }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'float64'; value: number };

/** The declarable column types; NULL is a value of every type, not a type of its own. */
export type SqlType = Exclude<SqlValue['type'], 'null'>;

export const SQL_TYPES: readonly SqlType[] = ['oid', 'int64', 'string', 'bool', 'float64'];

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

const OID_RE = /^[0-9a-f]{24}$/;

/** An OID is 12 bytes written as exactly 24 lowercase hex characters. */
export function isValidOid(s: string): boolean {
  return OID_RE.test(s);
}

// ---------------------------------------------------------------------------
// Constructors. They assert their invariants: callers that take user input
// validate it first and raise InvalidInput themselves.

export const NULL_VALUE: SqlValue = Object.freeze({ type: 'null' }) as SqlValue;

export function nullValue(): SqlValue {
  return NULL_VALUE;
}

export function oidValue(value: string): SqlValue {
  assert(isValidOid(value), () => `invalid OID ${JSON.stringify(value)}`);
  return { type: 'oid', value };
}

/** A number argument must be a safe integer, so it converts to a bigint exactly. */
export function int64Value(value: bigint | number): SqlValue {
  if (typeof value === 'number') {
    assert(Number.isSafeInteger(value), () => `int64 from a non-integer number ${value}`);
    value = BigInt(value);
  }
  assert(value >= INT64_MIN && value <= INT64_MAX, () => `int64 out of range: ${value}`);
  return { type: 'int64', value };
}

export function stringValue(value: string): SqlValue {
  return { type: 'string', value };
}

export function boolValue(value: boolean): SqlValue {
  return { type: 'bool', value };
}

export function float64Value(value: number): SqlValue {
  assert(typeof value === 'number', 'float64 from a non-number');
  return { type: 'float64', value };
}

/** Asserts that a value is well formed (used by the encoders, which must never write garbage). */
export function checkValue(v: SqlValue): void {
  switch (v.type) {
    case 'null':
      return;
    case 'oid':
      assert(isValidOid(v.value), () => `invalid OID ${JSON.stringify(v.value)}`);
      return;
    case 'int64':
      assert(typeof v.value === 'bigint' && v.value >= INT64_MIN && v.value <= INT64_MAX, () => `int64 out of range: ${v.value}`);
      return;
    case 'string':
      assert(typeof v.value === 'string', 'string value is not a string');
      return;
    case 'bool':
      assert(typeof v.value === 'boolean', 'bool value is not a boolean');
      return;
    case 'float64':
      assert(typeof v.value === 'number', 'float64 value is not a number');
      return;
    default:
      return assertNever(v, 'SQL value');
  }
}

// ---------------------------------------------------------------------------
// SQL order.
//
// Across types the order is NULL < BOOL < numbers < STRING < OID. INT64 and
// FLOAT64 share one rank and compare numerically and exactly. Among floats
// -0 equals 0 and NaN sorts after +Infinity and equals itself, so the order
// is total (sorting, DISTINCT and MIN/MAX need that).

type Sign = -1 | 0 | 1;

function typeRank(v: SqlValue): number {
  switch (v.type) {
    case 'null':
      return 0;
    case 'bool':
      return 1;
    case 'int64':
    case 'float64':
      return 2;
    case 'string':
      return 3;
    case 'oid':
      return 4;
    default:
      return assertNever(v, 'SQL value');
  }
}

function cmp<T extends number | bigint | string>(a: T, b: T): Sign {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFloats(x: number, y: number): Sign {
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1;
  return cmp(x, y);
}

/**
 * Compares an int64 with a double exactly. Math.floor of a finite double is
 * an integral double, and BigInt of an integral double is exact, so no value
 * is ever rounded (a plain Number(i) would round above 2^53).
 */
export function compareIntFloat(i: bigint, d: number): Sign {
  if (Number.isNaN(d) || d === Infinity) return -1;
  if (d === -Infinity) return 1;
  const f = Math.floor(d);
  const fb = BigInt(f);
  if (i < fb) return -1;
  if (i > fb) return 1;
  return d > f ? -1 : 0;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The code point starting at index i; a lone surrogate stands for its own code unit. */
function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (isHighSurrogate(c) && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (isLowSurrogate(d)) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return c;
}

/**
 * Orders strings as their UTF-8 bytes order (that is, by code point), without
 * encoding them. JS `<` compares UTF-16 code units, which disagrees for
 * characters above U+FFFF against U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): Sign {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return cmp(a.length, b.length);
  // When the first difference is in the low half of a surrogate pair, the
  // code point to compare starts one unit earlier (the shared high half).
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1)) && (isLowSurrogate(a.charCodeAt(i)) || isLowSurrogate(b.charCodeAt(i)))) {
    i--;
  }
  return cmp(codePointAt(a, i), codePointAt(b, i));
}

export function compareValues(a: SqlValue, b: SqlValue): Sign {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (a.type) {
    case 'null':
      return 0;
    case 'bool':
      assert(b.type === 'bool');
      return a.value === b.value ? 0 : a.value ? 1 : -1;
    case 'int64':
      if (b.type === 'int64') return cmp(a.value, b.value);
      assert(b.type === 'float64');
      return compareIntFloat(a.value, b.value);
    case 'float64':
      if (b.type === 'float64') return compareFloats(a.value, b.value);
      assert(b.type === 'int64');
      return (-compareIntFloat(b.value, a.value) || 0) as Sign;
    case 'string':
      assert(b.type === 'string');
      return compareStrings(a.value, b.value);
    case 'oid':
      // Lowercase hex: code unit order is byte order.
      assert(b.type === 'oid');
      return cmp(a.value, b.value);
    default:
      return assertNever(a, 'SQL value');
  }
}

/**
 * Lexicographic tuple order with per-column direction (desc[i] reverses column
 * i). When one tuple is a prefix of the other the shorter sorts first in both
 * directions, as its key encoding is a byte prefix of the longer one's.
 */
export function compareTuples(a: readonly SqlValue[], b: readonly SqlValue[], desc?: readonly boolean[]): Sign {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return desc?.[i] ? (-c as Sign) : c;
  }
  return cmp(a.length, b.length);
}

// ---------------------------------------------------------------------------
// Bytes helpers.

/** Generalized UTF-8 (WTF-8): UTF-8 for valid Unicode, lone surrogates as their own 3-byte code. */
export function encodeStringBytes(s: string): Uint8Array {
  // Most strings are ASCII: one exact allocation, no trimming copy.
  if (isAscii(s)) return asciiBytes(s);
  const out = new Uint8Array(s.length * 3);
  let p = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
      continue;
    }
    if (isHighSurrogate(c) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return out.slice(0, p);
}

/**
 * Strict inverse of encodeStringBytes over bytes[start, end): rejects
 * truncated or overlong sequences, code points above U+10FFFF, and a high
 * surrogate code directly followed by a low surrogate code (that pair has
 * only one valid form, the 4-byte one). Returns undefined on invalid input so
 * each caller raises its own error.
 */
export function decodeStringBytes(bytes: Uint8Array, start = 0, end = bytes.length): string | undefined {
  // The host refuses exactly what is not well-formed UTF-8, lone surrogate
  // codes included; the loop below then accepts those and rejects the rest.
  const native = nativeUtf8Decode(bytes, start, end);
  if (native !== undefined) return native;
  const units: number[] = [];
  let prevLoneHigh = false;
  let i = start;
  while (i < end) {
    const n = utf8SequenceLength(bytes[i]!);
    if (n === 0 || i + n > end) return undefined;
    const cp = utf8CodePoint(bytes, i, n);
    if (cp < 0) return undefined;
    if (isLowSurrogate(cp) && prevLoneHigh) return undefined;
    prevLoneHigh = isHighSurrogate(cp);
    pushUtf16(units, cp);
    i += n;
  }
  return unitsToString(units);
}

const HEX = '0123456789abcdef';
const HEX_UNITS = Array.from(HEX, (c) => c.charCodeAt(0));
/** Scratch code units for bytesToOid; filled and read within one call. */
const OID_UNITS: number[] = new Array<number>(24).fill(0);

export function oidToBytes(oid: string): Uint8Array {
  assert(isValidOid(oid), () => `invalid OID ${JSON.stringify(oid)}`);
  const out = new Uint8Array(12);
  // A valid OID is lowercase hex: each digit's value straight from its char code, no substrings.
  for (let i = 0; i < 12; i++) out[i] = (hexDigit(oid.charCodeAt(2 * i)) << 4) | hexDigit(oid.charCodeAt(2 * i + 1));
  return out;
}

/** The value of a lowercase hex digit's char code ('0'-'9', 'a'-'f'). */
function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

/** Lowercase hex of any 12 bytes, so every 12-byte string is a valid OID. */
export function bytesToOid(b: Uint8Array, start = 0): string {
  assert(start + 12 <= b.length, 'OID needs 12 bytes');
  // One flat string from 24 code units, rather than a chain of 24 concatenations
  // that every later comparison or hash of the id would have to walk.
  for (let i = 0; i < 12; i++) {
    const x = b[start + i]!;
    OID_UNITS[2 * i] = HEX_UNITS[x >> 4]!;
    OID_UNITS[2 * i + 1] = HEX_UNITS[x & 15]!;
  }
  return String.fromCharCode.apply(null, OID_UNITS);
}

/** Unsigned lexicographic byte order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): Sign {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return cmp(a.length, b.length);
}

// ---------------------------------------------------------------------------
// Order-preserving key encoding.
//
// Each value is a tag byte followed by its payload; a DESC value has every
// byte of tag and payload inverted (XOR 0xff), which reverses its order while
// keeping it self-delimiting. Tags follow the cross-type order of
// compareValues with NULL lowest. INT64 and FLOAT64 have different tags, so a
// column must hold one numeric type (the column's declared type) for byte
// order to match numeric order across rows.

export const KEY_TAG = {
  null: 0x05,
  bool: 0x10,
  int64: 0x20,
  float64: 0x21,
  string: 0x30,
  oid: 0x40,
} as const satisfies Record<SqlValue['type'], number>;

const SIGN64 = 1n << 63n;
// Canonical NaN after the order transform: the quiet NaN 0x7ff8... with its
// sign bit flipped. It is above +Infinity (0xfff0...), so NaN sorts last.
const NAN_HI = 0xfff80000;
const scratch = new DataView(new ArrayBuffer(8));

function writeEscaped(w: Writer, data: Uint8Array, mask: number): void {
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0) {
      w.u8(0x00 ^ mask);
      w.u8(0xff ^ mask);
    } else {
      w.u8(b ^ mask);
    }
  }
  // The terminator 0x00 0x01 is below any escaped 0x00 (0x00 0xff) and any
  // other byte, so a string sorts before every string it is a proper prefix of.
  w.u8(0x00 ^ mask);
  w.u8(0x01 ^ mask);
}

function writeKeyValue(w: Writer, v: SqlValue, mask: number): void {
  checkValue(v);
  w.u8(KEY_TAG[v.type] ^ mask);
  switch (v.type) {
    case 'null':
      return;
    case 'bool':
      w.u8((v.value ? 1 : 0) ^ mask);
      return;
    case 'int64': {
      scratch.setBigUint64(0, BigInt.asUintN(64, v.value) ^ SIGN64);
      for (let i = 0; i < 8; i++) w.u8(scratch.getUint8(i) ^ mask);
      return;
    }
    case 'float64': {
      let hi: number;
      let lo: number;
      if (Number.isNaN(v.value)) {
        hi = NAN_HI;
        lo = 0;
      } else {
        // `+ 0` turns -0 into 0: equal values must have equal keys.
        scratch.setFloat64(0, v.value + 0);
        hi = scratch.getUint32(0);
        lo = scratch.getUint32(4);
        if (hi & 0x80000000) {
          hi = ~hi >>> 0;
          lo = ~lo >>> 0;
        } else {
          hi = (hi | 0x80000000) >>> 0;
        }
      }
      scratch.setUint32(0, hi);
      scratch.setUint32(4, lo);
      for (let i = 0; i < 8; i++) w.u8(scratch.getUint8(i) ^ mask);
      return;
    }
    case 'string':
      writeEscaped(w, encodeStringBytes(v.value), mask);
      return;
    case 'oid':
      writeEscaped(w, oidToBytes(v.value), mask);
      return;
    default:
      return assertNever(v, 'SQL value');
  }
}

/**
 * Encodes a tuple so that byte order is SQL tuple order. `desc` may be longer
 * than `values`: an index's full direction list encodes a prefix of its
 * columns for range scans.
 */
export function encodeKey(values: readonly SqlValue[], desc?: readonly boolean[]): Uint8Array {
  assert(desc === undefined || desc.length >= values.length, 'encodeKey: fewer directions than values');
  const w = new Writer(16 * values.length + 8);
  for (let i = 0; i < values.length; i++) writeKeyValue(w, values[i]!, desc?.[i] ? 0xff : 0);
  return w.finish();
}

function keyCorrupt(message: string): Error {
  return camusError('SystemSpaceCorrupt', `corrupt index key: ${message}`);
}

class KeyCursor {
  pos: number;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  next(mask: number): number {
    if (this.pos >= this.bytes.length) throw keyCorrupt('truncated');
    return this.bytes[this.pos++]! ^ mask;
  }

  fixed8(mask: number): void {
    for (let i = 0; i < 8; i++) scratch.setUint8(i, this.next(mask));
  }

  escaped(mask: number): Uint8Array {
    const out: number[] = [];
    for (;;) {
      const b = this.next(mask);
      if (b !== 0) {
        out.push(b);
        continue;
      }
      const e = this.next(mask);
      if (e === 0x01) return Uint8Array.from(out);
      if (e !== 0xff) throw keyCorrupt('bad escape');
      out.push(0);
    }
  }
}

function readKeyValue(c: KeyCursor, type: SqlType, mask: number): SqlValue {
  const tag = c.next(mask);
  if (tag === KEY_TAG.null) return NULL_VALUE;
  if (tag !== KEY_TAG[type]) throw keyCorrupt(`tag 0x${tag.toString(16)} for a ${type} column`);
  switch (type) {
    case 'bool': {
      const b = c.next(mask);
      if (b > 1) throw keyCorrupt('bool byte out of range');
      return { type: 'bool', value: b === 1 };
    }
    case 'int64':
      c.fixed8(mask);
      return { type: 'int64', value: BigInt.asIntN(64, scratch.getBigUint64(0) ^ SIGN64) };
    case 'float64': {
      c.fixed8(mask);
      let hi = scratch.getUint32(0);
      let lo = scratch.getUint32(4);
      if (hi === NAN_HI && lo === 0) return { type: 'float64', value: NaN };
      if (hi & 0x80000000) {
        hi = (hi & 0x7fffffff) >>> 0;
      } else {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      }
      scratch.setUint32(0, hi);
      scratch.setUint32(4, lo);
      const value = scratch.getFloat64(0);
      // Only the canonical forms are valid, so equal values have one key.
      if (Number.isNaN(value) || Object.is(value, -0)) throw keyCorrupt('non-canonical float');
      return { type: 'float64', value };
    }
    case 'string': {
      const value = decodeStringBytes(c.escaped(mask));
      if (value === undefined) throw keyCorrupt('invalid UTF-8');
      return { type: 'string', value };
    }
    case 'oid': {
      const raw = c.escaped(mask);
      if (raw.length !== 12) throw keyCorrupt('OID is not 12 bytes');
      return { type: 'oid', value: bytesToOid(raw) };
    }
    default:
      return assertNever(type, 'SQL type');
  }
}

/**
 * Decodes `types.length` values starting at `offset` and returns where they
 * end, so a caller can read what follows (such as an appended row id).
 * Throws CamusError SystemSpaceCorrupt on malformed input.
 */
export function decodeKeyPrefix(
  bytes: Uint8Array,
  types: readonly SqlType[],
  desc?: readonly boolean[],
  offset = 0,
): { values: SqlValue[]; end: number } {
  assert(desc === undefined || desc.length >= types.length, 'decodeKey: fewer directions than types');
  const c = new KeyCursor(bytes, offset);
  const values: SqlValue[] = [];
  for (let i = 0; i < types.length; i++) values.push(readKeyValue(c, types[i]!, desc?.[i] ? 0xff : 0));
  return { values, end: c.pos };
}

/** Inverse of encodeKey (-0 comes back as 0, any NaN as the canonical NaN). */
export function decodeKey(bytes: Uint8Array, types: readonly SqlType[], desc?: readonly boolean[]): SqlValue[] {
  const { values, end } = decodeKeyPrefix(bytes, types, desc);
  if (end !== bytes.length) throw keyCorrupt('trailing bytes');
  return values;
}

// ---------------------------------------------------------------------------
// Keys as strings. The store is a sorted map of JS strings compared by UTF-16
// code unit. Mapping each byte to the single char U+0000..U+00FF (latin1
// style) makes string order equal byte order, and every char of an encoded
// key stays at or below U+00FF; keys.ts relies on that bound for its ranges.

export function keyBytesToString(bytes: Uint8Array): string {
  return unitsToString(bytes);
}

/** Inverse of keyBytesToString; a char above U+00FF means the key is not one of ours. */
export function keyStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw keyCorrupt(`char U+${c.toString(16)} in an encoded key`);
    out[i] = c;
  }
  return out;
}
