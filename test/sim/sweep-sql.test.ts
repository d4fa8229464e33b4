import { describe, expect, it } from 'vitest';
import { range, sweep } from './sweep.js';

// Part of the seed sweep: SQL transactions (list-append through SQL sessions,
// checked by Elle, and the on-call write-skew example) on 3 nodes and 3
// partitions, swarm faults.
describe('seed sweep: sql, 3 nodes, 3 partitions, swarm faults, seeds 1..3', () => {
  it('every seed is ok and deterministic', () => {
    const results = sweep(range(1, 3), { nodes: 3, faults: 'swarm', workload: 'sql' });
    expect(results.reduce((n, r) => n + r.ops.ok, 0)).toBeGreaterThan(100);
  });
});
