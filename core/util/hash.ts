// A fast, deterministic 64-bit hash built from two independent 32-bit FNV-1a
// lanes. Used for trace hashes and state digests, never for security.

const F64 = new Float64Array(1);
const WORDS = new Map<string, number>();
const U32 = new Uint32Array(F64.buffer);

/**
 * The 32-bit digest word() mixes for `s`: hasher.word(s) and
 * hasher.int32(wordCode(s)) fold the same value, so hot callers can compute
 * it once and skip the lookup.
 */
export function wordCode(s: string): number {
  let h = WORDS.get(s);
  if (h === undefined) {
    h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    WORDS.set(s, h);
  }
  return h;
}

export class Hasher {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;

  /** Back to the initial state, as a new Hasher: lets a hot caller reuse one instead of allocating. */
  reset(): this {
    this.a = 0x811c9dc5;
    this.b = 0x01000193 ^ 0x5bd1e995;
    return this;
  }

  /** Mixes a number; integers and floats alike (floats by their IEEE-754 bits). */
  num(x: number): this {
    if ((x | 0) === x) return this.int32(x);
    F64[0] = x;
    return this.int32(U32[0]!).int32(U32[1]!);
  }

  /** Mixes a 32-bit word at once (multiply and xor-shift per lane), not byte by byte. */
  int32(x: number): this {
    let a = Math.imul(this.a ^ x, 0x01000193);
    let b = Math.imul(this.b ^ x, 0x5bd1e995);
    a ^= a >>> 15;
    b ^= b >>> 13;
    this.a = a;
    this.b = b;
    return this;
  }

  str(s: string): this {
    // The lanes live in locals through the loop: hot callers (range hashes)
    // hash every key of a scan, and field stores per char cost a quarter more.
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x0100019d);
    }
    // A terminator keeps ("ab","c") and ("a","bc") apart.
    this.a = Math.imul(a ^ 0xff, 0x01000193);
    this.b = Math.imul(b ^ 0xff, 0x0100019d);
    return this;
  }

  /** Mixes a short string through a memoized 32-bit digest of it; for small fixed vocabularies (event kinds). */
  word(s: string): this {
    return this.int32(wordCode(s));
  }

  bytes(d: Uint8Array): this {
    this.int32(d.length);
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < d.length; i++) {
      a = Math.imul(a ^ d[i]!, 0x01000193);
      b = Math.imul(b ^ d[i]!, 0x0100019d);
    }
    this.a = a;
    this.b = b;
    return this;
  }

  /** The state as one number of 53 bits, for hash values kept in memory rather than printed. */
  value(): number {
    return (this.a >>> 0) * 0x200000 + ((this.b >>> 0) >>> 11);
  }

  /** 16 hex digits. */
  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
