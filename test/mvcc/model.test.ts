import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertNever } from '../../core/assert.js';
import { compareTs, nextTs, tsMax, type Timestamp } from '../../core/hlc.js';
import { MvccStore, type RangeRead, type TxnWrites } from '../../core/mvcc/index.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';

const ts = (wall: number, logical = 0): Timestamp => ({ wall, logical });
const text = (v: Uint8Array | null): string | null => (v === null ? null : utf8Decode(v));

// Keys with shared prefixes and the extreme code units the SQL layer uses.
const KEYS = ['', 'a', 'a\u0000', 'ab', 'b', 'b\u00ff', 'c'];
const keyIdx = fc.nat(KEYS.length - 1);

/** The naive reference: every version ever committed, unsorted. */
interface RefVersion {
  key: string;
  ts: Timestamp;
  value: string | null;
}

function refGet(ref: readonly RefVersion[], key: string, at: Timestamp): RefVersion | undefined {
  let best: RefVersion | undefined;
  for (const v of ref) {
    if (v.key === key && compareTs(v.ts, at) <= 0 && (best === undefined || compareTs(v.ts, best.ts) > 0)) best = v;
  }
  return best;
}

function refScan(ref: readonly RefVersion[], start: string, end: string, at: Timestamp): [string, string, Timestamp][] {
  const out: [string, string, Timestamp][] = [];
  for (const key of [...new Set(ref.map((v) => v.key))].sort()) {
    if (key < start || key >= end) continue;
    const v = refGet(ref, key, at);
    if (v !== undefined && v.value !== null) out.push([key, v.value, v.ts]);
  }
  return out;
}

/** Scans [start, end) in pages of `limit`, following resumeKey. */
function scanAll(s: MvccStore, start: string, end: string, at: Timestamp, limit: number): [string, string, Timestamp][] {
  const out: [string, string, Timestamp][] = [];
  let from: string | null = start;
  while (from !== null) {
    const page = s.scan(from, end, at, limit);
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    for (const r of page.rows) out.push([r.key, text(r.value)!, r.versionTs]);
    from = page.resumeKey;
  }
  return out;
}

type Cmd =
  | { t: 'commit'; writes: [number, string | null][]; proposed: number; logical: number }
  | { t: 'gc'; at: number; logical: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('commit' as const),
      writes: fc.uniqueArray(fc.tuple(keyIdx, fc.option(fc.constantFrom('x', 'y', 'z'), { nil: null })), {
        minLength: 1,
        maxLength: 3,
        selector: (w) => w[0],
      }),
      proposed: fc.integer({ min: 0, max: 60 }),
      logical: fc.nat(2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('gc' as const), at: fc.integer({ min: 0, max: 60 }), logical: fc.nat(2) }) },
);

describe('model-based', () => {
  it('get and scan agree with a naive version list after random commits and gc', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (cmds, limit) => {
        const s = new MvccStore();
        const ref: RefVersion[] = [];
        let floor = ts(0);
        let n = 0;
        for (const c of cmds) {
          switch (c.t) {
            case 'commit': {
              // A snapshot at the newest version of the written keys avoids write-write refusals.
              let snap = s.gcThreshold;
              for (const [k] of c.writes) snap = tsMax(snap, s.versionsOf(KEYS[k]!)[0]?.ts ?? snap);
              const t: TxnWrites = {
                txnId: `t${n++}`,
                snapshotTs: snap,
                reads: [],
                ranges: [],
                writes: c.writes.map(([k, v]) => ({ key: KEYS[k]!, value: v === null ? null : utf8Encode(v) })),
              };
              const r = s.commitDirect(t, ts(c.proposed, c.logical));
              expect(r.ok).toBe(true);
              if (!r.ok) return;
              expect(compareTs(r.commitTs, snap)).toBeGreaterThan(0);
              for (const [k, v] of c.writes) ref.push({ key: KEYS[k]!, ts: r.commitTs, value: v });
              break;
            }
            case 'gc': {
              const at = ts(c.at, c.logical);
              const probes = probeTimes(ref, at);
              const hashes = probes.map((p) => s.rangeHash('', '\u0100', p));
              s.gc(at);
              floor = tsMax(floor, at);
              expect(s.gcThreshold).toEqual(floor);
              // Range hashes at or above the floor survive gc: scans validated across a gc stay valid.
              expect(probes.map((p) => s.rangeHash('', '\u0100', p))).toEqual(hashes);
              // And it keeps nothing it drops: per key at most the newest version at or below the floor, and no key whose newest version is a tombstone there.
              for (const key of KEYS) {
                const vs = s.versionsOf(key);
                expect(vs.filter((v) => compareTs(v.ts, s.gcThreshold) <= 0).length).toBeLessThanOrEqual(1);
                if (vs.length === 1 && compareTs(vs[0]!.ts, s.gcThreshold) <= 0) expect(vs[0]!.value).not.toBeNull();
              }
              break;
            }
            default:
              assertNever(c, 'command');
          }
          for (const at of probeTimes(ref, floor)) {
            for (const key of KEYS) {
              const got = s.get(key, at);
              const want = refGet(ref, key, at);
              expect(text(got.value)).toBe(want?.value ?? null);
              // A newest tombstone below the floor may be gone; a live value keeps its version.
              if (want?.value != null) expect(got.versionTs).toEqual(want.ts);
            }
            expect(scanAll(s, '', '\u0100', at, limit)).toEqual(refScan(ref, '', '\u0100', at));
            expect(scanAll(s, 'a\u0000', 'b\u00ff', at, limit)).toEqual(refScan(ref, 'a\u0000', 'b\u00ff', at));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** Every version ts at or above `floor`, plus the floor itself and its successor. */
function probeTimes(ref: readonly RefVersion[], floor: Timestamp): Timestamp[] {
  const all = [floor, nextTs(floor), ...ref.map((v) => v.ts)].filter((t) => compareTs(t, floor) >= 0);
  return all.sort(compareTs).filter((t, i, a) => i === 0 || compareTs(a[i - 1]!, t) !== 0);
}

// ---------------------------------------------------------------------------
// Snapshot and restore: a restored store is indistinguishable from the original.

type Step =
  | { t: 'commit'; snapBack: number; read: number | null; scan: boolean; write: number; del: boolean }
  | { t: 'prepare'; snapBack: number; read: number | null; scan: boolean; write: number }
  | { t: 'resolve'; which: number; commit: boolean; bump: number }
  | { t: 'gc'; back: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    t: fc.constant('commit' as const),
    snapBack: fc.nat(5),
    read: fc.option(keyIdx, { nil: null }),
    scan: fc.boolean(),
    write: keyIdx,
    del: fc.boolean(),
  }),
  fc.record({ t: fc.constant('prepare' as const), snapBack: fc.nat(5), read: fc.option(keyIdx, { nil: null }), scan: fc.boolean(), write: keyIdx }),
  fc.record({ t: fc.constant('resolve' as const), which: fc.nat(9), commit: fc.boolean(), bump: fc.nat(3) }),
  fc.record({ t: fc.constant('gc' as const), back: fc.nat(8) }),
);

/** Runs one step against every store in `stores` (the same command to each) and returns the results. */
function runStep(stores: MvccStore[], step: Step, clock: number, id: string): unknown[] {
  const first = stores[0]!;
  switch (step.t) {
    case 'commit':
    case 'prepare': {
      const snap = ts(Math.max(0, clock - step.snapBack));
      const ranges: RangeRead[] = step.scan ? [{ start: 'a', end: 'b\u00ff', observedHash: first.rangeHash('a', 'b\u00ff', snap) }] : [];
      const reads = step.read === null ? [] : [{ key: KEYS[step.read]!, versionTs: first.get(KEYS[step.read]!, snap).versionTs }];
      const del = step.t === 'commit' && step.del;
      const t: TxnWrites = { txnId: id, snapshotTs: snap, reads, ranges, writes: [{ key: KEYS[step.write]!, value: del ? null : utf8Encode(id) }] };
      return stores.map((s) => (step.t === 'commit' ? s.commitDirect(t, ts(clock)) : s.prepare(t, `rec/${id}`)));
    }
    case 'resolve': {
      const ids = first.preparedIds();
      if (ids.length === 0) return [];
      const txnId = ids[step.which % ids.length]!;
      const vote = first.preparedTxn(txnId)!.minCommitTs;
      return stores.map((s) => s.resolve(txnId, step.commit ? { commitTs: ts(vote.wall + step.bump, vote.logical) } : 'abort'));
    }
    case 'gc':
      return stores.map((s) => s.gc(ts(Math.max(0, clock - step.back))));
    default:
      return assertNever(step, 'step');
  }
}

describe('snapshot and restore', () => {
  it('round-trips bytes and digest, and the copy behaves like the original', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 30 }), fc.array(stepArb, { maxLength: 30 }), (before, after) => {
        const s = new MvccStore();
        let clock = 10;
        before.forEach((step, i) => runStep([s], step, (clock += 2), `b${i}`));
        const bytes = s.snapshot();
        const r = MvccStore.restore(bytes);
        expect(r.snapshot()).toEqual(bytes);
        expect(r.digest()).toBe(s.digest());
        after.forEach((step, i) => {
          const results = runStep([s, r], step, (clock += 2), `a${i}`);
          if (results.length === 2) expect(results[1]).toEqual(results[0]);
          expect(r.digest()).toBe(s.digest());
        });
        expect(MvccStore.restore(s.snapshot()).snapshot()).toEqual(r.snapshot());
        for (const key of KEYS) expect(r.versionsOf(key)).toEqual(s.versionsOf(key));
      }),
      { numRuns: 300 },
    );
  });
});
