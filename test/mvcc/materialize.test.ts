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
  | { t: 'drain' }
  | { t: 'reload' };

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
  { weight: 1, arbitrary: fc.constant({ t: 'reload' as const }) },
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

/** Drains sm into disk and checks the disk rebuilds sm's state and holds no record a fresh load would delete at once. */
function drainAndCheck(sm: PartitionStateMachine, disk: Map<string, Uint8Array>): PartitionStateMachine {
  drainInto(sm, disk);
  const again = reloaded(disk);
  expect(Buffer.from(again.snapshot())).toEqual(Buffer.from(sm.snapshot()));
  expect(again.drainChanges()).toEqual([]);
  return again;
}

/** Runs steps on a materialized partition; returns how many commands took effect (to check the test does something). */
function run(steps: readonly Step[]): { applied: number } {
  let sm = new PartitionStateMachine();
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
        drainAndCheck(sm, disk);
        break;
      case 'reload':
        // A restarted replica: it goes on from what it loaded, bookkeeping of the disk included.
        sm = drainAndCheck(sm, disk);
        break;
    }
  }
  drainAndCheck(sm, disk);
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
    expect([...disk.keys()].sort()).toEqual(['g/0', 'v/k']);
    sm.restore(empty);
    drainInto(sm, disk);
    expect([...disk.keys()].sort()).toEqual(['m/floor', 'm/ranges']);
    expect(reloaded(disk).store.get('k', { wall: 9, logical: 0 }).value).toBeNull();
  });

  it('writes the transactions one drain finished as one record, deleted with its last member', () => {
    const sm = new PartitionStateMachine();
    sm.loadMaterialized(new Map());
    const disk = new Map<string, Uint8Array>();
    const commit = (i: number, wall: number) => {
      const txn = { txnId: `t${i}`, snapshotTs: { wall, logical: 0 }, reads: [], ranges: [], writes: [{ key: `k${i}`, value: utf8Encode('v') }] };
      sm.apply(encodePartitionCommand({ type: 'commit', txn, proposedTs: { wall: 100 + i, logical: 0 } }));
    };
    for (let i = 0; i < 50; i++) commit(i, 10 + (i % 2));
    drainInto(sm, disk);
    const groupKeys = () => [...disk.keys()].filter((k) => !k.startsWith('v/') && !k.startsWith('m/'));
    expect(groupKeys()).toEqual(['g/0']);
    for (let i = 50; i < 60; i++) commit(i, 20);
    drainInto(sm, disk);
    expect(groupKeys()).toEqual(['g/0', 'g/1']);
    // GC drops the 25 members at wall 10 only: g/0 stays on disk, and a reload skips those by the floor.
    sm.apply(encodePartitionCommand({ type: 'gc', id: 'gc1', belowTs: { wall: 11, logical: 0 } }));
    drainInto(sm, disk);
    expect(groupKeys()).toEqual(['g/0', 'g/1']);
    const again = reloaded(disk);
    expect(Buffer.from(again.snapshot())).toEqual(Buffer.from(sm.snapshot()));
    // The reloaded replica deletes g/0 when its last members go, and numbers new groups after g/1.
    again.apply(encodePartitionCommand({ type: 'gc', id: 'gc2', belowTs: { wall: 12, logical: 0 } }));
    drainInto(again, disk);
    expect(groupKeys()).toEqual(['g/1']);
    const txn = { txnId: 'late', snapshotTs: { wall: 30, logical: 0 }, reads: [], ranges: [], writes: [] };
    again.apply(encodePartitionCommand({ type: 'commit', txn, proposedTs: { wall: 200, logical: 0 } }));
    drainInto(again, disk);
    expect(groupKeys()).toEqual(['g/1', 'g/2']);
  });

  it('reads a finished transaction written as a record of its own, and deletes it when GC drops it', () => {
    const sm = new PartitionStateMachine();
    sm.loadMaterialized(new Map());
    const txn = { txnId: 'old', snapshotTs: { wall: 5, logical: 0 }, reads: [], ranges: [], writes: [{ key: 'k', value: utf8Encode('v') }] };
    const first = sm.apply(encodePartitionCommand({ type: 'commit', txn, proposedTs: { wall: 6, logical: 0 } }));
    const disk = new Map<string, Uint8Array>();
    drainInto(sm, disk);
    // The layout before groups: the same payload under f/{txnId}.
    const group = disk.get('g/0')!;
    disk.delete('g/0');
    disk.set('f/old', group.subarray(1 + 1 + 3));
    const legacy = reloaded(disk);
    expect(Buffer.from(legacy.snapshot())).toEqual(Buffer.from(sm.snapshot()));
    expect(legacy.apply(encodePartitionCommand({ type: 'commit', txn, proposedTs: { wall: 9, logical: 0 } })).result).toEqual(first.result);
    legacy.apply(encodePartitionCommand({ type: 'gc', id: 'gc1', belowTs: { wall: 6, logical: 0 } }));
    drainInto(legacy, disk);
    expect(disk.has('f/old')).toBe(false);
    expect([...disk.keys()].filter((k) => k.startsWith('g/'))).toEqual([]);
  });

  it('refuses records it does not know or cannot decode', () => {
    expect(() => reloaded(new Map([['x/1', new Uint8Array([1])]]))).toThrow(DecodeError);
    expect(() => reloaded(new Map([['v/k', new Uint8Array([0])]]))).toThrow(DecodeError);
    expect(() => reloaded(new Map([['r/t', new Uint8Array([])]]))).toThrow(DecodeError);
    expect(() => reloaded(new Map([['g/x!', new Uint8Array([0])]]))).toThrow(DecodeError);
    expect(() => reloaded(new Map([['g/1', new Uint8Array([1])]]))).toThrow(DecodeError);
  });
});
