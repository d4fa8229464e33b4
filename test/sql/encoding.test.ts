import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../../core/assert.js';
import { CamusError } from '../../core/errors.js';
import {
  boolValue,
  bytesToOid,
  compareBytes,
  compareStrings,
  compareTuples,
  compareValues,
  decodeKey,
  decodeKeyPrefix,
  decodeStringBytes,
  encodeKey,
  encodeStringBytes,
  float64Value,
  int64Value,
  INT64_MAX,
  INT64_MIN,
  keyBytesToString,
  keyStringToBytes,
  NULL_VALUE,
  oidValue,
  SQL_TYPES,
  stringValue,
  type SqlType,
  type SqlValue,
} from '../../core/sql/encoding.js';
import {
  bucketOf,
  indexKey,
  indexPrefix,
  isSafeId,
  isValidOid,
  newOid,
  OidSource,
  parseIndexKey,
  parseRowKey,
  rowKey,
  schemaKey,
  systemKey,
  tablePrefix,
} from '../../core/sql/keys.js';
import { decodeRow, encodeRow } from '../../core/sql/row.js';

const RUNS = { numRuns: 2000 };

// ---------------------------------------------------------------------------
// Arbitraries. Small pools next to the wide generators make equal values and
// shared prefixes common, which is where order bugs hide.

const int64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.constantFrom(
    INT64_MIN,
    INT64_MIN + 1n,
    INT64_MAX,
    INT64_MAX - 1n,
    0n,
    -1n,
    1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 53n - 1n,
    -(2n ** 53n),
    -(2n ** 53n) - 1n,
    2n ** 63n - 512n,
    2n ** 63n - 1024n,
  ),
  fc.bigInt({ min: -3n, max: 3n }),
);

const float64Arb: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    2 ** 63,
    -(2 ** 63),
    0.5,
    -0.5,
    1.5,
  ),
  fc.integer({ min: -3, max: 3 }),
);

const unitPool = ['a', 'b', '\u0000', '\u0001', '\u00ff', '\u007f', '\u0080', '\u07ff', '\u0800', '\ue000', '\uffff', '😀', '\u{10ffff}', '\u{10000}', '\u{103ff}', '\ud800', '\udc00', '\udbff', 'é'];

const stringArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...unitPool), maxLength: 6 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.constantFrom('', 'a', 'a\u0000', 'a\u0000\u0000', 'a\u0001', 'ab', 'b', '\u0000', '\u00ff'),
);

const oidArb: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => bytesToOid(b)),
  fc.constantFrom('000000000000000000000000', 'ffffffffffffffffffffffff', '000000000000000000000100', '00000000000000000000ff00'),
);

function valueArb(type: SqlType, nulls = true): fc.Arbitrary<SqlValue> {
  let arb: fc.Arbitrary<SqlValue>;
  switch (type) {
    case 'oid':
      arb = oidArb.map(oidValue);
      break;
    case 'int64':
      arb = int64Arb.map(int64Value);
      break;
    case 'string':
      arb = stringArb.map(stringValue);
      break;
    case 'bool':
      arb = fc.boolean().map(boolValue);
      break;
    case 'float64':
      arb = float64Arb.map(float64Value);
      break;
  }
  return nulls ? fc.oneof({ arbitrary: arb, weight: 5 }, { arbitrary: fc.constant(NULL_VALUE), weight: 1 }) : arb;
}

const schemaArb = fc.array(fc.record({ type: fc.constantFrom(...SQL_TYPES), desc: fc.boolean() }), {
  minLength: 1,
  maxLength: 4,
});

function tupleArb(schema: { type: SqlType }[]): fc.Arbitrary<SqlValue[]> {
  return fc.tuple(...schema.map((c) => valueArb(c.type)));
}

/** A schema and several tuples that conform to it. */
const schemaAndTuplesArb = schemaArb.chain((schema) =>
  fc.record({ schema: fc.constant(schema), tuples: fc.array(tupleArb(schema), { minLength: 2, maxLength: 8 }) }),
);

/** -0 encodes as 0 in keys; everything else must come back as it went in. */
function normalizeKeyValue(v: SqlValue): SqlValue {
  return v.type === 'float64' && Object.is(v.value, -0) ? { type: 'float64', value: 0 } : v;
}

function expectCamusCorrupt(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof CamusError) || e.code !== 'CADB0014') throw e;
    return;
  }
}

// An exact reference for numeric order: a finite double is m * 2^e with
// integer m and e, so comparisons become bigint arithmetic.
function exactDouble(d: number): { m: bigint; e: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, d);
  const bits = dv.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = exp === 0 ? frac : frac | (1n << 52n);
  const e = exp === 0 ? -1074 : exp - 1075;
  return { m: neg ? -m : m, e };
}

function refNumeric(v: SqlValue): { kind: 'nan' | 'inf' | '-inf' } | { kind: 'finite'; m: bigint; e: number } {
  if (v.type === 'int64') return { kind: 'finite', m: v.value, e: 0 };
  if (v.type !== 'float64') throw new Error('not numeric');
  if (Number.isNaN(v.value)) return { kind: 'nan' };
  if (v.value === Infinity) return { kind: 'inf' };
  if (v.value === -Infinity) return { kind: '-inf' };
  return { kind: 'finite', ...exactDouble(v.value) };
}

function refCompareNumeric(a: SqlValue, b: SqlValue): number {
  const rank = (x: ReturnType<typeof refNumeric>) => (x.kind === '-inf' ? 0 : x.kind === 'finite' ? 1 : x.kind === 'inf' ? 2 : 3);
  const x = refNumeric(a);
  const y = refNumeric(b);
  if (x.kind !== 'finite' || y.kind !== 'finite') return Math.sign(rank(x) - rank(y));
  const e = Math.min(x.e, y.e);
  const xs = x.m << BigInt(x.e - e);
  const ys = y.m << BigInt(y.e - e);
  return xs < ys ? -1 : xs > ys ? 1 : 0;
}

// ---------------------------------------------------------------------------

describe('compareValues', () => {
  it('orders across types: NULL < BOOL < numbers < STRING < OID', () => {
    const ordered = [NULL_VALUE, boolValue(false), boolValue(true), int64Value(-5), float64Value(-1.5), int64Value(0), float64Value(0.5), stringValue(''), stringValue('a'), oidValue('000000000000000000000000')];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(compareValues(ordered[i]!, ordered[j]!)).toBe(Math.sign(i - j));
      }
    }
  });

  it('compares int64 and float64 exactly beyond 2^53', () => {
    const i = (x: bigint) => int64Value(x);
    const f = (x: number) => float64Value(x);
    expect(compareValues(i(2n ** 53n + 1n), f(2 ** 53))).toBe(1);
    expect(compareValues(f(2 ** 53), i(2n ** 53n + 1n))).toBe(-1);
    expect(compareValues(i(2n ** 53n), f(2 ** 53))).toBe(0);
    expect(compareValues(i(INT64_MAX), f(2 ** 63))).toBe(-1);
    expect(compareValues(i(INT64_MIN), f(-(2 ** 63)))).toBe(0);
    expect(compareValues(i(INT64_MIN), f(-(2 ** 63) - 4096))).toBe(1);
    expect(compareValues(i(1n), f(1.5))).toBe(-1);
    expect(compareValues(i(-1n), f(-1.5))).toBe(1);
    expect(compareValues(i(-2n), f(-1.5))).toBe(-1);
    expect(compareValues(i(0n), f(-0))).toBe(0);
    expect(compareValues(i(INT64_MAX), f(Infinity))).toBe(-1);
    expect(compareValues(i(INT64_MIN), f(-Infinity))).toBe(1);
    expect(compareValues(i(INT64_MAX), f(NaN))).toBe(-1);
    expect(compareValues(f(NaN), f(NaN))).toBe(0);
    expect(compareValues(f(NaN), f(Infinity))).toBe(1);
    expect(compareValues(f(-0), f(0))).toBe(0);
  });

  it('matches an exact rational reference on mixed numbers', () => {
    const num = fc.oneof(int64Arb.map(int64Value), float64Arb.map(float64Value));
    fc.assert(
      fc.property(num, num, (a, b) => {
        expect(compareValues(a, b)).toBe(refCompareNumeric(a, b));
        expect(compareValues(b, a)).toBe(-refCompareNumeric(a, b) || 0);
      }),
      RUNS,
    );
  });

  it('orders strings like their UTF-8 bytes, including lone surrogates', () => {
    fc.assert(
      fc.property(stringArb, stringArb, (a, b) => {
        expect(compareStrings(a, b)).toBe(compareBytes(encodeStringBytes(a), encodeStringBytes(b)));
      }),
      RUNS,
    );
    expect(compareStrings('\uffff', '😀')).toBe(-1);
    expect('\uffff' < '😀').toBe(false);
    expect(compareStrings('\ud800', '😀')).toBe(-1);
    expect(compareStrings('\ud800x', '\ud800\udc00')).toBe(-1);
    // The first difference is in the low half of a pair: compare whole code points.
    expect(compareStrings('\ud800\ue000', '\ud800\udc00')).toBe(-1);
    expect(compareStrings('\ud800\udc00', '\ud800\ue000')).toBe(1);
  });
});

describe('string bytes', () => {
  it('is UTF-8 for valid Unicode and lossless for every JS string', () => {
    // Mostly-ASCII strings too: ASCII takes a fast path, and one later unit leaves it.
    const mostlyAscii = fc.tuple(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }), fc.constantFrom('', 'é', '\u0080', '😀', '\uffff')).map(([a, b]) => a + b);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), mostlyAscii), (s) => {
        expect(Array.from(encodeStringBytes(s))).toEqual(Array.from(Buffer.from(s, 'utf8')));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(stringArb, (s) => {
        expect(decodeStringBytes(encodeStringBytes(s))).toBe(s);
      }),
      RUNS,
    );
  });

  it('rejects malformed UTF-8', () => {
    const bad = [[0x80], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]];
    for (const b of bad) expect(decodeStringBytes(Uint8Array.from(b))).toBeUndefined();
  });
});

describe('key encoding', () => {
  it('byte order equals SQL tuple order, ASC and DESC', () => {
    fc.assert(
      fc.property(schemaAndTuplesArb, ({ schema, tuples }) => {
        const desc = schema.map((c) => c.desc);
        const keys = tuples.map((t) => encodeKey(t, desc));
        for (let i = 0; i < tuples.length; i++) {
          for (let j = 0; j < tuples.length; j++) {
            expect(compareBytes(keys[i]!, keys[j]!)).toBe(compareTuples(tuples[i]!, tuples[j]!, desc));
          }
        }
      }),
      RUNS,
    );
  });

  it('byte order equals SQL order for columns mixing non-numeric types', () => {
    const anyNonFloat = fc.constantFrom<SqlType>('oid', 'int64', 'string', 'bool').chain((t) => valueArb(t));
    const tuple = (n: number) => fc.array(anyNonFloat, { minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(tuple(n), tuple(n), fc.array(fc.boolean(), { minLength: n, maxLength: n }))),
        ([a, b, desc]) => {
          expect(compareBytes(encodeKey(a, desc), encodeKey(b, desc))).toBe(compareTuples(a, b, desc));
        },
      ),
      RUNS,
    );
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(
        schemaArb.chain((schema) => fc.tuple(fc.constant(schema), tupleArb(schema))),
        ([schema, tuple]) => {
          const types = schema.map((c) => c.type);
          const desc = schema.map((c) => c.desc);
          const bytes = encodeKey(tuple, desc);
          expect(decodeKey(bytes, types, desc)).toEqual(tuple.map(normalizeKeyValue));
          // A prefix of the columns encodes to a byte prefix of the full key.
          const k = Math.max(0, tuple.length - 1);
          const prefix = encodeKey(tuple.slice(0, k), desc);
          expect(Array.from(bytes.subarray(0, prefix.length))).toEqual(Array.from(prefix));
          expect(decodeKeyPrefix(bytes, types.slice(0, k), desc).end).toBe(prefix.length);
        },
      ),
      RUNS,
    );
  });

  it('encodes fixed layouts as documented', () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(hex(encodeKey([NULL_VALUE]))).toBe('05');
    expect(hex(encodeKey([int64Value(0)]))).toBe('208000000000000000');
    expect(hex(encodeKey([int64Value(-1)]))).toBe('207fffffffffffffff');
    expect(hex(encodeKey([int64Value(INT64_MIN)]))).toBe('200000000000000000');
    expect(hex(encodeKey([float64Value(0)]))).toBe('218000000000000000');
    expect(hex(encodeKey([float64Value(-0)]))).toBe('218000000000000000');
    expect(hex(encodeKey([float64Value(NaN)]))).toBe('21fff8000000000000');
    expect(hex(encodeKey([boolValue(true)]))).toBe('1001');
    expect(hex(encodeKey([stringValue('a\u0000')]))).toBe('306100ff0001');
    expect(hex(encodeKey([stringValue('a')], [true]))).toBe('cf9efffe');
    expect(hex(encodeKey([oidValue('00000000000000000000000a')]))).toBe('40' + '00ff'.repeat(11) + '0a0001');
  });

  it('rejects garbage with SystemSpaceCorrupt only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), schemaArb, (bytes, schema) => {
        expectCamusCorrupt(() =>
          decodeKey(
            bytes,
            schema.map((c) => c.type),
            schema.map((c) => c.desc),
          ),
        );
      }),
      RUNS,
    );
    expect(() => decodeKey(Uint8Array.from([0x21, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), ['float64'])).toThrow(CamusError);
    expect(() => decodeKey(Uint8Array.from([0x10, 0x02]), ['bool'])).toThrow(CamusError);
    expect(() => decodeKey(Uint8Array.from([0x10, 0x01, 0x00]), ['bool'])).toThrow(CamusError);
  });

  it('keeps byte order as string order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), (a, b) => {
        const sa = keyBytesToString(a);
        const sb = keyBytesToString(b);
        expect(sa < sb ? -1 : sa > sb ? 1 : 0).toBe(compareBytes(a, b));
        expect(Array.from(keyStringToBytes(sa))).toEqual(Array.from(a));
      }),
      RUNS,
    );
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    expect(Array.from(keyStringToBytes(keyBytesToString(big)))).toEqual(Array.from(big));
    expect(() => keyStringToBytes('\u0100')).toThrow(CamusError);
  });
});

describe('row encoding', () => {
  const anyValue = fc.constantFrom(...SQL_TYPES).chain((t) => valueArb(t));
  const rowArb = fc.record({
    schemaVersion: fc.oneof(fc.nat(300), fc.constant(Number.MAX_SAFE_INTEGER)),
    rowId: oidArb,
    values: fc.array(anyValue, { maxLength: 8 }),
  });

  it('writes a string value as its tag, UTF-8 byte length and bytes, ASCII or not', () => {
    for (const s of ['', 'kv-0001', 'x'.repeat(200), 'caf\u00e9', '\ud800']) {
      const bytes = encodeRow(7, '0123456789abcdef01234567', [stringValue(s)]);
      const utf8 = encodeStringBytes(s);
      const len = utf8.length < 0x80 ? [utf8.length] : [(utf8.length & 0x7f) | 0x80, utf8.length >> 7];
      // format, schema version, 12 row-id bytes, value count, then the value.
      expect(Array.from(bytes.subarray(14))).toEqual([1, 3, ...len, ...utf8]);
      expect(decodeRow(bytes).values).toEqual([stringValue(s)]);
    }
  });

  it('round-trips exactly (including -0 and int64 extremes)', () => {
    fc.assert(
      fc.property(rowArb, (row) => {
        const decoded = decodeRow(encodeRow(row.schemaVersion, row.rowId, row.values));
        expect(decoded.schemaVersion).toBe(row.schemaVersion);
        expect(decoded.rowId).toBe(row.rowId);
        expect(decoded.values).toEqual(row.values);
        decoded.values.forEach((v, i) => {
          const w = row.values[i]!;
          if (v.type === 'float64' && w.type === 'float64') expect(Object.is(v.value, w.value) || (Number.isNaN(v.value) && Number.isNaN(w.value))).toBe(true);
        });
      }),
      RUNS,
    );
  });

  it('rejects every truncation with SystemSpaceCorrupt', () => {
    fc.assert(
      fc.property(rowArb, (row) => {
        const bytes = encodeRow(row.schemaVersion, row.rowId, row.values);
        for (let n = 0; n < bytes.length; n++) {
          let error: unknown;
          try {
            decodeRow(bytes.subarray(0, n));
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(CamusError);
          expect((error as CamusError).code).toBe('CADB0014');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decodes corrupted input fully or throws SystemSpaceCorrupt, nothing else', () => {
    const edit = fc.record({ pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete') });
    fc.assert(
      fc.property(rowArb, fc.array(edit, { minLength: 1, maxLength: 4 }), (row, edits) => {
        const bytes = Array.from(encodeRow(row.schemaVersion, row.rowId, row.values));
        for (const e of edits) {
          const p = e.pos % (bytes.length + 1);
          if (e.kind === 'set' && p < bytes.length) bytes[p] = e.byte;
          else if (e.kind === 'insert') bytes.splice(p, 0, e.byte);
          else if (e.kind === 'delete' && p < bytes.length) bytes.splice(p, 1);
        }
        expectCamusCorrupt(() => {
          const d = decodeRow(Uint8Array.from(bytes));
          // Whatever decodes is a well-formed row that encodes again.
          expect(isValidOid(d.rowId)).toBe(true);
          encodeRow(d.schemaVersion, d.rowId, d.values);
        });
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expectCamusCorrupt(() => decodeRow(bytes));
      }),
      RUNS,
    );
  });

  it('rejects specific malformed rows', () => {
    const good = encodeRow(1, '0123456789abcdef01234567', [stringValue('x'), boolValue(true)]);
    expect(decodeRow(good).values).toEqual([stringValue('x'), boolValue(true)]);
    const withTrailing = Uint8Array.from([...good, 0]);
    expect(() => decodeRow(withTrailing)).toThrow(CamusError);
    const badFormat = Uint8Array.from(good);
    badFormat[0] = 9;
    expect(() => decodeRow(badFormat)).toThrow(CamusError);
    const badBool = Uint8Array.from(good);
    badBool[badBool.length - 1] = 2;
    expect(() => decodeRow(badBool)).toThrow(CamusError);
    // A huge value count must fail fast, not allocate.
    const hugeCount = Uint8Array.from([1, 0, ...new Uint8Array(12), 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => decodeRow(hugeCount)).toThrow(CamusError);
  });
});

describe('storage layout', () => {
  const rid = '0123456789abcdef01234567';

  it('builds the documented keys', () => {
    expect(rowKey('t1', rid)).toBe(`t1:r/${rid}`);
    expect(indexKey('t1', 'idx', Uint8Array.from([0x30, 0x61, 0x00, 0x01]))).toBe('t1:i:idx/0a\u0000\u0001');
    expect(indexKey('t1', 'idx', Uint8Array.from([0x05]), rid)).toBe(`t1:i:idx/\u0005${rid}`);
    expect(schemaKey('db')).toBe('db/meta/schema');
    expect(systemKey('db')).toBe('db/meta/system');
    expect(tablePrefix('t1')).toEqual({ start: 't1:r/', end: 't1:r/\u0100' });
    expect(indexPrefix('t1', 'idx')).toEqual({ start: 't1:i:idx/', end: 't1:i:idx/\u0100' });
    expect(indexPrefix('t1', 'idx', Uint8Array.from([0x10, 0x01]))).toEqual({ start: 't1:i:idx/\u0010\u0001', end: 't1:i:idx/\u0010\u0001\u0100' });
  });

  it('takes the bucket from before the first slash', () => {
    expect(bucketOf(rowKey('t1', rid))).toBe('t1:r');
    expect(bucketOf(indexKey('t1', 'idx', encodeKey([stringValue('a/b')]), rid))).toBe('t1:i:idx');
    expect(bucketOf(schemaKey('db'))).toBe('db');
    expect(bucketOf(systemKey('db'))).toBe('db');
    expect(bucketOf(tablePrefix('t1').end)).toBe('t1:r');
    expect(bucketOf(indexPrefix('t1', 'idx').end)).toBe('t1:i:idx');
    expect(bucketOf('nobucket')).toBe('nobucket');
  });

  it('asserts safe ids and valid row ids', () => {
    expect(isSafeId('users_1')).toBe(true);
    for (const bad of ['', 'a:b', 'a/b', 'a b', 'é']) expect(isSafeId(bad)).toBe(false);
    expect(() => rowKey('a:b', rid)).toThrow(AssertionError);
    expect(() => rowKey('t', 'xyz')).toThrow(AssertionError);
    expect(() => indexKey('t', 'i/x', new Uint8Array())).toThrow(AssertionError);
    expect(() => schemaKey('d/b')).toThrow(AssertionError);
  });

  it('parses keys back', () => {
    expect(parseRowKey(rowKey('t1', rid))).toEqual({ tableId: 't1', rowId: rid });
    const enc = encodeKey([stringValue('x'), int64Value(7)]);
    const p = parseIndexKey(indexKey('t1', 'idx', enc, rid), true);
    expect(p.tableId).toBe('t1');
    expect(p.indexId).toBe('idx');
    expect(p.rowId).toBe(rid);
    expect(Array.from(p.encodedKey)).toEqual(Array.from(enc));
    const u = parseIndexKey(indexKey('t1', 'idx', enc), false);
    expect(u.rowId).toBeUndefined();
    expect(Array.from(u.encodedKey)).toEqual(Array.from(enc));
    for (const bad of ['t1:x/' + rid, 't1:r/xyz', 'nokey', ':r/' + rid]) expect(() => parseRowKey(bad)).toThrow(CamusError);
    expect(() => parseIndexKey('t1:i:idx/ab', true)).toThrow(CamusError);
    expect(() => parseIndexKey('t1:r/' + rid, false)).toThrow(CamusError);
  });

  it('prefix ranges hold exactly the keys with the prefix', () => {
    const keyArb = fc.oneof(
      fc.tuple(fc.constantFrom('t1', 't2', 't'), oidArb).map(([t, r]) => rowKey(t, r)),
      fc
        .tuple(fc.constantFrom('t1', 't2'), fc.constantFrom('a', 'b', 'ab'), fc.constantFrom(...SQL_TYPES).chain((t) => valueArb(t)), fc.option(oidArb, { nil: undefined }))
        .map(([t, i, v, r]) => indexKey(t, i, encodeKey([v]), r)),
      fc.constantFrom('db/meta/schema', 't1/meta/system'),
    );
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 30 }), fc.constantFrom('t1', 't2', 't'), fc.constantFrom('a', 'b', 'ab'), (keys, t, i) => {
        const rows = tablePrefix(t);
        const idx = indexPrefix(t, i);
        for (const k of keys) {
          expect(k >= rows.start && k < rows.end).toBe(k.startsWith(`${t}:r/`));
          expect(k >= idx.start && k < idx.end).toBe(k.startsWith(`${t}:i:${i}/`));
        }
      }),
      RUNS,
    );
  });

  it('index key string order follows SQL order, then row id', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(fc.constantFrom(...SQL_TYPES), fc.boolean())
          .chain(([type, desc]) => fc.tuple(fc.constant(desc), fc.array(fc.tuple(valueArb(type), oidArb), { minLength: 2, maxLength: 6 }))),
        ([desc, entries]) => {
          for (const [va, ra] of entries) {
            for (const [vb, rb] of entries) {
              const ka = indexKey('t', 'i', encodeKey([va], [desc]), ra);
              const kb = indexKey('t', 'i', encodeKey([vb], [desc]), rb);
              const expected = compareTuples([va], [vb], [desc]) || (ra < rb ? -1 : ra > rb ? 1 : 0);
              expect(ka < kb ? -1 : ka > kb ? 1 : 0).toBe(expected);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('OIDs', () => {
  it('lays out seconds, randomness and counter like an ObjectId', () => {
    const oid = newOid(1_700_000_000_123, (n) => new Uint8Array(n).fill(0xab), 0x010203);
    expect(oid).toBe((1_700_000_000).toString(16).padStart(8, '0') + 'ababababab' + '010203');
    expect(isValidOid(oid)).toBe(true);
    expect(newOid(0, (n) => new Uint8Array(n), 2 ** 24 + 5)).toBe('000000000000000000000005');
    expect(() => newOid(0, () => new Uint8Array(4), 0)).toThrow(AssertionError);
  });

  it('makes one node\'s OIDs in increasing order, with random bytes drawn once per source', () => {
    let draws = 0;
    const rng = (seed: number) => (n: number) => {
      draws++;
      return Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7 + draws) & 0xff);
    };
    const a = new OidSource(rng(1));
    expect(draws).toBe(0);
    const ids: string[] = [];
    for (let t = 0; t < 3000; t++) ids.push(a.next(1_700_000_000_000 + t));
    expect(draws).toBe(2);
    expect(new Set(ids.map((id) => id.slice(8, 18))).size).toBe(1);
    for (let i = 1; i < ids.length; i++) expect(ids[i - 1]! < ids[i]!).toBe(true);
    for (const id of ids) expect(isValidOid(id)).toBe(true);
    const b = new OidSource(rng(2));
    expect(b.next(1_700_000_000_000).slice(8, 18)).not.toBe(ids[0]!.slice(8, 18));
  });

  it('validates OIDs', () => {
    expect(isValidOid('0123456789abcdef01234567')).toBe(true);
    for (const bad of ['', '0123456789ABCDEF01234567', '0123456789abcdef0123456', '0123456789abcdef012345678', 'g123456789abcdef01234567']) {
      expect(isValidOid(bad)).toBe(false);
    }
  });

  it('orders by time first', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 32 - 1), fc.nat(2 ** 32 - 1), fc.uint8Array({ minLength: 5, maxLength: 5 }), fc.nat(), (s1, s2, rnd, c) => {
        const a = newOid(s1 * 1000, () => rnd, c);
        const b = newOid(s2 * 1000 + 999, () => rnd, c);
        if (s1 !== s2) expect(a < b).toBe(s1 < s2);
      }),
    );
  });
});
