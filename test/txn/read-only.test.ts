import { describe, expect, it } from 'vitest';
import { txnCluster } from './sim-cluster.js';
import { partitionOf } from '../../core/cluster/partitions.js';
import { compareTs, type Timestamp } from '../../core/hlc.js';
import { TxnNode, type TxnOutcome, type TxnView } from '../../core/txn/node.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';
import type { World } from '../../sim/world.js';

// The read-only fast path (TxnNode.finalReadTs): a transaction without writes
// that read one partition commits at that partition's highTs without a log
// entry, unless it met an intent or the replica moved since its snapshot, in
// which case it validates through the log as before.

const PARTITIONS = 3;

/** A bucket placed in group (every key `${bucket}/...` lives there, and scans of it stay there). */
function bucketIn(group: number, tag: string): string {
  for (let i = 0; ; i++) if (partitionOf(`${tag}${i}`, PARTITIONS) === group) return `${tag}${i}`;
}

function cluster(seed: string): World<TxnNode> {
  // No GC or recovery proposals during the test: every log entry is one of ours.
  return txnCluster(seed, PARTITIONS, 4_000, { balanceIntervalMs: 500, gcIntervalMs: 1e9, staleTxnMs: 1e9 });
}

function run<T>(world: World<TxnNode>, node: number, program: (tx: TxnView) => T, forMs = 2_000): TxnOutcome<T> | null {
  let out: TxnOutcome<T> | null = null;
  world.at(world.now, () => world.slots[node - 1]!.node!.execute(program, (o) => (out = o)));
  world.runUntil(world.now + forMs);
  return out;
}

/** The last index of each node's log of group g. */
function lastIndexes(world: World<TxnNode>, g: number): number[] {
  return world.slots.map((s) => s.node!.groups[g]!.raft.log.lastIndex());
}

function committedTs<T>(o: TxnOutcome<T> | null): Timestamp {
  expect(o?.status).toBe('committed');
  return o!.status === 'committed' ? o!.commitTs : { wall: 0, logical: 0 };
}

describe('read-only transactions of one partition skip the log', () => {
  const bucket = bucketIn(0, 't');
  const [a, c, from, to] = [`${bucket}/a`, `${bucket}/c`, `${bucket}/`, `${bucket}0`];
  const b = `${bucketIn(1, 'u')}/b`;

  it('commit at the partition newest version without an entry; the next write lands above it', () => {
    const world = cluster('ro/fast');
    const wrote = committedTs(run(world, 1, (tx) => tx.put(a, utf8Encode('A'))));
    const before = lastIndexes(world, 0);
    for (const node of [1, 2, 3]) {
      const o = run(world, node, (tx) => tx.get(a) !== null && tx.get(c) === null && tx.scan(from, to).length === 1);
      expect(o?.status === 'committed' && o.value).toBe(true);
      expect(committedTs(o)).toEqual(wrote);
    }
    expect(lastIndexes(world, 0)).toEqual(before);
    // Any later write, of any key of the partition, commits above the reads.
    const later = committedTs(run(world, 3, (tx) => tx.put(c, utf8Encode('C'))));
    expect(compareTs(later, wrote)).toBeGreaterThan(0);
  });

  it('reading two partitions still validates through the log', () => {
    const world = cluster('ro/two');
    run(world, 1, (tx) => tx.put(a, utf8Encode('A')));
    const before = [lastIndexes(world, 0), lastIndexes(world, 1)];
    committedTs(run(world, 2, (tx) => [tx.get(a), tx.get(b)]));
    expect(lastIndexes(world, 0).every((n, i) => n > before[0]![i]!)).toBe(true);
    expect(lastIndexes(world, 1).every((n, i) => n > before[1]![i]!)).toBe(true);
  });

  it('a read that meets an intent is validated, and refused while the intent stands', () => {
    const world = cluster('ro/intent');
    run(world, 1, (tx) => tx.put(a, utf8Encode('A')));
    const node = world.slots[0]!.node!;
    let voted = false;
    const snapshotTs = node.hlc.now();
    world.at(world.now, () =>
      node.send(0, { type: 'prepare', txn: { txnId: 'P', snapshotTs, reads: [], ranges: [], writes: [{ key: a, value: utf8Encode('P') }] }, participants: [0, 1], recordKey: a }, (o) => (voted = o.status === 'ok')),
    );
    world.runUntil(world.now + 1_000);
    expect(voted).toBe(true);
    const before = lastIndexes(world, 0);
    expect(run(world, 2, (tx) => tx.get(a))?.status).toBe('aborted');
    expect(run(world, 2, (tx) => tx.scan(from, to))?.status).toBe('aborted');
    // A key without an intent still takes the fast path.
    expect(run(world, 2, (tx) => tx.get(c))?.status).toBe('committed');
    expect(lastIndexes(world, 0).map((n, i) => n - before[i]!)).toEqual([2, 2, 2]);
  });

  it('a view whose replica applied entries since it was taken is validated', () => {
    // A prepared write of a resolves below the view's snapshot after the view
    // read a: the intent is gone and highTs is below the snapshot by then,
    // so only the applied index tells that the read is no longer current.
    const world = cluster('ro/moved');
    run(world, 1, (tx) => tx.put(a, utf8Encode('A')));
    const node = world.slots[1]!.node!;
    let vote: Timestamp | null = null;
    world.at(world.now, () =>
      node.send(0, { type: 'prepare', txn: { txnId: 'P', snapshotTs: node.hlc.now(), reads: [], ranges: [], writes: [{ key: a, value: utf8Encode('P') }] }, participants: [0], recordKey: a }, (o) => {
        if (o.status === 'ok' && (o.result as { ok: boolean }).ok) vote = (o.result as { minCommitTs: Timestamp }).minCommitTs;
      }),
    );
    world.runUntil(world.now + 1_000);
    expect(vote).not.toBeNull();
    let view: TxnView | null = null;
    world.at(world.now, () => node.begin((o) => (view = o.status === 'ok' ? o.result : null)));
    world.runUntil(world.now + 1_000);
    expect(utf8Decode(view!.get(a)!)).toBe('A');
    expect(compareTs(vote!, view!.snapshotTs)).toBeLessThan(0);
    let resolved = false;
    world.at(world.now, () => node.resolveAll('P', [0], { commitTs: vote! }, null, () => (resolved = true)));
    world.runUntil(world.now + 1_000);
    expect(resolved).toBe(true);
    expect(compareTs(node.groups[0]!.sm.store.highTs, view!.snapshotTs)).toBeLessThan(0);
    let out: TxnOutcome<null> | null = null;
    world.at(world.now, () => node.commit(view!, (o) => (out = o)));
    world.runUntil(world.now + 2_000);
    expect(out).toMatchObject({ status: 'aborted' });
  });
});

describe('execute runs the program before confirming the replicas', () => {
  const bucket = bucketIn(0, 't');
  const k = `${bucket}/k`;
  const text = (v: Uint8Array | null) => (v === null ? null : utf8Decode(v));

  /** Node 3 misses the write of k = v2 (its Raft traffic is cut meanwhile), then is reachable again. */
  function staleNode3(seed: string): World<TxnNode> {
    const world = cluster(seed);
    run(world, 1, (tx) => tx.put(k, utf8Encode('v1')));
    world.sendTrap = (_from, to, msg) => msg.type === 'raft' && to === 3;
    // Well within an election timeout, so node 3 still follows the leader.
    committedTs(run(world, 1, (tx) => tx.put(k, utf8Encode('v2')), 100));
    world.sendTrap = null;
    expect(text(world.slots[2]!.node!.groups[0]!.sm.store.get(k, world.slots[2]!.node!.hlc.now()).value)).toBe('v1');
    return world;
  }

  it('a read on a replica that is behind runs again once it caught up, and sees the latest write', () => {
    const world = staleNode3('exec/stale-read');
    let runs = 0;
    const o = run(world, 3, (tx) => (runs++, text(tx.get(k))));
    expect(o).toMatchObject({ status: 'committed', value: 'v2' });
    expect(runs).toBe(2);
  });

  it('a read-modify-write on a replica that is behind aborts instead of losing the update', () => {
    const world = staleNode3('exec/stale-write');
    const o = run(world, 3, (tx) => tx.put(k, utf8Encode(`${text(tx.get(k))}+1`)));
    expect(o).toMatchObject({ status: 'aborted' });
    expect(run(world, 1, (tx) => text(tx.get(k)))).toMatchObject({ status: 'committed', value: 'v2' });
  });
});
