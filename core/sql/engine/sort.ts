// ORDER BY: the order of a result's rows, given each ORDER BY item's key of
// every row, exactly as compareTuples orders the key tuples, ties kept in
// row order (a stable sort).
//
// compareValues is general and correspondingly slow: a type rank, a switch,
// and for strings a code point comparison one charCodeAt at a time. A key
// column whose values are all of one kind that the native `<` already orders
// the same way is compared as bare values instead (see nativeKeys). The
// common case, one such column of strings, goes further: a number packing the
// characters right after the prefix all keys share decides most comparisons
// without reading the strings, and a merge sort with the comparison inline
// saves a comparator call per step.

import { compareValues, type SqlValue } from '../encoding.js';

const SURROGATE = /[\uD800-\uDFFF]/;

type NativeKey = string | bigint;

/**
 * The bare values of a key column when `<` on them agrees with
 * compareValues, else null: all INT64 (bigint order), all OIDs (lowercase hex
 * of one length), or all strings without a surrogate code unit (for those,
 * code unit order, which `<` uses, is code point order, which compareStrings
 * computes).
 */
function nativeKeys(column: readonly SqlValue[]): NativeKey[] | null {
  const type = column[0]!.type;
  const out: NativeKey[] = [];
  for (const v of column) {
    if (v.type !== type) return null;
    if (v.type === 'string') {
      if (SURROGATE.test(v.value)) return null;
      out.push(v.value);
    } else if (v.type === 'int64' || v.type === 'oid') {
      out.push(v.value);
    } else {
      return null;
    }
  }
  return out;
}

/**
 * The positions 0..n-1 of the rows ordered by their keys: keys[c][i] is the
 * key of ORDER BY item c for row i, desc[c] reverses item c. Equal key tuples
 * keep their row order.
 */
export function sortedOrder(keys: readonly (readonly SqlValue[])[], desc: readonly boolean[], n: number): number[] {
  const rowOrder = () => Array.from({ length: n }, (_, i) => i);
  if (n < 2) return rowOrder();
  const native = keys.map(nativeKeys);
  const compare = (i: number, j: number): number => {
    for (let c = 0; c < keys.length; c++) {
      const k = native[c];
      let r: number;
      if (k != null) r = k[i]! < k[j]! ? -1 : k[i]! > k[j]! ? 1 : 0;
      else r = compareValues(keys[c]![i]!, keys[c]![j]!);
      if (r !== 0) return desc[c] ? -r : r;
    }
    return 0;
  };
  // Rows often arrive in order already (a table scan returns a node's rows
  // in the order they were inserted, see OidSource, and keys are often
  // inserted ascending): n - 1 comparisons find that, as PostgreSQL's qsort
  // checks first, and then the row order is the answer (ties keep it too).
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = compare(i - 1, i) <= 0;
  if (sorted) return rowOrder();
  const only = native.length === 1 ? native[0] : null;
  if (only != null && typeof only[0] === 'string') return sortStrings(only as string[], desc[0]!);
  return rowOrder().sort(compare);
}

/** Runs this short are sorted by insertion before merging. */
const RUN = 16;

/**
 * The positions of strings `ks` in `<` order (reversed when `desc`), equal
 * strings in position order: a bottom-up merge sort of positions, comparing
 * first a number packing the code units after the prefix every string shares
 * (see packedPrefixes), then, only when those are equal, the strings.
 */
function sortStrings(ks: readonly string[], desc: boolean): number[] {
  const n = ks.length;
  const pre = packedPrefixes(ks);
  const sign = desc ? -1 : 1;
  if (desc) for (let i = 0; i < n; i++) pre[i] = -pre[i]!;
  // Whether the row at position x sorts strictly before the one at y.
  const before = (x: number, y: number): boolean => {
    const a = pre[x]!;
    const b = pre[y]!;
    if (a !== b) return a < b;
    const s = ks[x]!;
    const t = ks[y]!;
    return sign > 0 ? s < t : t < s;
  };
  let from = new Int32Array(n);
  let to = new Int32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(n, lo + RUN);
    for (let i = lo + 1; i < hi; i++) {
      const x = from[i]!;
      let j = i - 1;
      while (j >= lo && before(x, from[j]!)) {
        from[j + 1] = from[j]!;
        j--;
      }
      from[j + 1] = x;
    }
  }
  // Stable merges: on a tie the left run's element goes first.
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) to[k++] = before(from[j]!, from[i]!) ? from[j++]! : from[i++]!;
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
    }
    const t = from;
    from = to;
    to = t;
  }
  return Array.from(from);
}

/**
 * For each string, a number that orders as the string's code units after the
 * prefix all the strings share (so, as the whole string, up to ties): six
 * units in base 256 when each is below 255, else three in base 65537, each
 * unit stored plus one and 0 past the end, so a shorter string sorts first.
 * Both fit a double exactly (below 2^53). Equal numbers say nothing more than
 * "equal so far".
 */
function packedPrefixes(ks: readonly string[]): Float64Array {
  const first = ks[0]!;
  let shared = first.length;
  for (let i = 1; i < ks.length && shared > 0; i++) {
    const s = ks[i]!;
    const m = Math.min(shared, s.length);
    let j = 0;
    while (j < m && s.charCodeAt(j) === first.charCodeAt(j)) j++;
    shared = j;
  }
  const out = new Float64Array(ks.length);
  if (!pack(ks, shared, 6, 256, out)) pack(ks, shared, 3, 65537, out);
  return out;
}

/** Fills out with `units` code units from `from` of each string in `base`; false (out partly filled) when a unit does not fit. */
function pack(ks: readonly string[], from: number, units: number, base: number, out: Float64Array): boolean {
  for (let i = 0; i < ks.length; i++) {
    const s = ks[i]!;
    let v = 0;
    for (let j = from; j < from + units; j++) {
      const digit = j < s.length ? s.charCodeAt(j) + 1 : 0;
      if (digit >= base) return false;
      v = v * base + digit;
    }
    out[i] = v;
  }
  return true;
}
