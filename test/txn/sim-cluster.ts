import { TxnNode, type TxnNodeOptions } from '../../core/txn/node.js';
import { noFaults } from '../../sim/faults.js';
import { Rng } from '../../sim/rng.js';
import { World } from '../../sim/world.js';

/**
 * A fault-free simulated cluster of three transactional nodes with
 * `partitions` groups, started and run for `settleMs` (leaders elected and,
 * with balancing, spread). `node` overrides TxnNode options.
 */
export function txnCluster(seed: string, partitions: number, settleMs: number, node: Partial<TxnNodeOptions> = {}): World<TxnNode> {
  const world = new World<TxnNode>(new Rng(seed), {
    nodes: 3,
    groups: partitions,
    tickMs: 50,
    faults: noFaults(),
    diskLatencyMs: { min: 0.5, max: 4 },
    node: { snapshotEntries: 1000, keepEntries: 50, requestTimeoutMs: 800 },
    makeNode: (io, opts, obs) => new TxnNode(io, { ...opts, partitions, ...node }, obs),
  });
  world.at(0, () => world.slots.forEach((s) => world.start(s)));
  world.runUntil(settleMs);
  return world;
}
