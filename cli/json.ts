/**
 * A small JSON reader that keeps integers exact and object keys in order.
 *
 * `JSON.parse` rounds integers beyond 2^53 (a CamusDB longValue or an HLC
 * txnIdPT may be that large) and reorders integer-like keys ("1", "2" before
 * "a"), which would shuffle result columns. Here an integer literal outside the
 * safe range becomes a bigint, every other number a number, and objects are
 * Maps in document order.
 */

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly pos: number) {
    super(`${message} at position ${pos}`);
    this.name = 'JsonSyntaxError';
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

export function parseJson(text: string): JsonValue {
  let i = 0;
  const n = text.length;

  const skipWs = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };

  const fail = (what: string): never => {
    throw new JsonSyntaxError(what, i);
  };

  const readString = (): string => {
    const start = i; // at the opening quote
    i++;
    let escaped = false;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === 34) break;
      if (c < 32) fail('control character in string');
      i++;
    }
    i++; // closing quote
    const raw = text.slice(start, i);
    if (!escaped) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return fail('bad string escape');
    }
  };

  const readValue = (): JsonValue => {
    skipWs();
    if (i >= n) fail('unexpected end of input');
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: JsonObject = new Map();
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('expected a key');
        const key = readString();
        skipWs();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj.set(key, readValue());
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(readValue());
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return readString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m === null) return fail('unexpected character');
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const num = Number(m[0]);
      return Number.isSafeInteger(num) ? num : BigInt(m[0]);
    }
    return Number(m[0]);
  };

  const value = readValue();
  skipWs();
  if (i < n) fail('unexpected trailing text');
  return value;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return v instanceof Map;
}

/** The exact decimal text of an integer JSON value (number, bigint or digit string), or null. */
export function integerText(v: JsonValue | undefined): string | null {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v).toString();
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return v;
  return null;
}
