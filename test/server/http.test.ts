// The HTTP API through Fastify's inject (the suite in http-api.ts), and the
// JSON and value conversions it rests on.

import { describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import type { HttpApi } from '../../server/http/app.js';
import { parseJson, toJson } from '../../server/http/json.js';
import { outcomeError } from '../../server/http/transactions.js';
import { fromColumnValue, fromParameters } from '../../server/http/values.js';
import { httpApiSuite } from './http-api.js';

const str = (s: string) => ({ type: 3, strValue: s });
const long = (n: bigint | number) => ({ type: 2, longValue: n });
const oid = (s: string) => ({ type: 1, strValue: s });

describe('JSON with exact INT64', () => {
  it('parses integers beyond 2^53 as bigints, others as numbers', () => {
    expect(parseJson('{"a":9007199254740993,"b":-9223372036854775808,"c":1.5,"d":12,"e":"9007199254740993"}')).toEqual({
      a: 9007199254740993n,
      b: -9223372036854775808n,
      c: 1.5,
      d: 12,
      e: '9007199254740993',
    });
    expect(parseJson('[1e400, -0, 0.1, "\\u0041\\"x", {"__proto__": {"p": 1}}, 12345678901234567]')).toEqual([Infinity, -0, 0.1, 'A"x', JSON.parse('{"__proto__": {"p": 1}}'), 12345678901234567n]);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    // A long digit run in a string, or a long but exact number, keeps what JSON.parse gives.
    for (const t of ['{"id":"0000000000001234","n":9007199254740991,"f":12345678901234.5678}', '[{"k":["00000000000000000000"]}, -9007199254740991]', '{"x":"9007199254740993"}']) {
      expect(parseJson(t), t).toEqual(JSON.parse(t));
    }
    expect(parseJson('{"id":"0000000000001234","n":[{"m":-9007199254740992}]}')).toEqual({ id: '0000000000001234', n: [{ m: -9007199254740992n }] });
    expect(parseJson('{"a":1.5e300,"s":"12345678901234567"}')).toEqual({ a: 1.5e300, s: '12345678901234567' });
  });

  it('refuses malformed text with CADB0400 on both paths', () => {
    for (const t of ['{', '{"a":}', '[1,]', '{"a":1}x', '"\u0001"', '01', '{"a":9007199254740993', '{"a":90071992547409930 1}', '{"a":"x\\q", "b":9007199254740993}']) {
      expect(() => parseJson(t), t).toThrow(CamusError);
    }
  });

  it('writes bigints with every digit', () => {
    expect(toJson({ a: 9007199254740993n, b: [-9223372036854775808n], c: 'x', d: undefined, e: NaN, f: 1.25 })).toBe('{"a":9007199254740993,"b":[-9223372036854775808],"c":"x","e":"NaN","f":1.25}');
  });

  it('converts ColumnValues and parameters', () => {
    expect(fromColumnValue(long(9007199254740993n), 'v')).toEqual({ type: 'int64', value: 9007199254740993n });
    expect(fromColumnValue({ type: 2, longValue: '-9223372036854775808' }, 'v')).toEqual({ type: 'int64', value: -9223372036854775808n });
    expect(() => fromColumnValue(long(9223372036854775808n), 'v')).toThrow(/INT64/);
    expect(() => fromColumnValue({ type: 2, longValue: 1.5 }, 'v')).toThrow(CamusError);
    expect(() => fromColumnValue(oid('xyz'), 'v')).toThrow(CamusError);
    expect(() => fromColumnValue({ type: 9 }, 'v')).toThrow(CamusError);
    expect(fromColumnValue({ type: 5, floatValue: 2 }, 'v')).toEqual({ type: 'float64', value: 2 });
    expect([...fromParameters({ '@a': str('x'), b: { type: 4, boolValue: true }, '@c': { type: 0 } })]).toEqual([
      ['a', { type: 'string', value: 'x' }],
      ['b', { type: 'bool', value: true }],
      ['c', { type: 'null' }],
    ]);
  });

  it('a SQL timeout is reported as CADB0504 with an unknown outcome', () => {
    const e = outcomeError({ status: 'timeout' }) as CamusError;
    expect(e.code).toBe('CADB0504');
    expect(e.message).toMatch(/unknown/);
  });
});

let api: HttpApi;
describe('the API through inject', () => {
  httpApiSuite({
    start: async (a) => {
      api = a;
    },
    request: async (method, url, headers, payload) => {
      const r = await api.app.inject({ method: method as 'GET', url, headers, payload });
      return { status: r.statusCode, text: r.body };
    },
    stop: async () => {},
  });
});
