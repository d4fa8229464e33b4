import { describe, expect, it } from 'vitest';
import type { SqlValue } from '../../core/sql/encoding.js';
import type { SqlResult } from '../../core/sql/engine/types.js';
import { toJson } from '../../server/http/json.js';
import { rowsBody, rowsJson } from '../../server/http/rows.js';

// rowsJson writes the result text directly; it must be exactly what the
// generic path (toJson over rowsBody's objects) writes, for every value type,
// awkward column names and repeated names.

/** A small deterministic generator (xorshift32), so a failure names its case. */
function rng(seed: number) {
  let x = seed || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const NAMES = ['id', 'v', 'a b', '__proto__', 'constructor', 'ünï', '"q"', 'x\\y', '', 'toString', 'id', '0', '12', '4294967295', '007', '-1', '1.5'];
const STRINGS = ['', 'plain', 'quote " and \\ backslash', 'line\nbreak\ttab', '\u0000nul', '😀 pair', 'é', '\u2028sep'];
const FLOATS = [0, -0, 1.5, -2.25e-300, 1e300, NaN, Infinity, -Infinity, 0.1 + 0.2];
const INTS = [0n, -1n, 9007199254740993n, -9223372036854775808n, 9223372036854775807n];

function value(r: (n: number) => number): SqlValue {
  switch (r(6)) {
    case 0:
      return { type: 'null' };
    case 1:
      return { type: 'oid', value: '0123456789abcdef01234567' };
    case 2:
      return { type: 'int64', value: INTS[r(INTS.length)]! };
    case 3:
      return { type: 'string', value: STRINGS[r(STRINGS.length)]! };
    case 4:
      return { type: 'bool', value: r(2) === 1 };
    default:
      return { type: 'float64', value: FLOATS[r(FLOATS.length)]! };
  }
}

describe('rowsJson', () => {
  it('writes exactly what toJson(rowsBody(r)) writes, over 2,000 random results', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const r = rng(seed);
      const columns = Array.from({ length: r(5) }, () => NAMES[r(NAMES.length)]!);
      const rows = Array.from({ length: r(4) }, () => columns.map(() => value(r)));
      const result: SqlResult = { kind: 'rows', columns, rows };
      expect(rowsJson(result), `seed ${seed}`).toBe(toJson(rowsBody(result)));
    }
  });

  it('answers a statement without rows as an empty result', () => {
    const r: SqlResult = { kind: 'affected', affected: 3 };
    expect(rowsJson(r)).toBe('{"status":"ok","total":0,"rows":[]}');
    expect(JSON.parse(rowsJson(r))).toEqual(JSON.parse(toJson(rowsBody(r))));
  });
});
