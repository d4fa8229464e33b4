// Read markers on key ranges: a map from [start, end) to the highest commit
// timestamp of a transaction that validated a scan over it. Stored as disjoint
// intervals sorted by start; raising a range splits the intervals it partly
// covers and merges touching intervals that end up with equal timestamps, so a
// table scanned again and again stays one interval.

import { compareTs, tsEquals, tsMax, type Timestamp } from '../hlc.js';

export interface RangeMark {
  readonly start: string;
  readonly end: string;
  readonly ts: Timestamp;
}

export class RangeMarks {
  // Invariant: for all i, a[i].start < a[i].end <= a[i + 1].start, and
  // touching neighbours (a[i].end === a[i + 1].start) have different ts.
  private a: RangeMark[] = [];

  get length(): number {
    return this.a.length;
  }

  /** The intervals in key order; for serialization and tests. */
  entries(): readonly RangeMark[] {
    return this.a;
  }

  /** The first index whose interval ends after key; a.length when none. */
  private firstEndingAfter(key: string): number {
    let lo = 0;
    let hi = this.a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.a[mid]!.end <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The mark covering key, or null when no interval contains it. */
  at(key: string): Timestamp | null {
    const i = this.firstEndingAfter(key);
    const m = this.a[i];
    return m !== undefined && m.start <= key ? m.ts : null;
  }

  /** Sets the mark of every key in [start, end) to at least ts. An empty range is a no-op. */
  raise(start: string, end: string, ts: Timestamp): void {
    if (start >= end) return;
    const i = this.firstEndingAfter(start);
    const out: RangeMark[] = [];
    let cur = start; // Everything in [start, cur) has been emitted.
    let j = i;
    for (; j < this.a.length && this.a[j]!.start < end; j++) {
      const m = this.a[j]!;
      if (m.start < start) out.push({ start: m.start, end: start, ts: m.ts });
      else if (m.start > cur) out.push({ start: cur, end: m.start, ts });
      const lo = m.start < start ? start : m.start;
      const hi = m.end < end ? m.end : end;
      out.push({ start: lo, end: hi, ts: tsMax(m.ts, ts) });
      if (m.end > end) out.push({ start: end, end: m.end, ts: m.ts });
      cur = hi;
    }
    if (cur < end) out.push({ start: cur, end, ts });
    // Merge within out and with the untouched neighbours on both sides.
    const lo = i > 0 ? i - 1 : i;
    const hi = j < this.a.length ? j + 1 : j;
    const region = [...this.a.slice(lo, i), ...out, ...this.a.slice(j, hi)];
    this.a.splice(lo, hi - lo, ...mergeTouching(region));
  }

  /** Drops every interval whose ts is <= floor (the GC floor subsumes them). */
  dropAtOrBelow(floor: Timestamp): void {
    this.a = this.a.filter((m) => compareTs(m.ts, floor) > 0);
  }

  /** Rebuilds from intervals already in canonical form (sorted, disjoint, merged); null otherwise. */
  static fromEntries(entries: readonly RangeMark[]): RangeMarks | null {
    for (let i = 0; i < entries.length; i++) {
      const m = entries[i]!;
      if (!(m.start < m.end)) return null;
      const n = entries[i + 1];
      if (n !== undefined && (m.end > n.start || (m.end === n.start && tsEquals(m.ts, n.ts)))) return null;
    }
    const r = new RangeMarks();
    r.a = entries.slice();
    return r;
  }
}

/** Merges touching intervals with equal ts; the input is sorted and disjoint. */
function mergeTouching(region: RangeMark[]): RangeMark[] {
  const out: RangeMark[] = [];
  for (const m of region) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === m.start && tsEquals(last.ts, m.ts)) {
      out[out.length - 1] = { start: last.start, end: m.end, ts: m.ts };
    } else out.push(m);
  }
  return out;
}
