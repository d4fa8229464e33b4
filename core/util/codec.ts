// A small binary writer/reader (unsigned varints, zig-zag signed numbers,
// length-prefixed bytes and UTF-8 strings). Readers throw DecodeError on
// truncated or malformed input instead of returning garbage.

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/**
 * One buffer that a Writer borrows instead of allocating its own, since most
 * writers are short-lived (encode, finish, drop). At most one writer holds it
 * at a time (`scratchHeld`); the holder gives it back when it finishes or
 * outgrows it, and a writer that finds it held allocates as before. A writer
 * dropped without finishing keeps it held: later writers then allocate, which
 * is slower, never wrong.
 */
const SCRATCH_BYTES = 4096;
const scratch = new Uint8Array(SCRATCH_BYTES);
let scratchHeld = false;

export class Writer {
  private buf: Uint8Array;
  private len = 0;

  constructor(capacity = 64) {
    if (!scratchHeld && capacity <= SCRATCH_BYTES) {
      scratchHeld = true;
      this.buf = scratch;
    } else this.buf = new Uint8Array(Math.max(8, capacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    if (this.buf === scratch) scratchHeld = false;
    this.buf = next;
  }

  u8(x: number): this {
    this.ensure(1);
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  /** Unsigned integer up to 2^53 - 1 as a LEB128 varint. */
  uvar(x: number): this {
    if (!(Number.isSafeInteger(x) && x >= 0)) throw new RangeError(`uvar out of range: ${x}`);
    this.ensure(8);
    while (x >= 0x80) {
      this.buf[this.len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.len++] = x;
    return this;
  }

  bytes(d: Uint8Array): this {
    this.uvar(d.length);
    this.ensure(d.length);
    this.buf.set(d, this.len);
    this.len += d.length;
    return this;
  }

  raw(d: Uint8Array): this {
    this.ensure(d.length);
    this.buf.set(d, this.len);
    this.len += d.length;
    return this;
  }

  /** A length-prefixed UTF-8 string, encoded straight into the buffer. */
  str(s: string): this {
    return isAscii(s) ? this.ascii(s) : this.bytes(utf8Encode(s));
  }

  /**
   * A length-prefixed ASCII string (its UTF-8 is its code units), as str()
   * writes it. The caller has checked isAscii(s); other strings would be
   * written wrong.
   */
  ascii(s: string): this {
    this.uvar(s.length);
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
    return this;
  }

  u32(x: number): this {
    this.ensure(4);
    this.buf[this.len++] = (x >>> 24) & 0xff;
    this.buf[this.len++] = (x >>> 16) & 0xff;
    this.buf[this.len++] = (x >>> 8) & 0xff;
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  /**
   * The bytes written, as a new array the caller owns. A writer on the shared
   * buffer gives it back here and keeps the result as its buffer: the result
   * is exactly full, so writing on after finish() reallocates and never
   * changes what was returned.
   */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    if (this.buf === scratch) {
      scratchHeld = false;
      this.buf = out;
    }
    return out;
  }
}

export class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DecodeError('truncated input');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uvar(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      x += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (!Number.isSafeInteger(x)) throw new DecodeError('varint out of range');
        return x;
      }
      mul *= 0x80;
    }
    throw new DecodeError('varint too long');
  }

  /** Length-prefixed bytes, as a new array the caller owns (it shares no memory with the input). */
  bytes(): Uint8Array {
    const lo = this.span();
    return this.buf.slice(lo, this.pos);
  }

  /** Length-prefixed bytes as a view into the input: no copy, and it shares the input's memory. */
  view(): Uint8Array {
    const lo = this.span();
    return this.buf.subarray(lo, this.pos);
  }

  /** A length-prefixed UTF-8 string, decoded in place (straight from the input, without a view of it). */
  str(): string {
    const lo = this.span();
    return utf8Decode(this.buf, lo, this.pos);
  }

  /** Reads a length prefix and steps over that many bytes; returns where they start (they end at pos). */
  private span(): number {
    const n = this.uvar();
    this.need(n);
    const lo = this.pos;
    this.pos += n;
    return lo;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new DecodeError('trailing bytes');
  }
}

/** Whether every code unit of s is below 0x80. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** The bytes of an ASCII string (the caller has checked isAscii): one exact allocation. */
export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** UTF-8 encoding without TextEncoder (not declared in the core's lib). Lone surrogates become U+FFFD. */
export function utf8Encode(s: string): Uint8Array {
  if (isAscii(s)) return asciiBytes(s);
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 0x3f);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  // A surrogate pair takes two code units and four bytes, so 3 bytes per unit always suffice.
  return out.slice(0, n);
}

/**
 * The length of the UTF-8 sequence a lead byte starts (1-4), or 0 when c
 * cannot lead one (a continuation byte, or 0xC0, 0xC1, 0xF5-0xFF, which only
 * overlong or out-of-range sequences would use).
 */
export function utf8SequenceLength(c: number): number {
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c < 0xe0) return 2;
  if (c >= 0xe0 && c < 0xf0) return 3;
  if (c >= 0xf0 && c < 0xf5) return 4;
  return 0;
}

/**
 * The code point of the n-byte sequence at b[i] (n from utf8SequenceLength,
 * and i + n within b), or -1 when a continuation byte is missing, the
 * sequence is overlong, or it is above U+10FFFF. Surrogate codes (U+D800 to
 * U+DFFF) are returned as they are; whether they are allowed is the caller's
 * rule.
 */
export function utf8CodePoint(b: Uint8Array, i: number, n: number): number {
  let cp = n === 1 ? b[i]! : b[i]! & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const d = b[i + k]!;
    if ((d & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (d & 0x3f);
  }
  if ((n === 3 && cp < 0x800) || (n === 4 && (cp < 0x10000 || cp > 0x10ffff))) return -1;
  return cp;
}

/**
 * The host's UTF-8 decoder: a global of Node and of browsers, but outside
 * core's ES2022 lib, hence declared here. `fatal` makes it throw on input
 * that is not well-formed UTF-8 instead of substituting U+FFFD; `ignoreBOM`
 * keeps a leading U+FEFF as a character. A pure function of its input.
 */
declare const TextDecoder: new (label: 'utf-8', options: { fatal: true; ignoreBOM: true }) => { decode(input: Uint8Array): string };

const NATIVE_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Below this many bytes the host decoder's call costs more than a loop over the bytes (measured on Node 20). */
const NATIVE_DECODE_MIN_BYTES = 24;

/**
 * b[lo, hi) through the host's decoder when the range is long enough for it
 * to pay and lies within b; undefined when it is not, or when the bytes are
 * not well-formed UTF-8 (the caller's own loop then decides, and reports).
 * Well-formed UTF-8 decodes the same here and in either loop: the host
 * refuses exactly what is not well-formed, encoded surrogate codes included.
 */
export function nativeUtf8Decode(b: Uint8Array, lo: number, hi: number): string | undefined {
  if (hi - lo < NATIVE_DECODE_MIN_BYTES || hi > b.length) return undefined;
  try {
    return NATIVE_UTF8.decode(b.subarray(lo, hi));
  } catch {
    return undefined;
  }
}

/**
 * UTF-16 code units as one flat string. Building a string by `+=` one
 * character at a time makes, past 12 characters, a chain of concatenation
 * nodes that every later hash or comparison must first flatten into a copy
 * (a decoded key costs about twice as much to insert into a sorted index);
 * fromCharCode builds the flat string at once. In chunks, since apply passes
 * every unit as an argument.
 */
export function unitsToString(units: ArrayLike<number>): string {
  const CHUNK = 4096;
  // Spreading a typed array goes through its iterator; apply reads it by index, several times faster for keys.
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units as number[]);
  let s = '';
  for (let i = 0; i < units.length; i += CHUNK) {
    s += String.fromCharCode(...Array.prototype.slice.call(units, i, i + CHUNK));
  }
  return s;
}

/** Appends code point cp (at most U+10FFFF) to units as UTF-16: one unit, or a surrogate pair above U+FFFF. */
export function pushUtf16(units: number[], cp: number): void {
  if (cp < 0x10000) units.push(cp);
  else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
}

/** Strict UTF-8 decoding of b[lo, hi) (all of b by default); throws DecodeError on malformed input, surrogate codes included. */
export function utf8Decode(b: Uint8Array, lo = 0, hi = b.length): string {
  const native = nativeUtf8Decode(b, lo, hi);
  if (native !== undefined) return native;
  const units: number[] = [];
  for (let i = lo; i < hi; ) {
    const n = utf8SequenceLength(b[i]!);
    if (n === 0) throw new DecodeError('invalid UTF-8');
    if (i + n > hi) throw new DecodeError('truncated UTF-8');
    const cp = utf8CodePoint(b, i, n);
    if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff)) throw new DecodeError('invalid UTF-8');
    pushUtf16(units, cp);
    i += n;
  }
  return unitsToString(units);
}
