// A restarted node resumes from its materialized state: each partition's
// records on disk reflect an applied index (written with them in one batch),
// the replica starts applying right after it, and the state it loads is the
// state every other replica had at that index. The Raft snapshot is only the
// fallback (and what a lagging follower is sent). The records are written
// lazily (no fsync of their own), so a crash may lose the last of them: the
// index on disk may trail the replica's, never lead it.

import { describe, expect, it } from 'vitest';
import { openRecord, RaftDiskLayout } from '../../core/raft/storage.js';
import { Reader, utf8Encode } from '../../core/util/codec.js';
import { TxnNode } from '../../core/txn/node.js';
import { PartitionStateMachine } from '../../core/txn/partition.js';
import type { Timestamp } from '../../core/hlc.js';
import type { World } from '../../sim/world.js';
import { txnCluster, type TxnClusterHooks } from './sim-cluster.js';

const PARTITIONS = 3;

function uvarOf(key: string, rec: Uint8Array | undefined): number {
  if (rec === undefined) return 0;
  return new Reader(openRecord(key, rec)).uvar();
}

/**
 * Three nodes with PARTITIONS partitions, settled for 5 s, GC off. Small
 * snapshots, so the log is compacted several times during a run.
 */
function materializedCluster(seed: string, observe: TxnClusterHooks['observe'], built?: TxnClusterHooks['built']): World<TxnNode> {
  return txnCluster(seed, PARTITIONS, 5_000, { gcIntervalMs: 1_000_000 }, { replica: { snapshotEntries: 40, keepEntries: 10, requestTimeoutMs: 800 }, observe, built });
}

describe('materialized partition state on restart', () => {
  it('loads the state at the applied index written with it and applies only the entries after it', () => {
    // What each new incarnation's replicas held before start() applied anything.
    const atStart: { id: number; applied: number[]; digests: string[]; maxCommitTs: Timestamp[] }[] = [];
    // Node 3's state after each index it applied (its first incarnation), by partition.
    const node3At = Array.from({ length: PARTITIONS }, () => new Map<number, { digest: string; maxCommitTs: Timestamp }>());
    const world = materializedCluster(
      'materialized/restart',
      (id, g, base) => {
        // Only node 3's first incarnation (atStart gains its entry right after this node is built).
        if (id !== 3 || atStart.some((a) => a.id === id)) return base;
        return {
          ...base,
          onApplied(nodeId, e, sm) {
            base.onApplied?.(nodeId, e, sm);
            const p = sm as PartitionStateMachine;
            node3At[g]!.set(e.index, { digest: p.digest(), maxCommitTs: p.maxCommitTs });
          },
        };
      },
      (n, id) => atStart.push({ id, applied: n.groups.map((r) => r.raft.log.applied), digests: n.groups.map((r) => r.sm.digest()), maxCommitTs: n.groups.map((r) => r.sm.maxCommitTs) }),
    );
    let done = 0;
    const fails: string[] = [];
    for (let i = 0; i < 300; i++) {
      const via = world.slots[i % 3]!;
      world.at(world.now + i * 5, () =>
        via.node!.execute(
          (tx) => tx.put(`k${i % 97}`, utf8Encode(`v${i}`)),
          (o) => { if (o.status === "committed") done++; else fails.push(JSON.stringify(o)); },
        ),
      );
    }
    world.runUntil(world.now + 20_000);
    expect(fails).toEqual([]);
    expect(done).toBeGreaterThan(250);

    const slot = world.slots[2]!;
    const live = world.slots[0]!.node!;
    world.crash(slot);
    // The recovery image a restart would see.
    slot.disk.restart();
    const disk = slot.disk.recovered();
    let beyondSnapshot = 0;
    const appliedOnDisk: number[] = [];
    const digestOnDisk: string[] = [];
    for (let g = 0; g < PARTITIONS; g++) {
      const applied = uvarOf(`g${g}/sm/applied`, disk.get(`g${g}/sm/applied`));
      const snapRec = disk.get(`g${g}/raft/snap`);
      const snapIndex = snapRec === undefined ? 0 : uvarOf(`g${g}/raft/snap`, snapRec);
      expect(applied).toBeLessThanOrEqual(live.groups[g]!.raft.log.applied);
      expect(node3At[g]!.has(applied)).toBe(true);
      if (applied > snapIndex && snapIndex > 0) beyondSnapshot++;
      // The records alone rebuild the state the node had at the index written with them.
      const records = new Map<string, Uint8Array>();
      for (const [k, v] of disk) if (k.startsWith(`g${g}/sm/`) && k !== `g${g}/sm/applied`) records.set(k.slice(`g${g}/sm/`.length), openRecord(k, v));
      const sm = new PartitionStateMachine();
      sm.loadMaterialized(records);
      expect(sm.digest()).toBe(node3At[g]!.get(applied)!.digest);
      appliedOnDisk.push(applied);
      digestOnDisk.push(sm.digest());
    }
    // The test means something only if the state is ahead of a compacted snapshot.
    expect(beyondSnapshot).toBeGreaterThan(0);

    const before = atStart.length;
    world.at(world.now, () => world.start(slot));
    world.runUntil(world.now + 3_000);
    const restarted = atStart[before]!;
    expect(restarted.id).toBe(3);
    for (let g = 0; g < PARTITIONS; g++) {
      expect(restarted.applied[g]).toBe(appliedOnDisk[g]);
      expect(restarted.digests[g]).toBe(digestOnDisk[g]);
      // Snapshots must not start below the commits it already holds (regression seeds 221 and 1146).
      expect(restarted.maxCommitTs[g]).toEqual(node3At[g]!.get(appliedOnDisk[g]!)!.maxCommitTs);
      // And it caught up with what was committed while it was down.
      expect(slot.node!.groups[g]!.raft.log.applied).toBe(live.groups[g]!.raft.log.applied);
      expect(slot.node!.groups[g]!.sm.digest()).toBe(live.groups[g]!.sm.digest());
    }
    expect(world.checkers.flatMap((c) => c.violations)).toEqual([]);
  });

  it('compacts without an image on disk; a follower behind the compaction point gets one made when it is sent', () => {
    const installed: { id: number; group: number; index: number }[] = [];
    const world = materializedCluster('materialized/lazy-snapshot', (_id, g, base) => ({
      ...base,
      onSnapshotInstalled(id, snap, sm) {
        base.onSnapshotInstalled?.(id, snap, sm);
        installed.push({ id, group: g, index: snap.meta.index });
      },
    }));
    const down = world.slots[2]!;
    world.crash(down);
    let done = 0;
    for (let i = 0; i < 400; i++) {
      const via = world.slots[i % 2]!;
      world.at(world.now + i * 5, () => via.node!.execute((tx) => tx.put(`k${i % 89}`, utf8Encode(`v${i}`)), (o) => void (o.status === 'committed' && done++)));
    }
    world.runUntil(world.now + 20_000);
    expect(done).toBeGreaterThan(300);
    const live = world.slots[0]!;
    world.at(world.now, () => world.start(down));
    world.runUntil(world.now + 5_000);
    // The restarted node was behind every leader's log, so it caught up by snapshots made on demand.
    expect(new Set(installed.filter((x) => x.id === 3).map((x) => x.group)).size).toBe(PARTITIONS);
    for (let g = 0; g < PARTITIONS; g++) {
      expect(down.node!.groups[g]!.raft.log.applied).toBe(live.node!.groups[g]!.raft.log.applied);
      expect(down.node!.groups[g]!.sm.digest()).toBe(live.node!.groups[g]!.sm.digest());
    }
    // Every compaction point on a node's disk carries no image (the records are the state), and a
    // node restarting from such a disk resumes from its records.
    world.crash(live);
    live.disk.restart();
    let compacted = 0;
    for (let g = 0; g < PARTITIONS; g++) {
      const stored = new RaftDiskLayout(`g${g}/raft/`).recover(live.disk.recovered());
      if (stored.snapshot === null) continue;
      compacted++;
      expect(stored.snapshot.data.length).toBe(0);
      expect(stored.firstIndexMinusOne).toBeGreaterThan(0);
    }
    expect(compacted).toBe(PARTITIONS);
    world.at(world.now, () => world.start(live));
    world.runUntil(world.now + 5_000);
    for (let g = 0; g < PARTITIONS; g++) expect(live.node!.groups[g]!.sm.digest()).toBe(down.node!.groups[g]!.sm.digest());
    expect(world.checkers.flatMap((c) => c.violations)).toEqual([]);
  });
});
