import { describe, expect, it } from 'vitest';
import { txnCluster } from './sim-cluster.js';
import type { Outcome } from '../../core/cluster/replica.js';
import { ErrorCode } from '../../core/errors.js';
import { encodePartitionCommand } from '../../core/txn/commands.js';
import { TxnNode, type TxnOutcome } from '../../core/txn/node.js';
import { utf8Encode } from '../../core/util/codec.js';
import { World } from '../../sim/world.js';

// Partitions and routing on a fault-free simulated cluster of three nodes.

function cluster(seed: string, partitions: number, balanceIntervalMs = 500): World<TxnNode> {
  return txnCluster(seed, partitions, 4_000, { balanceIntervalMs });
}

describe('a node hosting many partitions', () => {
  it('spreads leadership so every node leads some partitions', () => {
    const world = cluster('cluster/spread', 6);
    const leaders = Array.from({ length: 6 }, (_, g) => world.leader(g)?.id);
    for (const id of [1, 2, 3]) expect(leaders.filter((l) => l === id).length).toBe(2);
  });

  it('batches Raft traffic per peer: frames stop growing with partitions while messages keep growing', () => {
    const traffic = (partitions: number) => {
      const world = cluster(`cluster/frames/${partitions}`, partitions);
      let frames = 0;
      let messages = 0;
      world.sendTrap = (_from, _to, msg) => {
        frames++;
        if (msg.type === 'raft') for (const b of msg.groups) messages += b.msgs.length;
        return false;
      };
      world.runUntil(world.now + 5_000);
      return { frames, messages };
    };
    // Once every node leads a group on every heartbeat phase, more groups add
    // messages, not frames. Unbatched, frames would grow with the messages
    // (4x here); batched they grow by the heartbeat phases and elections the
    // extra groups add, which depends on the run's random timeouts. Frames
    // over 5 s for 6 / 12 / 24 / 48 / 96 groups: 690 / 689 / 1,086 / 1,286 /
    // 1,290 (12 groups read 888 before state records were written lazily,
    // one flush fewer per apply): from 24 groups the phases are all taken.
    const some = traffic(24);
    const many = traffic(96);
    expect(some.frames).toBeGreaterThan(0);
    expect(many.messages / some.messages).toBeGreaterThan(3);
    expect(many.frames / some.frames).toBeLessThan(1.6);
  });

  it('routes a proposal to the leader, following the refusal hint when its view is stale', () => {
    const world = cluster('cluster/route', 3, 0);
    const g = 0;
    const oldLeader = world.leader(g)!.id;
    const newLeader = [1, 2, 3].find((id) => id !== oldLeader)!;
    const caller = [1, 2, 3].find((id) => id !== oldLeader && id !== newLeader)!;
    // The caller hears no Raft traffic, so it keeps believing in the old leader.
    const seen: string[] = [];
    world.sendTrap = (from, to, msg) => {
      if (msg.type === 'raft') return to === caller;
      if (msg.type === 'call' && from === caller) seen.push(`call ${to}`);
      if (msg.type === 'answer' && to === caller) seen.push(`${msg.answer.status} from ${from}`);
      return false;
    };
    world.at(world.now, () => world.slots[oldLeader - 1]!.node!.transferLeader(g, newLeader));
    // Shorter than an election timeout: the caller has not yet given up on the old leader.
    world.runUntil(world.now + 150);
    expect(world.leader(g)!.id).toBe(newLeader);
    expect(world.slots[caller - 1]!.node!.leaderOf(g)).toBe(oldLeader);
    let out: Outcome<unknown> | null = null;
    const gc = encodePartitionCommand({ type: 'gc', id: 'route-test', belowTs: { wall: 1, logical: 0 } });
    world.at(world.now, () => world.slots[caller - 1]!.node!.call(g, 'route-test', gc, (o) => (out = o)));
    world.runUntil(world.now + 1_000);
    expect(out).toEqual({ status: 'ok', result: null });
    expect(seen).toEqual([`call ${oldLeader}`, `not-leader from ${oldLeader}`, `call ${newLeader}`, `ok from ${newLeader}`]);
  });

  it('answers a transaction on a partition without quorum instead of hanging: a read fails retryably, a write is unknown', () => {
    const world = cluster('cluster/no-quorum', 3);
    world.crash(world.slots[1]!);
    world.crash(world.slots[2]!);
    const outs: TxnOutcome<unknown>[] = [];
    world.at(world.now, () => world.slots[0]!.node!.execute((tx) => tx.get('k'), (o) => outs.push(o)));
    // A write is proposed without waiting for a ReadIndex (see TxnNode.execute): it
    // may yet commit if the others come back, so its outcome is unknown, not failed.
    world.at(world.now, () => world.slots[0]!.node!.execute((tx) => tx.put('k', utf8Encode('v')), (o) => outs.push(o)));
    world.runUntil(world.now + 5_000);
    expect(outs).toHaveLength(2);
    expect(outs[0]).toMatchObject({ status: 'failed', code: ErrorCode.TransactionMustRetry });
    expect(outs[1]).toEqual({ status: 'timeout' });
  });

  it('moves every node\'s hybrid logical clock past the timestamps its messages carry', () => {
    const world = cluster('cluster/hlc', 3);
    world.slots[2]!.clock.offsetMs = 5_000;
    world.runUntil(world.now + 1_000);
    const node1 = world.slots[0]!.node!;
    expect(node1.hlc.peek().wall).toBeGreaterThan(world.slots[0]!.clock.nowMs() + 4_000);
  });
});
