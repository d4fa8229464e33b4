// An ordered set of strings (code-unit order) as a list of sorted chunks. A
// lookup is two binary searches; an insert or delete moves at most one chunk's
// worth of elements plus, on a split or an emptied chunk, the chunk list. With
// chunks of up to 512 keys, 100k keys make ~200-400 chunks: every operation is
// a few hundred element moves at worst, and iteration is a plain array walk.
//
// Adds are placed lazily. Placing a key costs about twenty string comparisons:
// 1.4-1.7 us per key measured alone, but about 7 us inside a standalone server,
// where the rest of each request evicts the chunks from the cache between two
// statements (7% of its main thread's time per INSERT). Only ordered reads need
// the order. So add() only appends to a pending list; the list is sorted and
// placed in one pass when an ordered or exact read comes (range, all, has,
// size), before a delete, or when it reaches its bound. Sorted, consecutive
// keys land in the same or neighbouring chunks, so the placement walks memory
// the previous key just brought into the cache.

import { assert } from '../assert.js';

const MAX_CHUNK = 512;

/**
 * Pending adds kept before they are placed. Bounded so that the read which
 * finally needs the order (or the bound itself) never sorts more than this
 * many keys at once: a pause of a millisecond or two, not of the whole history.
 */
const PENDING_MAX = 1024;

export class SortedKeys {
  // Invariant: every chunk is non-empty and strictly increasing, and the last
  // key of chunk i is smaller than the first key of chunk i + 1. The set is
  // the keys in chunks plus those in pending; pending is unordered and may
  // repeat a key or hold one that a chunk holds already.
  private chunks: string[][] = [];
  private count = 0;
  private pending: string[] = [];

  /** pendingMax: adds held before they are placed (tests use small bounds). */
  constructor(private readonly pendingMax = PENDING_MAX) {
    assert(Number.isInteger(pendingMax) && pendingMax >= 0, 'pendingMax must be a non-negative integer');
  }

  get size(): number {
    this.place();
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
    this.place();
    const ci = this.chunkFor(key);
    if (ci === this.chunks.length) return false;
    const c = this.chunks[ci]!;
    return c[lowerBound(c, key)] === key;
  }

  /** Adds key (nothing when it is present); the key is placed in order before the next read that needs it. */
  add(key: string): void {
    this.pending.push(key);
    if (this.pending.length > this.pendingMax) this.place();
  }

  /** Places every pending key, in ascending order, skipping repeats and keys already present. */
  private place(): void {
    const keys = this.pending;
    if (keys.length === 0) return;
    this.pending = [];
    // The default sort compares strings by code units, the order used here (< on strings).
    keys.sort();
    // insert() skips a key already placed, a repeat within the list included.
    for (const key of keys) this.insert(key);
  }

  /** Puts key in its chunk; nothing when it is there already. */
  private insert(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    let ci = this.chunkFor(key);
    if (ci === this.chunks.length) ci--; // Larger than everything: append to the last chunk.
    const c = this.chunks[ci]!;
    const i = lowerBound(c, key);
    if (c[i] === key) return;
    c.splice(i, 0, key);
    this.count++;
    if (c.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, c.splice(c.length >>> 1));
  }

  /** Removes key; returns false when it was absent. */
  delete(key: string): boolean {
    this.place();
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
    this.place();
    const ci = this.chunkFor(start);
    const i = ci === this.chunks.length ? 0 : lowerBound(this.chunks[ci]!, start);
    return new RangeIterator(this.chunks, ci, i, end);
  }

  /** Every key in ascending order. */
  *all(): Generator<string, void, undefined> {
    this.place();
    for (const c of this.chunks) yield* c;
  }

  /** Checks the representation invariant; for tests. */
  checkInvariants(): void {
    assert(this.pending.length <= this.pendingMax, 'pending adds over their bound');
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
