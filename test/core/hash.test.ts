import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Hasher } from '../../core/util/hash.js';

// Range reads are validated by recomputing their hash at commit, and trace
// hashes are compared across runs: the Hasher must never change its output.
// Pinned values, and the per-char and per-byte loops against their plain
// definition (two FNV-style lanes updated one unit at a time).

class ReferenceHasher {
  a = 0x811c9dc5;
  b = 0x01000193 ^ 0x5bd1e995;

  str(s: string): this {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.a = Math.imul(this.a ^ c, 0x01000193);
      this.b = Math.imul(this.b ^ c, 0x0100019d);
    }
    this.a = Math.imul(this.a ^ 0xff, 0x01000193);
    this.b = Math.imul(this.b ^ 0xff, 0x0100019d);
    return this;
  }

  int32(x: number): this {
    let a = Math.imul(this.a ^ x, 0x01000193);
    let b = Math.imul(this.b ^ x, 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 13;
    this.a = a;
    this.b = b;
    return this;
  }

  bytes(d: Uint8Array): this {
    this.int32(d.length);
    for (let i = 0; i < d.length; i++) {
      this.a = Math.imul(this.a ^ d[i]!, 0x01000193);
      this.b = Math.imul(this.b ^ d[i]!, 0x0100019d);
    }
    return this;
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

describe('Hasher', () => {
  it('keeps its pinned values', () => {
    expect(new Hasher().str('').str('t1:r/0123456789abcdef01234567').num(1_700_000_000_123).num(7).hex()).toBe('85e36ec294ace5ee');
    expect(new Hasher().bytes(Uint8Array.from([0, 1, 2, 255, 128])).str('é😀\ud800').hex()).toBe('9f2595d32efe5dbe');
  });

  it('str and bytes equal the unit-at-a-time definition', () => {
    const part = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => ({ s })),
      fc.uint8Array({ maxLength: 40 }).map((d) => ({ d })),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        const h = new Hasher();
        const r = new ReferenceHasher();
        for (const p of parts) {
          if ('s' in p) {
            h.str(p.s);
            r.str(p.s);
          } else {
            h.bytes(p.d);
            r.bytes(p.d);
          }
        }
        expect(h.hex()).toBe(r.hex());
      }),
      { numRuns: 2000 },
    );
  });
});
