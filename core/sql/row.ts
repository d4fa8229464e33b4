// Row value encoding. A row is self-describing: every value carries a type
// tag, so rows written under any older schema version still decode without
// the schema; the SQL layer maps positions to columns by the schema version.
//
//   u8       format (ROW_FORMAT)
//   uvarint  schema version
//   12 bytes row id (the OID's raw bytes)
//   uvarint  number of values
//   values   one per column in schema order: tag byte, then
//              null    nothing
//              oid     12 raw bytes
//              int64   8 bytes big-endian two's complement (exact, never a double)
//              string  uvarint byte length, then UTF-8 (generalized for lone surrogates)
//              bool    one byte, 0 or 1
//              float64 8 bytes IEEE 754 big-endian (-0 and infinities kept)
//
// Decoding is all or nothing: malformed, truncated or trailing input raises
// CamusError SystemSpaceCorrupt and never a partial row. The format has no
// checksum of its own; the disk and log layers detect bit rot.

import { assert, assertNever } from '../assert.js';
import { camusError } from '../errors.js';
import { isAscii, Writer } from '../util/codec.js';
import {
  bytesToOid,
  checkValue,
  decodeStringBytes,
  encodeStringBytes,
  isValidOid,
  NULL_VALUE,
  oidToBytes,
  type SqlValue,
} from './encoding.js';

export const ROW_FORMAT = 0x01;

const ROW_TAG = {
  null: 0,
  oid: 1,
  int64: 2,
  string: 3,
  bool: 4,
  float64: 5,
} as const satisfies Record<SqlValue['type'], number>;

export interface DecodedRow {
  schemaVersion: number;
  rowId: string;
  values: SqlValue[];
}

const scratch = new DataView(new ArrayBuffer(8));

export function encodeRow(schemaVersion: number, rowId: string, values: readonly SqlValue[]): Uint8Array {
  assert(Number.isSafeInteger(schemaVersion) && schemaVersion >= 0, () => `bad schema version ${schemaVersion}`);
  assert(isValidOid(rowId), () => `invalid row id ${JSON.stringify(rowId)}`);
  const w = new Writer(24 + 12 * values.length);
  w.u8(ROW_FORMAT);
  w.uvar(schemaVersion);
  w.raw(oidToBytes(rowId));
  w.uvar(values.length);
  for (const v of values) {
    checkValue(v);
    w.u8(ROW_TAG[v.type]);
    switch (v.type) {
      case 'null':
        break;
      case 'oid':
        w.raw(oidToBytes(v.value));
        break;
      case 'int64':
        scratch.setBigInt64(0, v.value);
        for (let i = 0; i < 8; i++) w.u8(scratch.getUint8(i));
        break;
      case 'string': {
        // An ASCII string's UTF-8 is its code units: the same length prefix and bytes, written without a copy.
        if (isAscii(v.value)) {
          w.ascii(v.value);
          break;
        }
        const b = encodeStringBytes(v.value);
        w.uvar(b.length);
        w.raw(b);
        break;
      }
      case 'bool':
        w.u8(v.value ? 1 : 0);
        break;
      case 'float64':
        scratch.setFloat64(0, v.value);
        for (let i = 0; i < 8; i++) w.u8(scratch.getUint8(i));
        break;
      default:
        assertNever(v, 'SQL value');
    }
  }
  return w.finish();
}

function corrupt(message: string): Error {
  return camusError('SystemSpaceCorrupt', `corrupt row: ${message}`);
}

class RowReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  get remaining(): number {
    return this.b.length - this.pos;
  }

  need(n: number): void {
    if (n > this.remaining) throw corrupt('truncated');
  }

  u8(): number {
    if (this.pos >= this.b.length) throw corrupt('truncated');
    return this.b[this.pos++]!;
  }

  /** Canonical LEB128 of a safe integer: at most 8 bytes, no redundant trailing zero group. */
  uvarint(): number {
    // One byte, the usual case (lengths, counts and versions below 128): no loop.
    if (this.pos < this.b.length && this.b[this.pos]! < 0x80) return this.b[this.pos++]!;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        if (byte === 0 && i > 0) throw corrupt('non-canonical varint');
        if (!Number.isSafeInteger(x)) throw corrupt('varint out of range');
        return x;
      }
      mul *= 0x80;
    }
    throw corrupt('varint too long');
  }

  fixed8(): void {
    this.need(8);
    for (let i = 0; i < 8; i++) scratch.setUint8(i, this.b[this.pos++]!);
  }

  oid(): string {
    this.need(12);
    const s = bytesToOid(this.b, this.pos);
    this.pos += 12;
    return s;
  }
}

/**
 * Decodes a stored row. With `withRowId` false the row id's bytes are still
 * required but its string is not built (rowId is ''): for readers that only
 * want the values.
 */
export function decodeRow(bytes: Uint8Array, withRowId = true): DecodedRow {
  const r = new RowReader(bytes);
  const format = r.u8();
  if (format !== ROW_FORMAT) throw corrupt(`unknown format ${format}`);
  const schemaVersion = r.uvarint();
  let rowId = '';
  if (withRowId) rowId = r.oid();
  else {
    r.need(12);
    r.pos += 12;
  }
  const count = r.uvarint();
  // Each value takes at least its tag byte; checking first keeps garbage from
  // asking for a huge allocation.
  if (count > r.remaining) throw corrupt('value count exceeds the input');
  // Sized up front (count is bounded by the input just above) rather than grown by push.
  const values = new Array<SqlValue>(count);
  for (let i = 0; i < count; i++) {
    const tag = r.u8();
    switch (tag) {
      case ROW_TAG.null:
        values[i] = NULL_VALUE;
        break;
      case ROW_TAG.oid:
        values[i] = { type: 'oid', value: r.oid() };
        break;
      case ROW_TAG.int64:
        r.fixed8();
        values[i] = { type: 'int64', value: scratch.getBigInt64(0) };
        break;
      case ROW_TAG.string: {
        const n = r.uvarint();
        r.need(n);
        const value = decodeStringBytes(bytes, r.pos, r.pos + n);
        if (value === undefined) throw corrupt('invalid UTF-8');
        r.pos += n;
        values[i] = { type: 'string', value };
        break;
      }
      case ROW_TAG.bool: {
        const b = r.u8();
        if (b > 1) throw corrupt('bool byte out of range');
        values[i] = { type: 'bool', value: b === 1 };
        break;
      }
      case ROW_TAG.float64:
        r.fixed8();
        values[i] = { type: 'float64', value: scratch.getFloat64(0) };
        break;
      default:
        throw corrupt(`unknown value tag ${tag}`);
    }
  }
  if (r.remaining !== 0) throw corrupt('trailing bytes');
  return { schemaVersion, rowId, values };
}
