// JSON with exact 64-bit integers, both ways.
//
// Parsing: JSON.parse turns every number into a double, so 9007199254740993
// would silently become ...992. A body in which no run of 16 or more digits
// occurs cannot hold an integer beyond 2^53 (15 digits are always exact), so
// it takes JSON.parse unchanged (the fast path, nearly every request). A body
// with such a run (often inside a string: a hex key, a long id) is parsed by
// JSON.parse too, and kept unless a number in it came out at or beyond 2^53
// in magnitude: every number below that is exact in a double, whatever its
// spelling. Only then does it go through the small recursive-descent parser
// below, which follows RFC 8259 exactly and returns integer literals outside
// the safe range as bigints (every other number as a double). Malformed text
// on that path also gets the exact parser's message, which names a position.
// Consumers accept number or bigint wherever an integer is expected.
//
// Serializing: toJson writes bigints as plain JSON numbers with all their
// digits (JSON.stringify refuses bigints), non-finite floats as the strings
// "NaN", "Infinity" and "-Infinity" (JSON has no literal for them), and
// otherwise agrees with JSON.stringify.

import { camusError } from '../../core/errors.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

const LONG_DIGIT_RUN = /\d{16}/;

/** Parses JSON text; integers outside ±(2^53-1) come back as bigints. Throws CADB0400 on malformed text. */
export function parseJson(text: string): Json {
  const longRun = LONG_DIGIT_RUN.test(text);
  let fast: Json;
  try {
    fast = JSON.parse(text) as Json;
  } catch (e) {
    // With a long digit run the exact parser reports it, naming a position.
    if (longRun) return new ExactParser(text).document();
    throw camusError('InvalidInput', `malformed JSON body: ${(e as Error).message}`);
  }
  return longRun && hasBigNumber(fast) ? new ExactParser(text).document() : fast;
}

/** 2^53: an integer literal at or above it (in magnitude) may have lost digits in a double. */
const EXACT_LIMIT = 2 ** 53;

/** Whether any number in v is at least 2^53 in magnitude (Infinity included). Iterative: JSON.parse accepts deeper nesting than the stack. */
function hasBigNumber(v: Json): boolean {
  const stack: Json[] = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (typeof x === 'number') {
      if (Math.abs(x) >= EXACT_LIMIT) return true;
    } else if (Array.isArray(x)) {
      for (const y of x) stack.push(y);
    } else if (x !== null && typeof x === 'object') {
      for (const k in x) if (Object.prototype.hasOwnProperty.call(x, k)) stack.push(x[k]!);
    }
  }
  return false;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

class ExactParser {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): Json {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail('unexpected text after the JSON value');
    return v;
  }

  private fail(what: string): never {
    throw camusError('InvalidInput', `malformed JSON body: ${what} at position ${this.i}`);
  }

  private ws(): void {
    while (this.i < this.s.length && WS.has(this.s.charCodeAt(this.i))) this.i++;
  }

  private value(depth: number): Json {
    if (depth > 512) this.fail('nesting too deep');
    const c = this.s[this.i];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  private word<T extends Json>(w: string, v: T): T {
    if (this.s.startsWith(w, this.i)) {
      this.i += w.length;
      return v;
    }
    return this.fail('unexpected token');
  }

  private object(depth: number): Json {
    this.i++; // {
    const out: { [key: string]: Json } = {};
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a string key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      const v = this.value(depth + 1);
      // An own data property, as JSON.parse makes: a "__proto__" key never touches the prototype.
      Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') {
        this.i--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  private array(depth: number): Json {
    this.i++; // [
    const out: Json[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') {
        this.i--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  private string(): string {
    const start = this.i;
    this.i++; // opening quote
    let escaped = false;
    for (; this.i < this.s.length; this.i++) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        const raw = this.s.slice(start, this.i);
        if (!escaped) return raw.slice(1, -1);
        try {
          return JSON.parse(raw) as string;
        } catch {
          this.i = start;
          return this.fail('malformed string escape');
        }
      }
      if (c === 0x5c) {
        escaped = true;
        this.i++; // skip the escaped character (an escaped quote does not end the string)
      } else if (c < 0x20) this.fail('control character in string');
    }
    this.i = start;
    return this.fail('unterminated string');
  }

  private number(): number | bigint {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) return this.fail('malformed number');
    this.i += r[0].length;
    const next = this.s[this.i];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('malformed number');
    if (r[1] === undefined && r[2] === undefined) {
      const n = Number(r[0]);
      return Number.isSafeInteger(n) ? n : BigInt(r[0]);
    }
    return Number(r[0]);
  }
}

/** JSON text for a value that may hold bigints (see the file comment). Undefined properties are left out. */
export function toJson(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (Number.isFinite(v)) return JSON.stringify(v);
      return `"${String(v)}"`;
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `[${v.map((x) => toJson(x)).join(',')}]`;
      if (v instanceof Date) return JSON.stringify(v.toISOString());
      let out = '{';
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${toJson(x)}`;
        first = false;
      }
      return `${out}}`;
    }
  }
  return 'null';
}
