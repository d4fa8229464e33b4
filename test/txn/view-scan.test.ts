import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { partitionOf, partitionsOfRange } from '../../core/cluster/partitions.js';
import type { Timestamp } from '../../core/hlc.js';
import { MvccStore } from '../../core/mvcc/index.js';
import { TxnView } from '../../core/txn/view.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';

// TxnView.scan merges the partitions' key-ordered answers and overlays the
// transaction's own writes without re-sorting. Checked against the obvious
// version (every row into a map, own writes applied, keys sorted), and the
// recorded range reads against the stores' own range hashes.

const ts = (wall: number): Timestamp => ({ wall, logical: 0 });

/** Keys in a few buckets (so a wide range spans partitions) with shared prefixes. */
const keyArb = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd:r', 'd:i'), fc.constantFrom('', 'x', 'xy', 'y', '\u00ff', 'x\u0000')).map(([b, k]) => `${b}/${k}`);
const valueArb = fc.option(fc.string({ maxLength: 3 }), { nil: null });

const caseArb = fc.record({
  partitions: fc.integer({ min: 1, max: 3 }),
  // Committed batches at walls 10, 20, ...; null deletes.
  batches: fc.array(fc.array(fc.tuple(keyArb, valueArb), { maxLength: 8 }), { maxLength: 5 }),
  snapshot: fc.integer({ min: 5, max: 60 }),
  own: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 }),
  range: fc.oneof(
    fc.constant(['a', 'z'] as [string, string]),
    fc.constantFrom<[string, string]>(['b/', 'b/\u0100'], ['d:r/', 'd:r/\u0100'], ['a/x', 'c/'], ['b/x', 'b/y']),
  ),
  limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
});

function expected(stores: MvccStore[], writes: Map<string, Uint8Array | null>, start: string, end: string, at: Timestamp, limit: number): [string, string][] {
  const rows = new Map<string, Uint8Array>();
  for (const s of stores) for (const r of s.scan(start, end, at).rows) rows.set(r.key, r.value);
  for (const [k, v] of writes) {
    if (k < start || k >= end) continue;
    if (v === null) rows.delete(k);
    else rows.set(k, v);
  }
  return [...rows.keys()]
    .sort()
    .slice(0, limit)
    .map((k) => [k, utf8Decode(rows.get(k)!)]);
}

describe('TxnView.scan', () => {
  it('equals the rows of every partition with own writes applied, in key order, and records each partition range with its hash', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const stores = Array.from({ length: c.partitions }, () => new MvccStore());
        c.batches.forEach((batch, i) => {
          const byGroup = new Map<number, Map<string, Uint8Array | null>>();
          for (const [k, v] of batch) {
            const g = partitionOf(k, c.partitions);
            if (!byGroup.has(g)) byGroup.set(g, new Map());
            byGroup.get(g)!.set(k, v === null ? null : utf8Encode(v));
          }
          for (const [g, w] of byGroup) {
            const writes = [...w].map(([key, value]) => ({ key, value }));
            const r = stores[g]!.commitDirect({ txnId: `t${i}.${g}`, snapshotTs: ts(10 * i + 5), reads: [], ranges: [], writes }, ts(10 * (i + 1)));
            expect(r.ok).toBe(true);
          }
        });
        const at = ts(c.snapshot);
        const view = new TxnView((g) => stores[g]!, c.partitions, at);
        for (const [k, v] of c.own) {
          if (v === null) view.delete(k);
          else view.put(k, utf8Encode(v));
        }
        const [start, end] = c.range;
        const got = view.scan(start, end, c.limit);
        expect(got.map((r) => [r.key, utf8Decode(r.value)])).toEqual(expected(stores, view.writes, start, end, at, c.limit ?? Infinity));
        const groups = partitionsOfRange(start, end, c.partitions);
        expect(view.ranges).toEqual(groups.map((g) => ({ group: g, range: { start, end, observedHash: stores[g]!.rangeHash(start, end, at) } })));
      }),
      { numRuns: 1500 },
    );
  });

  it('answers each scan with its own array: changing one result does not change the next', () => {
    const store = new MvccStore();
    store.commitDirect({ txnId: 't', snapshotTs: ts(1), reads: [], ranges: [], writes: [{ key: 'a/1', value: utf8Encode('v') }] }, ts(2));
    const view = new TxnView(() => store, 1, ts(3));
    const first = view.scan('a/', 'a/\u0100');
    first.pop();
    expect(view.scan('a/', 'a/\u0100').map((r) => r.key)).toEqual(['a/1']);
  });
});
