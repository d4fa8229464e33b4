import { describe, expect, it } from 'vitest';
import { range, sweep } from './sweep.js';

// Part of the seed sweep for serializable transactions: the bank workload,
// whose audits must always see the initial total.
describe('seed sweep: bank, 3 nodes, swarm faults, seeds 1..12', () => {
  it('every seed is ok and deterministic', () => {
    const results = sweep(range(1, 12), { nodes: 3, faults: 'swarm', workload: 'bank' });
    expect(results.reduce((n, r) => n + r.ops.ok, 0)).toBeGreaterThan(500);
  });
});
