import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertNever } from '../../core/assert.js';
import { compareTs, type Timestamp } from '../../core/hlc.js';
import { MvccStore, type PointRead, type RangeRead, type Write } from '../../core/mvcc/index.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';

// Random single-partition transactions run in random interleavings against one
// store, through commitDirect or through prepare + resolve. The committed ones,
// replayed serially in commit-timestamp order against a plain map, must read
// exactly what they read concurrently: commit-ts order is a serial order.

const ts = (wall: number, logical = 0): Timestamp => ({ wall, logical });
const NKEYS = 6;
const key = (i: number): string => `k${i}`;

type Op = { t: 'read'; k: number } | { t: 'scan'; a: number; b: number; limit: number | null } | { t: 'write'; k: number; del: boolean };

interface Plan {
  snapBack: number; // How far behind the clock the snapshot is: late commits below snapshots are common.
  ops: Op[];
  twoPc: boolean;
  abort: boolean; // 2PC only: the coordinator decides abort.
  bump: number; // 2PC only: commit this many ms above the vote.
  hold: number; // 2PC only: how many of its turns the txn stays prepared, so others run against its locks.
  propose: number | null; // commitDirect only: proposed ts, ms ahead of the clock.
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('read' as const), k: fc.nat(NKEYS - 1) }),
  fc.record({ t: fc.constant('scan' as const), a: fc.nat(NKEYS), b: fc.nat(NKEYS), limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }),
  fc.record({ t: fc.constant('write' as const), k: fc.nat(NKEYS - 1), del: fc.boolean() }),
);

const planArb: fc.Arbitrary<Plan> = fc.record({
  snapBack: fc.nat(12),
  ops: fc.array(opArb, { minLength: 1, maxLength: 4 }),
  twoPc: fc.boolean(),
  abort: fc.boolean(),
  bump: fc.nat(8),
  hold: fc.nat(3),
  propose: fc.option(fc.nat(3), { nil: null }),
});

/** What a transaction observed: point reads and scans with their rows, for the serial replay. */
type Observation =
  | { t: 'read'; key: string; value: string | null }
  | { t: 'scan'; start: string; end: string; rows: [string, string][] }
  | { t: 'write'; key: string; value: string | null };

interface Run {
  plan: Plan;
  id: string;
  stage: 'new' | 'running' | 'prepared' | 'done';
  next: number; // Index of the next op.
  snapshotTs: Timestamp;
  reads: PointRead[];
  ranges: RangeRead[];
  writes: Map<string, Uint8Array | null>;
  seen: Observation[];
  vote: Timestamp | null;
  held: number;
}

const text = (v: Uint8Array | null): string | null => (v === null ? null : utf8Decode(v));

function readOp(s: MvccStore, r: Run, op: Op): void {
  switch (op.t) {
    case 'read': {
      const k = key(op.k);
      // Read-your-writes: a buffered write answers without a store read.
      if (r.writes.has(k)) return void r.seen.push({ t: 'read', key: k, value: text(r.writes.get(k)!) });
      const got = s.get(k, r.snapshotTs);
      r.reads.push({ key: k, versionTs: got.versionTs });
      r.seen.push({ t: 'read', key: k, value: text(got.value) });
      return;
    }
    case 'scan': {
      // Scans come before any write of the same txn in the replay check, so skip them after a write.
      if (r.writes.size > 0) return;
      const start = key(Math.min(op.a, op.b));
      const end = key(Math.max(op.a, op.b));
      const res = s.scan(start, end, r.snapshotTs, op.limit ?? undefined);
      const covered = res.resumeKey ?? end;
      expect(res.hash).toBe(s.rangeHash(start, covered, r.snapshotTs));
      r.ranges.push({ start, end: covered, observedHash: res.hash });
      r.seen.push({ t: 'scan', start, end: covered, rows: res.rows.map((row) => [row.key, text(row.value)!]) });
      return;
    }
    case 'write':
      r.writes.set(key(op.k), op.del ? null : utf8Encode(r.id));
      r.seen.push({ t: 'write', key: key(op.k), value: op.del ? null : r.id });
      return;
    default:
      assertNever(op, 'op');
  }
}

describe('serializability', () => {
  it('committed transactions replayed in commit-ts order read what they read', () => {
    let committedTotal = 0;
    let twoPcTotal = 0;
    fc.assert(
      fc.property(
        fc.array(planArb, { minLength: 2, maxLength: 10 }),
        fc.array(fc.nat(100), { minLength: 40, maxLength: 120 }),
        (plans, schedule) => {
          const s = new MvccStore();
          let clock = 20;
          const runs: Run[] = plans.map((plan, i) => ({
            plan,
            id: `T${i}`,
            stage: 'new',
            next: 0,
            snapshotTs: ts(0),
            reads: [],
            ranges: [],
            writes: new Map(),
            seen: [],
            vote: null,
            held: 0,
          }));
          const committed: { run: Run; commitTs: Timestamp }[] = [];
          const txnOf = (r: Run) => ({
            txnId: r.id,
            snapshotTs: r.snapshotTs,
            reads: r.reads,
            ranges: r.ranges,
            writes: [...r.writes].map(([k, value]): Write => ({ key: k, value })),
          });
          for (const pick of schedule) {
            clock++;
            if (pick === 100) {
              s.gc(ts(clock - 15));
              continue;
            }
            const r = runs[pick % runs.length]!;
            switch (r.stage) {
              case 'new':
                r.snapshotTs = ts(Math.max(0, clock - r.plan.snapBack));
                r.stage = 'running';
                break;
              case 'running': {
                if (r.next < r.plan.ops.length) {
                  readOp(s, r, r.plan.ops[r.next++]!);
                  break;
                }
                if (r.plan.twoPc) {
                  const v = s.prepare(txnOf(r), `rec/${r.id}`);
                  r.stage = v.ok ? 'prepared' : 'done';
                  if (v.ok) r.vote = v.minCommitTs;
                } else {
                  const res = s.commitDirect(txnOf(r), r.plan.propose === null ? undefined : ts(clock + r.plan.propose));
                  r.stage = 'done';
                  if (res.ok) committed.push({ run: r, commitTs: res.commitTs });
                }
                break;
              }
              case 'prepared': {
                if (r.plan.hold > r.held++) break;
                r.stage = 'done';
                if (r.plan.abort) {
                  expect(s.resolve(r.id, 'abort')).toBe('aborted');
                } else {
                  const commitTs = ts(r.vote!.wall + r.plan.bump, r.vote!.logical);
                  expect(s.resolve(r.id, { commitTs })).toBe('committed');
                  committed.push({ run: r, commitTs });
                  twoPcTotal++;
                }
                break;
              }
              case 'done':
                break;
              default:
                assertNever(r.stage, 'stage');
            }
          }
          committedTotal += committed.length;

          // Serial replay in commit-ts order (ties: the order they committed in; such txns never conflict).
          const order = committed.map((c, i) => ({ ...c, i })).sort((a, b) => compareTs(a.commitTs, b.commitTs) || a.i - b.i);
          const db = new Map<string, string>();
          for (const { run, commitTs } of order) {
            expect(compareTs(commitTs, run.snapshotTs)).toBeGreaterThan(0);
            const mine = new Map<string, string | null>();
            for (const o of run.seen) {
              if (o.t === 'read') {
                const want = mine.has(o.key) ? mine.get(o.key)! : (db.get(o.key) ?? null);
                expect({ txn: run.id, key: o.key, value: o.value }).toEqual({ txn: run.id, key: o.key, value: want });
              } else if (o.t === 'scan') {
                const want = [...db].filter(([k]) => k >= o.start && k < o.end).sort((a, b) => (a[0] < b[0] ? -1 : 1));
                expect({ txn: run.id, rows: o.rows }).toEqual({ txn: run.id, rows: want });
              } else mine.set(o.key, o.value);
            }
            for (const [k, v] of run.writes) {
              if (v === null) db.delete(k);
              else db.set(k, text(v)!);
            }
          }
          // The store's latest state is the serial result.
          for (let i = 0; i < NKEYS; i++) expect(text(s.get(key(i), ts(1e9)).value)).toBe(db.get(key(i)) ?? null);
        },
      ),
      { numRuns: 1000 },
    );
    // The workload must actually commit, through both paths, or the property says little.
    expect(committedTotal).toBeGreaterThan(1500);
    expect(twoPcTotal).toBeGreaterThan(400);
  });
});
