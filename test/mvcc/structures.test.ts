import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareTs, type Timestamp } from '../../core/hlc.js';
import { RangeMarks } from '../../core/mvcc/range-marks.js';
import { SortedKeys } from '../../core/mvcc/sorted-keys.js';

const ts = (wall: number, logical = 0): Timestamp => ({ wall, logical });

// Small alphabets make shared prefixes, equal keys and empty ranges common.
const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u0000', '\u00ff'), maxLength: 4 });

describe('SortedKeys', () => {
  // pendingMax 0 places every add at once; small bounds make the lazy path
  // (adds waiting unplaced, repeated, or already present) meet every read.
  for (const pendingMax of [0, 1, 3, 1024]) {
    it(`matches a sorted set under random adds, deletes and reads (pendingMax ${pendingMax})`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom('add', 'add', 'add', 'delete', 'all', 'size', 'has', 'range'), keyArb, keyArb), { maxLength: 400 }),
          (ops) => {
            const s = new SortedKeys(pendingMax);
            const model = new Set<string>();
            const sorted = (): string[] => [...model].sort();
            // Each read alone, so that every one of them must place pending adds itself.
            for (const [op, k, k2] of ops) {
              if (op === 'add') {
                s.add(k);
                model.add(k);
              } else if (op === 'delete') {
                expect(s.delete(k)).toBe(model.has(k));
                model.delete(k);
              } else if (op === 'all') expect([...s.all()]).toEqual(sorted());
              else if (op === 'size') expect(s.size).toBe(model.size);
              else if (op === 'has') expect(s.has(k2)).toBe(model.has(k2));
              else {
                const [lo, hi] = k < k2 ? [k, k2] : [k2, k];
                expect([...s.range(lo, hi)]).toEqual(sorted().filter((x) => x >= lo && x < hi));
              }
              s.checkInvariants();
            }
            expect([...s.all()]).toEqual([...model].sort());
            expect(s.size).toBe(model.size);
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('handles 100k keys with splits and merges', () => {
    const s = new SortedKeys();
    const key = (i: number): string => 'k' + ((i * 7919) % 100_000).toString().padStart(6, '0');
    for (let i = 0; i < 100_000; i++) s.add(key(i));
    s.add(key(5)); // Already present: still one key.
    expect(s.size).toBe(100_000);
    s.checkInvariants();
    expect([...s.all()]).toEqual(Array.from({ length: 100_000 }, (_, i) => 'k' + i.toString().padStart(6, '0')));
    expect([...s.range('k000100', 'k000105')]).toEqual(['k000100', 'k000101', 'k000102', 'k000103', 'k000104']);
    for (let i = 0; i < 100_000; i += 2) s.delete(key(i));
    expect(s.size).toBe(50_000);
    s.checkInvariants();
    for (let i = 1; i < 100_000; i += 2) s.delete(key(i));
    expect(s.size).toBe(0);
    expect([...s.all()]).toEqual([]);
  });

  it('places pending adds before a delete, so an added key can be deleted at once', () => {
    const s = new SortedKeys(1024);
    s.add('b');
    s.add('a');
    expect(s.delete('b')).toBe(true);
    expect(s.delete('b')).toBe(false);
    expect([...s.all()]).toEqual(['a']);
  });
});

describe('RangeMarks', () => {
  /** A per-key model over every key the alphabet can produce, up to length 3. */
  function probeKeys(): string[] {
    const alphabet = ['\u0000', 'a', 'b', 'c', '\u00ff'];
    const out = [''];
    for (let len = 1; len <= 3; len++) {
      for (const prefix of out.filter((k) => k.length === len - 1)) for (const ch of alphabet) out.push(prefix + ch);
    }
    return out;
  }
  const probes = probeKeys();

  it('matches a per-key maximum under random raises and drops, and stays canonical', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb, keyArb, fc.integer({ min: 1, max: 6 }), fc.boolean()), { maxLength: 60 }),
        (ops) => {
          const m = new RangeMarks();
          const model = new Map<string, number>();
          for (const [a, b, t, drop] of ops) {
            if (drop) {
              m.dropAtOrBelow(ts(t - 1));
              for (const [k, v] of model) if (v <= t - 1) model.delete(k);
            } else {
              m.raise(a, b, ts(t));
              for (const k of probes) if (k >= a && k < b) model.set(k, Math.max(model.get(k) ?? 0, t));
            }
            const entries = m.entries();
            expect(RangeMarks.fromEntries(entries)).not.toBeNull();
            for (const k of probes) expect(m.at(k)?.wall ?? null).toBe(model.get(k) ?? null);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('merges repeated scans of one range into one interval', () => {
    const m = new RangeMarks();
    m.raise('a', 'c', ts(1));
    m.raise('c', 'e', ts(1));
    m.raise('b', 'd', ts(5));
    expect(m.length).toBe(3);
    m.raise('a', 'e', ts(5));
    expect(m.entries()).toEqual([{ start: 'a', end: 'e', ts: ts(5) }]);
    m.raise('x', 'x', ts(9)); // Empty range.
    expect(m.length).toBe(1);
    expect(compareTs(m.at('d')!, ts(5))).toBe(0);
    expect(m.at('e')).toBeNull();
  });

  it('fromEntries rejects non-canonical input', () => {
    expect(RangeMarks.fromEntries([{ start: 'b', end: 'a', ts: ts(1) }])).toBeNull();
    expect(RangeMarks.fromEntries([{ start: 'a', end: 'c', ts: ts(1) }, { start: 'b', end: 'd', ts: ts(2) }])).toBeNull();
    expect(RangeMarks.fromEntries([{ start: 'a', end: 'b', ts: ts(1) }, { start: 'b', end: 'c', ts: ts(1) }])).toBeNull();
  });
});
