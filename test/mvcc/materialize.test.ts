// The materialized form of a partition's state (core/mvcc/materialize.ts):
// whatever sequence of commands, snapshot installs and drains, the records
// drained so far rebuild exactly the state they were drained from.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError, utf8Encode } from '../../core/util/codec.js';
import { encodePartitionCommand, type PartitionCommand } from '../../core/txn/commands.js';
import { PartitionStateMachine } from '../../core/txn/partition.js';
import type { Timestamp } from '../../core/hlc.js';

const KEYS = ['a', 'a\u0000', 'ab', 'b', 'b\u00ff', 'c'];

type Step =
  | { t: 'commit'; writes: number[]; del: boolean; reads: number[]; range: boolean }
  | { t: 'prepare'; writes: number[]; reads: number[] }
  | { t: 'decide'; pick: number; commit: boolean }
  | { t: 'resolve'; pick: number; commit: boolean }
  | { t: 'forget'; pick: number }
  | { t: 'gc'; back: number }
  | { t: 'snapshot' }
  | { t: 'restore'; pick: number }
  | { t: 'drain' };

const keys = fc.uniqueArray(fc.nat(KEYS.length - 1), { minLength: 0, maxLength: 3 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('commit' as const), writes: keys, del: fc.boolean(), reads: keys, range: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('prepare' as const), writes: keys, reads: keys }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('decide' as const), pick: fc.nat(), commit: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('resolve' as const), pick: fc.nat(), commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('forget' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('gc' as const), back: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restore' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ t: 'drain' as const }) },
);

/** Applies drained records to a disk image, as the replica's batch would. */
function drainInto(sm: PartitionStateMachine, disk: Map<string, Uint8Array>): void {
  for (const [key, payload] of sm.drainChanges()) {
    if (payload === null) disk.delete(key);
    else disk.set(key, payload);
  }
}

function reloaded(disk: ReadonlyMap<string, Uint8Array>): PartitionStateMachine {
  const sm = new PartitionStateMachine();
  sm.loadMaterialized(new Map(disk));
  return sm;
}

/** Runs steps on a materialized partition; returns how many commands took effect (to check the test does something). */
function run(steps: readonly Step[]): { applied: number } {
  const sm = new PartitionStateMachine();
  sm.loadMaterialized(new Map());
  const disk = new Map<string, Uint8Array>();
  const snapshots: Uint8Array[] = [];
  const txns: { id: string; snapshotTs: Timestamp }[] = [];
  let wall = 10;
  let n = 0;
  let applied = 0;
  const apply = (c: PartitionCommand) => {
    const { result } = sm.apply(encodePartitionCommand(c));
    if (result !== null && typeof result === 'object' && 'ok' in result && result.ok) applied++;
  };
  for (const s of steps) {
    wall += 1;
    const snap = { wall, logical: 0 };
    const txnOf = (ws: number[], del: boolean, rs: number[], range: boolean) => ({
      txnId: `t${++n}`,
      snapshotTs: snap,
      reads: rs.map((i) => ({ key: KEYS[i]!, versionTs: sm.store.get(KEYS[i]!, snap).versionTs })),
      ranges: range ? [{ start: 'a', end: 'b', observedHash: sm.store.rangeHash('a', 'b', snap) }] : [],
      writes: ws.map((i) => ({ key: KEYS[i]!, value: del ? null : utf8Encode(`v${n}`) })),
    });
    switch (s.t) {
      case 'commit':
        apply({ type: 'commit', txn: txnOf(s.writes, s.del, s.reads, s.range), proposedTs: { wall: wall + 1, logical: 0 } });
        break;
      case 'prepare': {
        const txn = txnOf(s.writes, false, s.reads, false);
        txns.push({ id: txn.txnId, snapshotTs: snap });
        apply({ type: 'prepare', txn, participants: [0, 1], recordKey: 'a' });
        break;
      }
      case 'decide':
      case 'resolve': {
        if (!txns.length) break;
        const t = txns[s.pick % txns.length]!;
        const vote = sm.store.preparedTxn(t.id)?.minCommitTs;
        const decision = s.commit && vote ? { commitTs: { wall: Math.max(wall, vote.wall) + 1, logical: 0 } } : ('abort' as const);
        if (s.t === 'decide') {
          // Only a first decision may commit: a later contradicting resolve is a protocol bug the store asserts.
          if (decision !== 'abort' && !vote) break;
          apply({ type: 'decide', txnId: t.id, snapshotTs: t.snapshotTs, decision, participants: [0, 1] });
        } else if (vote) apply({ type: 'resolve', txnId: t.id, decision });
        break;
      }
      case 'forget':
        if (txns.length) apply({ type: 'forget', txnId: txns[s.pick % txns.length]!.id });
        break;
      case 'gc':
        apply({ type: 'gc', id: `gc${++n}`, belowTs: { wall: Math.max(1, wall - s.back), logical: 0 } });
        break;
      case 'snapshot':
        snapshots.push(sm.snapshot());
        break;
      case 'restore':
        if (snapshots.length) sm.restore(snapshots[s.pick % snapshots.length]!);
        break;
      case 'drain':
        drainInto(sm, disk);
        expect(Buffer.from(reloaded(disk).snapshot())).toEqual(Buffer.from(sm.snapshot()));
        break;
    }
  }
  drainInto(sm, disk);
  expect(Buffer.from(reloaded(disk).snapshot())).toEqual(Buffer.from(sm.snapshot()));
  // Nothing is drained twice: a second drain right after is empty.
  expect(sm.drainChanges()).toEqual([]);
  return { applied };
}

describe('materialized partition state', () => {
  it('rebuilds exactly the drained state after any commands, snapshot installs and GC', () => {
    let applied = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        applied += run(steps).applied;
      }),
      { numRuns: 300 },
    );
    // The generator must make commands take effect, or the property says little.
    expect(applied).toBeGreaterThan(300);
  });

  it('drops the records of a replaced state on a snapshot install', () => {
    const sm = new PartitionStateMachine();
    sm.loadMaterialized(new Map());
    const empty = sm.snapshot();
    const txn = { txnId: 't1', snapshotTs: { wall: 5, logical: 0 }, reads: [], ranges: [], writes: [{ key: 'k', value: utf8Encode('v') }] };
    sm.apply(encodePartitionCommand({ type: 'commit', txn, proposedTs: { wall: 6, logical: 0 } }));
    const disk = new Map<string, Uint8Array>();
    drainInto(sm, disk);
    expect([...disk.keys()].sort()).toEqual(['f/t1', 'v/k']);
    sm.restore(empty);
    drainInto(sm, disk);
    expect([...disk.keys()].sort()).toEqual(['m/floor', 'm/ranges']);
    expect(reloaded(disk).store.get('k', { wall: 9, logical: 0 }).value).toBeNull();
  });

  it('refuses records it does not know or cannot decode', () => {
    expect(() => reloaded(new Map([['x/1', new Uint8Array([1])]]))).toThrow(DecodeError);
    expect(() => reloaded(new Map([['v/k', new Uint8Array([0])]]))).toThrow(DecodeError);
    expect(() => reloaded(new Map([['r/t', new Uint8Array([])]]))).toThrow(DecodeError);
  });
});
