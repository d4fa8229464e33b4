import { describe, expect, it } from 'vitest';
import { txnCluster } from '../txn/sim-cluster.js';
import type { Outcome } from '../../core/cluster/replica.js';
import { encodePartitionCommand, requestIdOf, type PartitionCommand } from '../../core/txn/commands.js';
import { utf8Encode } from '../../core/util/codec.js';

// A retried request reaches the leader again while its first try is still
// uncommitted (a forwarding node retries after about one election without an
// answer). One partition on three simulated nodes; node 1 leads.

describe('a leader given a retry of a request it logged', () => {
  it('logs it once in its term, and answers every try with the one result', () => {
    const world = txnCluster('retry/dedup', 1, 4_000);
    const replica = world.slots[0]!.node!.groups[0]!;
    expect(replica.raft.role).toBe('leader');
    const now = world.slots[0]!.node!.hlc.now();
    const c: PartitionCommand = {
      type: 'commit',
      txn: { txnId: 'retried', snapshotTs: now, reads: [], ranges: [], writes: [{ key: 'k', value: utf8Encode('v') }] },
      proposedTs: now,
    };
    const answers: Outcome<unknown>[] = [];
    const log = replica.raft.log;
    let before = 0;
    // Cut the leader off so the entry stays uncommitted while the retries come.
    world.at(world.now, () => {
      world.net.partition([1], [2, 3]);
      before = log.lastIndex();
      replica.propose(requestIdOf(c), encodePartitionCommand(c), (o) => answers.push(o));
    });
    world.runUntil(world.now + 30);
    world.at(world.now, () => {
      for (let i = 0; i < 3; i++) replica.propose(requestIdOf(c), encodePartitionCommand(c), (o) => answers.push(o));
    });
    world.runUntil(world.now + 30);
    expect(replica.raft.role).toBe('leader');
    expect(log.lastIndex()).toBe(before + 1);
    expect(answers).toEqual([]);
    world.at(world.now, () => world.net.heal());
    world.runUntil(world.now + 500);
    expect(answers.length).toBe(4);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 'ok', result: { ok: true } });
  });
});
