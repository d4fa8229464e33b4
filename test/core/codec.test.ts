import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, Reader, Writer, utf8Decode, utf8Encode } from '../../core/util/codec.js';
import { crc32 } from '../../core/util/crc32.js';

describe('codec', () => {
  it('encodes UTF-8 exactly as the platform does (lone surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) })), (s) => {
        expect(Buffer.from(utf8Encode(s)).equals(Buffer.from(new TextEncoder().encode(s)))).toBe(true);
        const w = new Writer(1).str(s).finish();
        expect(new Reader(w).str()).toBe(new TextDecoder().decode(new TextEncoder().encode(s)));
      }),
    );
  });

  it('rejects malformed UTF-8 instead of guessing', () => {
    for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf4, 0x90, 0x80, 0x80]]) {
      expect(() => utf8Decode(Uint8Array.from(bad)), bad.join(',')).toThrow(DecodeError);
    }
  });

  it('round-trips varints, bytes and u32, and reports truncation', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.maxSafeNat(), fc.nat(255))), fc.uint8Array(), fc.nat(0xffffffff), (ns, bytes, u) => {
        const w = new Writer(2);
        for (const n of ns) w.uvar(n);
        w.bytes(bytes).u32(u);
        const buf = w.finish();
        const r = new Reader(buf);
        for (const n of ns) expect(r.uvar()).toBe(n);
        expect(r.bytes()).toEqual(bytes);
        expect(r.u32()).toBe(u);
        r.end();
        if (buf.length) expect(() => {
          const t = new Reader(buf.subarray(0, buf.length - 1));
          for (const _ of ns) t.uvar();
          t.bytes();
          t.u32();
        }).toThrow(DecodeError);
      }),
    );
  });

  it('reads strings and bytes at any offset of a reader over part of a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.uint8Array({ maxLength: 80 }))), fc.uint8Array({ maxLength: 8 }), (before, items, after) => {
        const w = new Writer();
        for (const [s, b] of items) w.str(s).bytes(b);
        const body = w.finish();
        const whole = Uint8Array.from([...before, ...body, ...after]);
        const r = new Reader(whole.subarray(before.length, before.length + body.length));
        for (const [s, b] of items) {
          expect(r.str()).toBe(s);
          const copy = r.bytes();
          expect(copy).toEqual(b);
          // Changed here, so that a view into the input instead of a copy shows below.
          if (copy.length) copy[0] = copy[0]! ^ 1;
        }
        r.end();
        expect(whole.subarray(before.length, before.length + body.length)).toEqual(body);
      }),
    );
    // A long string (the host decoder's path) with a malformed byte, after another field.
    const bad = new Writer().str('ok').str('x'.repeat(40)).finish();
    bad[bad.length - 20] = 0xff;
    const r = new Reader(bad);
    expect(r.str()).toBe('ok');
    expect(() => r.str()).toThrow(DecodeError);
  });

  it('decodes a string in place: only its own bytes, and a character cut by the end is an error', () => {
    const w = new Writer().str('é€😀').str('ab');
    const buf = w.finish();
    const r = new Reader(buf);
    expect(r.str()).toBe('é€😀');
    expect(r.str()).toBe('ab');
    r.end();
    const bytes = utf8Encode('xé€y');
    expect(utf8Decode(bytes, 1, bytes.length - 1)).toBe('é€');
    // '€' is three bytes; a range that ends inside it must not read past the end.
    expect(() => utf8Decode(bytes, 1, bytes.length - 2)).toThrow(DecodeError);
    // A string's length prefix that claims more than the buffer holds.
    const short = new Writer().str('hello').finish();
    expect(() => new Reader(short.subarray(0, short.length - 1)).str()).toThrow(DecodeError);
  });

  it('decodes any bytes as a strict UTF-8 decoder does, short or long, within a larger buffer', () => {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const reference = (b: Uint8Array) => {
      try {
        return strict.decode(b);
      } catch {
        return DecodeError;
      }
    };
    const ours = (b: Uint8Array, lo: number, hi: number) => {
      try {
        return utf8Decode(b, lo, hi);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        return DecodeError;
      }
    };
    // Mostly well-formed text (so the long, host-decoded path is taken), with a byte sometimes changed.
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => utf8Encode(s));
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 60 }), text, fc.tuple(text, fc.nat(), fc.nat(255)).map(([b, i, v]) => (b.length ? b.map((x, k) => (k === i % b.length ? v : x)) : b)));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), bytes, fc.uint8Array({ maxLength: 4 }), (pre, mid, post) => {
        const b = new Uint8Array([...pre, ...mid, ...post]);
        expect(ours(b, pre.length, pre.length + mid.length)).toBe(reference(mid));
      }),
      { numRuns: 2000 },
    );
    // A byte-order mark is a character like any other, on both paths.
    for (const n of [3, 40]) expect(utf8Decode(utf8Encode('\ufeff' + 'a'.repeat(n)))).toBe('\ufeff' + 'a'.repeat(n));
    // A range that runs past the buffer is an error on both paths, never a shorter string.
    for (const n of [5, 40]) expect(() => utf8Decode(utf8Encode('a'.repeat(n)), 0, n + 1)).toThrow(DecodeError);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Uint8Array.from('123456789', (c) => c.charCodeAt(0)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
