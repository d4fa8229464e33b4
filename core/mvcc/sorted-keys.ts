// An ordered set of strings (code-unit order) as a list of sorted chunks. A
// lookup is two binary searches; an insert or delete moves at most one chunk's
// worth of elements plus, on a split or an emptied chunk, the chunk list. With
// chunks of up to 512 keys, 100k keys make ~200-400 chunks: every operation is
// a few hundred element moves at worst, and iteration is a plain array walk.

import { assert } from '../assert.js';

const MAX_CHUNK = 512;

export class SortedKeys {
  // Invariant: every chunk is non-empty and strictly increasing, and the last
  // key of chunk i is smaller than the first key of chunk i + 1.
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last key is >= key; chunks.length when none. */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.chunks[mid]!;
      if (c[c.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(key: string): boolean {
    const ci = this.chunkFor(key);
    if (ci === this.chunks.length) return false;
    const c = this.chunks[ci]!;
    return c[lowerBound(c, key)] === key;
  }

  /** Adds key; returns false when it was already present. */
  add(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return true;
    }
    let ci = this.chunkFor(key);
    if (ci === this.chunks.length) ci--; // Larger than everything: append to the last chunk.
    const c = this.chunks[ci]!;
    const i = lowerBound(c, key);
    if (c[i] === key) return false;
    c.splice(i, 0, key);
    this.count++;
    if (c.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, c.splice(c.length >>> 1));
    return true;
  }

  /** Removes key; returns false when it was absent. */
  delete(key: string): boolean {
    const ci = this.chunkFor(key);
    if (ci === this.chunks.length) return false;
    const c = this.chunks[ci]!;
    const i = lowerBound(c, key);
    if (c[i] !== key) return false;
    c.splice(i, 1);
    this.count--;
    if (c.length === 0) this.chunks.splice(ci, 1);
    else if (ci + 1 < this.chunks.length && c.length + this.chunks[ci + 1]!.length <= MAX_CHUNK / 2) {
      // Merging small neighbours keeps the chunk count proportional to size.
      c.push(...this.chunks[ci + 1]!);
      this.chunks.splice(ci + 1, 1);
    }
    return true;
  }

  /**
   * The keys in [start, end) in ascending order. The set must not be modified
   * while the iterator is in use.
   */
  range(start: string, end: string): IterableIterator<string> {
    const ci = this.chunkFor(start);
    const i = ci === this.chunks.length ? 0 : lowerBound(this.chunks[ci]!, start);
    return new RangeIterator(this.chunks, ci, i, end);
  }

  /** Every key in ascending order. */
  *all(): Generator<string, void, undefined> {
    for (const c of this.chunks) yield* c;
  }

  /** Checks the representation invariant; for tests. */
  checkInvariants(): void {
    let prev: string | null = null;
    let n = 0;
    for (const c of this.chunks) {
      assert(c.length > 0 && c.length <= MAX_CHUNK, 'chunk size out of range');
      for (const k of c) {
        assert(prev === null || prev < k, 'keys out of order');
        prev = k;
        n++;
      }
    }
    assert(n === this.count, 'count mismatch');
  }
}

/**
 * A walk over the chunks from chunk `ci`, index `i`, up to (excluding) `end`.
 * A plain iterator object rather than a generator: scans run it once per key
 * of a range, and resuming a generator costs about half as much again.
 */
class RangeIterator implements IterableIterator<string> {
  constructor(
    private readonly chunks: readonly (readonly string[])[],
    private ci: number,
    private i: number,
    private readonly end: string,
  ) {}

  [Symbol.iterator](): IterableIterator<string> {
    return this;
  }

  next(): IteratorResult<string, undefined> {
    while (this.ci < this.chunks.length) {
      const c = this.chunks[this.ci]!;
      if (this.i < c.length) {
        const k = c[this.i++]!;
        if (k < this.end) return { value: k, done: false };
        this.ci = this.chunks.length;
        break;
      }
      this.ci++;
      this.i = 0;
    }
    return { value: undefined, done: true };
  }
}

/** The first index i with a[i] >= key (a sorted ascending); a.length when none. */
export function lowerBound(a: readonly string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
