import type { ReplicaObserver } from '../../core/cluster/replica.js';
import { TxnNode, type TxnNodeOptions } from '../../core/txn/node.js';
import { noFaults } from '../../sim/faults.js';
import { Rng } from '../../sim/rng.js';
import { World } from '../../sim/world.js';

/** Optional hooks of txnCluster. */
export interface TxnClusterHooks {
  /** Replica options (snapshotEntries, keepEntries, requestTimeoutMs) instead of the defaults below. */
  replica?: { snapshotEntries: number; keepEntries: number; requestTimeoutMs: number };
  /** Wraps each group's observer; runs while node `id` is being built. */
  observe?: (id: number, group: number, base: ReplicaObserver) => ReplicaObserver;
  /** Sees each new incarnation of a node before it starts. */
  built?: (n: TxnNode, id: number) => void;
}

/**
 * A fault-free simulated cluster of three transactional nodes with
 * `partitions` groups, started and run for `settleMs` (leaders elected and,
 * with balancing, spread). `node` overrides TxnNode options.
 */
export function txnCluster(seed: string, partitions: number, settleMs: number, node: Partial<TxnNodeOptions> = {}, hooks: TxnClusterHooks = {}): World<TxnNode> {
  const world = new World<TxnNode>(new Rng(seed), {
    nodes: 3,
    groups: partitions,
    tickMs: 50,
    faults: noFaults(),
    diskLatencyMs: { min: 0.5, max: 4 },
    node: hooks.replica ?? { snapshotEntries: 1000, keepEntries: 50, requestTimeoutMs: 800 },
    makeNode: (io, opts, obs) => {
      const observe = hooks.observe;
      const observer = observe ? (g: number) => observe(opts.id, g, typeof obs === 'function' ? obs(g) : (obs ?? {})) : obs;
      const n = new TxnNode(io, { ...opts, partitions, ...node }, observer);
      hooks.built?.(n, opts.id);
      return n;
    },
  });
  world.at(0, () => world.slots.forEach((s) => world.start(s)));
  world.runUntil(settleMs);
  return world;
}
