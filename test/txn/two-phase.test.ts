import { describe, expect, it } from 'vitest';
import { txnCluster } from './sim-cluster.js';
import { partitionOf } from '../../core/cluster/partitions.js';
import { TxnNode, type TxnOutcome } from '../../core/txn/node.js';
import { utf8Decode, utf8Encode } from '../../core/util/codec.js';
import { World } from '../../sim/world.js';

// Two-phase commit under a coordinator crash at each step. Three nodes, three
// partitions; leadership settles on node g+1 for group g (balancing), and node
// 3 coordinates a transaction writing keys of groups 0 and 1, so every step
// it takes is a routed call the world can cut: the crash drops that message
// and kills the coordinator on the spot.

const PARTITIONS = 3;

function keyIn(group: number, tag: string): string {
  for (let i = 0; ; i++) if (partitionOf(`${tag}${i}`, PARTITIONS) === group) return `${tag}${i}`;
}

function cluster(seed: string, staleTxnMs?: number): World<TxnNode> {
  return txnCluster(seed, PARTITIONS, 4_000, { balanceIntervalMs: 500, staleTxnMs });
}

function run<T>(world: World<TxnNode>, node: number, program: Parameters<TxnNode['execute']>[0], untilMs: number): TxnOutcome<T> | null {
  let out: TxnOutcome<T> | null = null;
  world.at(world.now, () => world.slots[node - 1]!.node!.execute(program, (o) => (out = o as TxnOutcome<T>)));
  world.runUntil(untilMs);
  return out;
}

function read(world: World<TxnNode>, keys: string[]): (string | null)[] {
  const o = run<(string | null)[]>(world, 1, (tx) => keys.map((k) => tx.get(k)).map((v) => (v === null ? null : utf8Decode(v))), world.now + 2_000);
  expect(o?.status).toBe('committed');
  return o!.status === 'committed' ? o!.value : [];
}

describe('two-phase commit survives a coordinator crash at every step', () => {
  const a = keyIn(0, 'a');
  const b = keyIn(1, 'b');

  it('leaders are spread: node g+1 leads group g', () => {
    const world = cluster('2pc/leaders');
    for (let g = 0; g < PARTITIONS; g++) expect(world.leader(g)?.id).toBe(g + 1);
  });

  for (const [step, committed] of [
    ['/prepare', false],
    ['/decide', false],
    ['/resolve', true],
  ] as const) {
    it(`crash while sending ${step.slice(1)}: ${committed ? 'committed' : 'aborted'} everywhere, no intent left`, () => {
      const world = cluster(`2pc${step}`);
      expect(world.leader(0)?.id).toBe(1);
      expect(world.leader(1)?.id).toBe(2);
      let crashed = false;
      world.sendTrap = (from, _to, msg) => {
        if (from !== 3 || msg.type !== 'call' || !msg.requestId.endsWith(step)) return false;
        world.sendTrap = null;
        crashed = true;
        world.at(world.now, () => world.crash(world.slots[2]!));
        world.at(world.now + 500, () => world.start(world.slots[2]!));
        return true;
      };
      const outcome = run(
        world,
        3,
        (tx) => {
          tx.put(a, utf8Encode('A'));
          tx.put(b, utf8Encode('B'));
        },
        world.now + 10_000,
      );
      expect(crashed).toBe(true);
      // Before the decision the coordinator dies unanswered; after it, it may have answered already.
      if (committed) expect(outcome === null || outcome.status === 'committed').toBe(true);
      else expect(outcome).toBeNull();

      // Recovery has settled everything: no replica of any group holds a prepared transaction.
      for (const s of world.slots) for (const r of s.node!.groups) expect(r.sm.store.preparedIds()).toEqual([]);
      // Atomic: both writes or neither.
      expect(read(world, [a, b])).toEqual(committed ? ['A', 'B'] : [null, null]);
      // No lock is held: the keys can be written again, through the restarted coordinator too.
      const again = run(world, 3, (tx) => {
        tx.put(a, utf8Encode('A2'));
        tx.put(b, utf8Encode('B2'));
      }, world.now + 3_000);
      expect(again?.status).toBe('committed');
      expect(read(world, [a, b])).toEqual(['A2', 'B2']);
      expect(world.raftViolations).toEqual([]);
    });
  }

  it('the test has teeth: with recovery held off, a crash before the decision leaves locks that block writers', () => {
    const world = cluster('2pc/teeth', 1e9);
    world.sendTrap = (from, _to, msg) => {
      if (from !== 3 || msg.type !== 'call' || !msg.requestId.endsWith('/decide')) return false;
      world.sendTrap = null;
      world.at(world.now, () => world.crash(world.slots[2]!));
      world.at(world.now + 500, () => world.start(world.slots[2]!));
      return true;
    };
    run(world, 3, (tx) => {
      tx.put(a, utf8Encode('A'));
      tx.put(b, utf8Encode('B'));
    }, world.now + 10_000);
    expect(world.slots.some((s) => s.node!.groups.some((r) => r.sm.store.preparedIds().length > 0))).toBe(true);
    const again = run(world, 1, (tx) => tx.put(a, utf8Encode('A2')), world.now + 3_000);
    expect(again?.status).toBe('aborted');
  });

  it('a record is forgotten once every participant resolved, and dropped after the GC window', () => {
    const world = cluster('2pc/forget');
    const o = run(world, 3, (tx) => {
      tx.put(a, utf8Encode('x'));
      tx.put(b, utf8Encode('y'));
    }, world.now + 2_000);
    expect(o?.status).toBe('committed');
    const recordGroup = partitionOf([a, b].sort()[0]!, PARTITIONS);
    const records = () => [...world.slots[0]!.node!.groups[recordGroup]!.sm.records.values()];
    expect(records().every((r) => r.forgotten)).toBe(true);
    world.runUntil(world.now + 15_000); // Past the 10 s GC window, with gc every 2 s.
    expect(records()).toEqual([]);
  });
});
